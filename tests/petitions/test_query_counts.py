"""Query discipline: every list page and the case detail page run a fixed number of queries,
whatever the number of rows (no N+1), and no more than the budget pinned here.

The data comes from the generator (``bench.generator``), first a few dozen cases, then
ten times more; the same page must issue the same number of queries both times while
showing more rows. A budget that is exceeded means a new query per page (change the budget
deliberately, with a reason) — or a query per row (fix the page).
"""
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.generator import generate
from petitions.models import Case, CaseEvent, Petitioner

pytestmark = pytest.mark.django_db(transaction=True)

CASE_LINK = re.compile(r'href="/cases/(\d+)/"')

# (label, url name, args, query, username, budget). Budgets are the counts measured when the
# pages were written (docs/performance.md, "Query discipline"), lowered with the counts of issue 16's
# work (§14): the user's organization and its parent come with the user (-2 on every page), the inbox
# counts its four tabs in one statement (-3), the review queue its four (-3).
LIST_PAGES = [
    # pool: +1 for the holder-subtree id list that keeps PostgreSQL on the status index (petitions/pool.py);
    # its filter lists take two queries (petitions/forms/pool.py)
    ("pool", "petitions:pool", (), "", "triage", 13),
    ("pool filtered", "petitions:pool", (), "channel=visit", "triage", 13),
    # inbox: the four tabs' capped counts (petitions/paging.py) in one statement (capped_many), and no
    # page reads every finished assignment of a township.
    ("inbox pending", "petitions:inbox", (), "", "township_handler", 9),
    ("inbox in progress", "petitions:inbox", (), "tab=in_progress", "township_handler", 9),
    ("inbox reported", "petitions:inbox", (), "tab=reported", "township_handler", 9),
    ("inbox done", "petitions:inbox", (), "tab=done", "township_handler", 9),
    # leader: the attention list is paged ids-first (count, ids, rows) and the pending list counted: +3
    ("leader", "petitions:leader", (), "", "leader", 13),
    ("instructions", "petitions:instructions", (), "", "leader", 9),
    ("supervision", "petitions:supervision", (), "", "supervisor", 13),
    ("review queue", "petitions:review_queue", (), "", "triage", 11),
    ("search all", "petitions:search", (), "", "triage", 13),
    ("search keyword", "petitions:search", (), "q=反映", "triage", 13),
    ("archive", "petitions:archive", (), "", "triage", 12),
    ("reports index", "reports:index", (), "", "statistician", 7),
    ("report summary", "reports:report", ("summary",), "", "statistician", 16),
    ("kpi", "reports:kpi", (), "", "statistician", 18),
    ("charts", "reports:charts", (), "", "statistician", 30),
    # The home pages (each role's cockpit, docs/cockpit.md): only their budget is checked, since a card
    # appears (and reads its alert) only when there is work waiting.
    ("home triage", "home", (), "", "triage", 18),
    ("home leader", "home", (), "", "leader", 28),
    ("home handler", "home", (), "", "township_handler", 16),
]
REPORT_PAGES = {"reports index", "report summary", "kpi", "charts"}  # no case rows
HOME_PAGES = {"home triage", "home leader", "home handler"}  # budget only


@pytest.fixture
def cast(clerk, triage, leader, supervisor, statistician, township_handler):
    return {u.username: u for u in (clerk, triage, leader, supervisor, statistician, township_handler)}


END = date(2026, 6, 30)  # fixed, so that the same cases land in the same lists every day


def _fill(count, seed):
    # About four months of registrations: recent cases are open, older ones finished, so that
    # every list (pool, each inbox tab, review queue, archive ...) has rows.
    generate(count=count, seed=seed, years=0.33, end_date=END, stream=None)


def _url(name, args, query):
    try:
        return reverse(name, args=args) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return None


SEARCH_PAGES = {"petitions:search", "petitions:archive"}


def _page_url(client, name, args, query):
    """The URL of a list page; search criteria are posted and shown under their saved key (the
    search pages read no criteria from the query string)."""
    url = _url(name, args, "" if name in SEARCH_PAGES else query)
    if url is None or name not in SEARCH_PAGES or not query:
        return url
    return client.post(url, dict(pair.split("=", 1) for pair in query.split("&")))["Location"]


