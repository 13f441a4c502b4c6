"""审核办理: the assigning bureau's queue — results to review, extension requests to decide,
cases received from above to pass on, and 复查/复核 requests to decide."""
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from petitions import clock

from petitions.selectors import queues
from petitions.lib.paging import CappedPaginator, HydratingPaginator

PAGE_SIZE = 30


@permission_required("petitions.triage_case", raise_exception=True)
def review_queue(request):
    today = clock.today()
    user = request.user
    tab = request.GET.get("tab") or "results"
    if tab not in dict(queues.REVIEW_TABS):
        tab = "results"
    counts = queues.review_counts(user)
    tabs = [{"key": key, "label": label, "count": counts[key], "active": key == tab} for key, label in
            queues.REVIEW_TABS]
    number = request.GET.get("page")
    if tab == "results":
        page = HydratingPaginator(queues.review_results(user), PAGE_SIZE, count=counts[tab],
                                  hydrate=lambda ids: queues.review_rows(ids, user)).get_page(number)
        queues.case_rows(page.object_list, today)
    elif tab == "extensions":
        page = CappedPaginator(queues.pending_extensions(user), PAGE_SIZE, count=counts[tab]).get_page(number)
    elif tab == "received":
        page = CappedPaginator(queues.received_assignments(user), PAGE_SIZE, count=counts[tab]).get_page(number)
        queues.assignment_rows(page.object_list, today)
    else:
        page = CappedPaginator(queues.open_reviews(user), PAGE_SIZE, count=counts[tab]).get_page(number)
        for r in page.object_list:
            r.due_info = queues.due_info(r.due, today)
    return render(request, "petitions/review_queue.html", {
        "tabs": tabs, "tab": tab, "page": page, "page_title": _("审核办理"),
    })
