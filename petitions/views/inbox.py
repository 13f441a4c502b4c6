"""我的信访: the handling organization's inbox, one tab per assignment state with counts."""
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from petitions import clock
from petitions.workflow import FINISHED_STATUSES, OPEN_STATUSES, Status

from petitions.selectors import queues
from petitions.lib.paging import CappedPaginator
from petitions.selectors import workdays

INBOX_PERMS = ("petitions.handle_case", "petitions.triage_case")


def inbox(request):
    if not any(request.user.has_perm(p) for p in INBOX_PERMS):
        raise PermissionDenied
    tab = request.GET.get("tab") or "pending"
    keys = [key for key, _label, _statuses in queues.INBOX_TABS]
    if tab not in keys:
        tab = "pending"
    counts = queues.inbox_counts(request.user)
    tabs = [{"key": key, "label": label, "count": counts[key], "active": key == tab}
            for key, label, _statuses in queues.INBOX_TABS]
    page = CappedPaginator(queues.inbox_tab(request.user, tab), 30, count=counts[tab]).get_page(request.GET.get("page"))
    page.object_list = queues.assignment_rows(page.object_list, clock.today())
    if tab == "pending":  # 退回期限 (条例第二十三条): one calendar query for the page
        workdays.attach_return_dues(page.object_list, clock.today())
    return render(request, "petitions/inbox.html", {
        "tabs": tabs, "tab": tab, "page": page, "page_title": _("我的信访"),
        "status_choices": [(s.value, s.label) for s in Status if s in OPEN_STATUSES | FINISHED_STATUSES],
    })