def _measure(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    return len(ctx.captured_queries), len(set(CASE_LINK.findall(html))), [q["sql"] for q in ctx.captured_queries]


def _clients(client_factory, cast):
    clients = {}
    for username, user in cast.items():
        c = client_factory()
        c.force_login(user)
        c.get(reverse("home"))  # stamps the session's activity time (rewritten at most once a minute)
        clients[username] = c
    return clients


def test_list_pages_issue_a_constant_number_of_queries(cast):
    from django.test import Client

    clients = _clients(Client, cast)
    pages = [(label, _page_url(clients[user], name, args, query), user, budget)
             for label, name, args, query, user, budget in LIST_PAGES]
    pages = [p for p in pages if p[1] is not None]
    assert pages, "no list page is wired"

    # Three sizes: a handful of rows per list, fuller lists, full pages. A page showing no
    # rows may skip its prefetch queries, so only measurements with rows are compared.
    rounds = []
    for count, seed in ((8, 1), (150, 2), (900, 4), (2500, 3)):
        _fill(count, seed)
        rounds.append({label: _measure(clients[user], url) for label, url, user, _b in pages})

    problems = []
    for label, url, _user, budget in pages:
        seen = [(r[label][0], r[label][1]) for r in rounds]
        if label in HOME_PAGES:
            if max(n for n, _r in seen) > budget:
                problems.append(f"{label} {url}: {max(n for n, _r in seen)} queries, budget {budget}")
            continue
        measured = seen if label in REPORT_PAGES else [(n, rows) for n, rows in seen if rows > 0]
        counts = {n for n, _rows in measured}
        if len(counts) > 1:
            problems.append(f"{label} {url}: (queries, rows) per round {seen}")
        if label not in REPORT_PAGES and not any(a[1] < b[1] for a, b in zip(measured, measured[1:])):
            problems.append(f"{label}: rows per round {[r for _n, r in seen]}; no round with more rows to compare")
        if max(n for n, _r in seen) > budget:
            problems.append(f"{label} {url}: {max(n for n, _r in seen)} queries, budget {budget}")
    assert not problems, "\n".join(problems)


def test_case_detail_queries_do_not_grow_with_petitioners_and_events(cast):
    from django.db.models import Count
    from django.test import Client

    client = Client()
    client.force_login(cast["triage"])
    client.get(reverse("home"))  # stamps the session's activity time (rewritten at most once a minute)
    _fill(300, seed=3)
    if _url("petitions:detail", (1,), "") is None:
        pytest.skip("petitions:detail is not wired")
    events = dict(CaseEvent.objects.values("case").annotate(n=Count("id")).values_list("case", "n"))
    people = dict(Petitioner.objects.values("case").annotate(n=Count("id")).values_list("case", "n"))
    # Same state (the actions offered depend on it), one of everything (no related list is
    # skipped for being empty); the shortest trail and fewest people against the longest.
    archived = list(Case.objects.filter(is_confidential=False, status="archived", assignments__isnull=False,
                                        petitioners__isnull=False).distinct().values_list("id", flat=True))
    small = min(archived, key=lambda pk: (events.get(pk, 0), people.get(pk, 0)))
    large = max(archived, key=lambda pk: (events.get(pk, 0), people.get(pk, 0)))
    assert events[large] > events[small]
    n_small, _r, _s = _measure(client, reverse("petitions:detail", args=[small]))
    n_large, _r, sql = _measure(client, reverse("petitions:detail", args=[large]))
    assert n_small == n_large, (
        f"detail: {n_small} queries for {events[small]} events, {n_large} for {events[large]} events:\n"
        + "\n".join(s[:160] for s in sql))
    # 28 (40 before issue 16's work, docs/performance.md §14): the page's reads, the access-log row it
    # appends (lock the chain head, insert, advance the head, commit: accounts.models.ChainedLog), and the
    # panels of the apps that add one (文书, 领导包案, evaluations, the procedures), which share one read of
    # each related table with the action buttons (permissions.page_facts). A fixed number: the assertion
    # above is the one that matters (no read per event or person).
    assert n_large <= 28, "\n".join(s[:160] for s in sql)


def test_generated_history_has_no_open_case_without_deadline():
    # Guard for the list pages above: every open case carries the deadline the lists show.
    generate(count=200, seed=4, years=0.08, end_date=END, stream=None)
    assert not Case.objects.filter(status__in=["pending", "awaiting_acceptance", "in_progress"],
                                   current_due__isnull=True).exists()
