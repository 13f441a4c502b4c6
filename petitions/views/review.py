"""审核办理: the assigning bureau's queue — results to review, extension requests to decide,
cases received from above to pass on, and 复查/复核 requests to decide."""
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import clock, queues


@permission_required("petitions.triage_case", raise_exception=True)
def review_queue(request):
    today = clock.today()
    tab = request.GET.get("tab") or "results"
    if tab not in dict(queues.REVIEW_TABS):
        tab = "results"
    counts = queues.review_counts(request.user)
    tabs = [{"key": key, "label": label, "count": counts[key], "active": key == tab} for key, label in
            queues.REVIEW_TABS]
    context = {"tabs": tabs, "tab": tab, "page_title": _("审核办理")}
    if tab == "results":
        context["cases"] = queues.case_rows(queues.review_ready(list(queues.review_results(request.user)),
                                                                request.user), today)
    elif tab == "extensions":
        context["extensions"] = list(queues.pending_extensions(request.user)[:200])
    elif tab == "received":
        context["assignments"] = queues.assignment_rows(list(queues.received_assignments(request.user)[:200]), today)
    else:
        reviews = list(queues.open_reviews(request.user)[:200])
        for r in reviews:
            r.due_info = queues.due_info(r.due, today)
        context["reviews"] = reviews
    return render(request, "petitions/review_queue.html", context)
