"""督查督办: overdue, due-soon and supervised cases in the supervisor's jurisdiction."""
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from petitions import clock

from petitions.selectors import queues
from petitions.lib.paging import HydratingPaginator, capped

TABS = (("overdue", gettext_lazy("已超期")), ("supervised", gettext_lazy("督办中")), ("due_soon", gettext_lazy("即将到期")))


@permission_required("petitions.supervise_case", raise_exception=True)
def supervision_page(request):
    today = clock.today()
    tab = request.GET.get("tab") or "overdue"
    if tab not in dict(TABS):
        tab = "overdue"
    attention = queues.attention_cases(request.user, today)
    querysets = {
        "overdue": attention.filter(current_due__lt=today),
        "supervised": queues.supervised_cases(request.user),
        "due_soon": queues.due_soon_cases(request.user, today),
    }
    counts = {key: capped(qs) for key, qs in querysets.items()}
    tabs = [{"key": key, "label": label, "count": counts[key], "active": key == tab} for key, label in TABS]
    page = HydratingPaginator(querysets[tab], 30, count=counts[tab],
                              hydrate=queues.hydrate_cases).get_page(request.GET.get("page"))
    rows = queues.attach_supervisions(queues.case_rows(list(page.object_list), today))
    return render(request, "petitions/supervision.html", {
        "tabs": tabs, "tab": tab, "page": page, "rows": rows, "page_title": _("督查督办"),
    })
