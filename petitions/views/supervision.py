"""督查督办: overdue, due-soon and supervised cases in the supervisor's jurisdiction."""
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import clock, queues

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
        "supervised": attention.filter(is_supervised=True),
        "due_soon": queues.due_soon_cases(request.user, today),
    }
    tabs = [{"key": key, "label": label, "count": querysets[key].count(), "active": key == tab} for key, label in TABS]
    page = Paginator(querysets[tab], 30).get_page(request.GET.get("page"))
    rows = queues.case_rows(list(page.object_list), today)
    supervisions = queues.latest_supervisions(rows)
    for case in rows:
        case.supervision = supervisions.get(case.pk)
    return render(request, "petitions/supervision.html", {
        "tabs": tabs, "tab": tab, "page": page, "rows": rows, "page_title": _("督查督办"),
    })
