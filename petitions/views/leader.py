"""Leader pages: 待批示 (cases reported to him, plus supervised or overdue cases in his
jurisdiction) and the 领导批示 board (all instructions in scope)."""
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import clock, queues


@permission_required("petitions.instruct_case", raise_exception=True)
def leader_page(request):
    today = clock.today()
    pending = queues.case_rows(list(queues.leader_pending(request.user)), today)
    attention = queues.case_rows(list(queues.attention_cases(request.user, today)[:200]), today)
    supervisions = queues.latest_supervisions(attention)
    for case in attention:
        case.supervision = supervisions.get(case.pk)
    return render(request, "petitions/leader.html", {
        "pending": pending, "attention": attention, "page_title": _("待批示"),
    })


def _can_see_board(user):
    return user.has_perm("petitions.instruct_case") or user.has_perm("petitions.triage_case")


def instruction_board(request):
    if not _can_see_board(request.user):
        raise PermissionDenied
    page = Paginator(queues.instructions(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "petitions/instructions.html", {"page": page, "page_title": _("领导批示")})
