"""Leader pages: 待批示 (cases reported to him, plus supervised or overdue cases in his
jurisdiction) and the 领导批示 board (all instructions in scope)."""
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from petitions import clock

from petitions.selectors import has_case_access, queues
from petitions.lib.paging import CappedPaginator, HydratingPaginator, capped

PAGE_SIZE = 30
# Cases reported to one leader are few; past this many the list says so and the 信访查询 finds the rest.
PENDING_SHOWN = 100


@permission_required("petitions.instruct_case", raise_exception=True)
def leader_page(request):
    today = clock.today()
    pending_qs = queues.leader_pending(request.user)
    pending_count = capped(pending_qs)
    pending = queues.case_rows(list(pending_qs.select_related(*queues.LIST_RELATED)[:PENDING_SHOWN]), today)
    page = HydratingPaginator(queues.attention_cases(request.user, today), PAGE_SIZE,
                              hydrate=queues.hydrate_cases).get_page(request.GET.get("page"))
    attention = queues.attach_supervisions(queues.case_rows(page.object_list, today))
    return render(request, "petitions/leader.html", {
        "pending": pending, "pending_count": pending_count, "pending_more": pending_count > len(pending),
        "attention": attention, "page": page, "page_title": _("待批示"),
    })


def _can_see_board(user):
    """领导批示 is read by every working station of the office (the instructions shown are those on
    cases the user may see: ``queues.instructions`` is scoped)."""
    return has_case_access(user)


def instruction_board(request):
    if not _can_see_board(request.user):
        raise PermissionDenied
    page = CappedPaginator(queues.instructions(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "petitions/instructions.html", {"page": page, "page_title": _("领导批示")})
