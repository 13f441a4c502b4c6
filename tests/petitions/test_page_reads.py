"""The pages of issue 16 read what they show once and count only what they must (docs/performance.md §14),
and each faster form gives exactly what the form it replaced gave:

- the case page: one read of each related table for the action buttons, the workflow and procedure
  panels and the 文书 and 领导包案 panels together (``permissions.page_facts``), no second visibility check;
- ``capped_many``: the capped counts of several querysets in one statement, equal to ``capped`` of each;
- the handler's deadline figures, each status read from its own index, against the single CASE rule;
- the triage pool's age profile in one pass, its capped count on the page and the home card;
- the statistics facts of a registration, 异常访 tested per case, against the whole-table form.
"""
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.generator import generate
from cockpit.selectors.deadlines import DEADLINE_BUCKETS, due_bucket_q, handler_deadlines, own_open_assignments
from cockpit.selectors.deadlines import pool_age_profile
from petitions.lib import paging
from petitions.lib.paging import capped, capped_many
from petitions.models import Assignment, AssignmentStatus, Case, DictEntry, DictKind, ExtensionRequest, Supervision
from petitions.selectors.pool import pool_qs
from reports.aggregates import FACT_FIELDS, facts_queryset

pytestmark = pytest.mark.django_db(transaction=True)  # the generator loads with COPY, committed

END = date(2026, 6, 30)
# The related tables the case page reads for more than one of its parts.
RELATED = ("petitions_assignment", "petitions_supervision", "petitions_extensionrequest", "petitions_reviewrequest",
           "petitions_hearing", "petitions_recusal", "petitions_urgentalert", "petitions_caseevent",
           "petitions_voidrequest")


@pytest.fixture
def generated(orgs, triage, leader, township_handler, clerk):
    generate(count=400, seed=5, years=0.33, end_date=END, stream=None)


def _page_sql(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries]


def _rich_case():
    """A visible (not confidential) case with assignments, 督办 orders and extension requests."""
    supervised = set(Supervision.objects.values_list("case_id", flat=True))
    extended = set(ExtensionRequest.objects.values_list("assignment__case_id", flat=True))
    ids = sorted(supervised & extended)
    case = Case.objects.filter(pk__in=ids, is_confidential=False).order_by("pk").first()
    assert case is not None, "the generated data has a case with 督办 and an extension request"
    return case


@pytest.mark.parametrize("username", ["triage", "leader"])
def test_case_page_reads_each_related_table_once(generated, client, username):
    case = _rich_case()
    from accounts.models import User

    client.force_login(User.objects.get(username=username))
    client.get(reverse("home"))  # stamps the session's activity time
    sql = _page_sql(client, reverse("petitions:detail", args=[case.pk]))
    repeated = {s for s in sql if sql.count(s) > 1 and s.startswith("SELECT")}
    assert not repeated, repeated
    for table in RELATED:
        reads = [s for s in sql if s.startswith(f'SELECT "{table}".')]
        assert len(reads) <= 1, (table, reads)
    for table in ("petitions_assignment", "petitions_supervision", "petitions_extensionrequest"):
        assert any(s.startswith(f'SELECT "{table}".') for s in sql), table  # and it is read
    # Visibility is decided once, by the read of the case itself: no panel asks again.
    assert not [s for s in sql if s.startswith('SELECT 1 AS "a" FROM "petitions_case"')]
    html = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert html.count('id="case-supervisions"') == 1 and html.count('id="case-extensions"') == 1
    supervisions = Supervision.objects.filter(case=case).count()
    assert len(re.findall(r"督办期限", html)) >= supervisions


def test_capped_many_equals_capped_of_each_in_one_statement(generated, django_assert_num_queries):
    querysets = [Case.objects.all(), Case.objects.filter(status="pending"), Case.objects.none(),
                 Assignment.objects.filter(status=AssignmentStatus.APPROVED).select_related("case"),
                 Assignment.objects.filter(pk__lt=0)]
    for cap in (5, 1000):
        with django_assert_num_queries(1):
            counts = capped_many(querysets, cap)
        expected = [capped(qs, cap) for qs in querysets]
        assert [(int(c), c.capped) for c in counts] == [(int(c), c.capped) for c in expected]
        assert [str(c) for c in counts] == [str(c) for c in expected]
    assert str(capped_many([Case.objects.all()], 5)[0]) == "5+"
    with django_assert_num_queries(0):
        assert [int(c) for c in capped_many([Case.objects.none(), Case.objects.none()])] == [0, 0]


def test_handler_deadline_figures_equal_the_single_rule(generated, township_handler, dept_handler, triage):
    # A confidential case of the township that nobody there was granted: it counts nowhere.
    mine = Assignment.objects.filter(org=township_handler.organization, status__in=(
        AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)).order_by("pk").first()
    assert own_open_assignments(township_handler).filter(pk=mine.pk).exists()
    before = handler_deadlines(township_handler, END)[2]
    Case.objects.filter(pk=mine.case_id).update(is_confidential=True)
    after = handler_deadlines(township_handler, END)[2]
    assert after[mine.status] == before[mine.status] - 1
    checked = 0
    for user in (township_handler, dept_handler, triage):
        for today in (END - timedelta(days=20), END, END + timedelta(days=10)):
            buckets, soonest, counts = handler_deadlines(user, today)
            general = own_open_assignments(user)
            expected = general.aggregate(**{key: Count("pk", filter=due_bucket_q(key, today))
                                            for key, _l in DEADLINE_BUCKETS})
            assert [b["n"] for b in buckets] == [expected[key] for key, _l in DEADLINE_BUCKETS], (user, today)
            assert counts["pending"] == general.filter(status=AssignmentStatus.PENDING).count()
            assert counts["accepted"] == general.filter(status=AssignmentStatus.ACCEPTED).count()
            rule = list(general.filter(due__lte=today + timedelta(days=7)).order_by("due", "id")[:12])
            assert [(a.pk, a.due) for a in soonest] == [(a.pk, a.due) for a in rule], (user, today)
            assert mine.pk not in {a.pk for a in soonest}
            checked += sum(b["n"] for b in buckets)
    assert checked > 5  # the generated assignments reach the handlers


def test_pool_age_profile_card_and_page(generated, client, triage, clerk, monkeypatch):
    today = END
    ages, overdue = pool_age_profile(triage, today)
    pool = pool_qs(triage)
    assert sum(a["n"] for a in ages) == pool.count() > 3
    assert overdue == pool.filter(current_due__lt=today).count()
    # The page and the home card count up to the cap ("N+"), as the other work queues do.
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    client.force_login(triage)
    response = client.get(reverse("petitions:pool"))
    assert response.context["page"].paginator.count.capped
    assert "共 3+ 件待分流" in response.content.decode()
    # As on every capped list, the rows beyond the cap are left to the filters (here 3; 1000 = 50 pages).
    assert len(response.context["page"].object_list) == 3
    from petitions.selectors.dashboards import pool_widget

    assert str(pool_widget(triage)["count"]) == "3+"
    monkeypatch.setattr(paging, "COUNT_CAP", 10_000)
    response = client.get(reverse("petitions:pool"))
    assert int(response.context["page"].paginator.count) == pool.count()
    assert not response.context["page"].paginator.count.capped


def test_registration_facts_per_case_equal_the_whole_table_form(generated):
    behaviours = list(DictEntry.objects.filter(kind=DictKind.ABNORMAL)[:2])
    assert behaviours
    cases = list(Case.objects.order_by("pk")[:40])
    cases[0].abnormal_behaviors.set(behaviours)
    cases[1].abnormal_behaviors.set(behaviours[:1])
    ids = [c.pk for c in cases]
    fields = [f"x_{name}" for name in FACT_FIELDS]
    few = {row["x_case_id"]: row for row in facts_queryset(few=True).filter(pk__in=ids).values(*fields)}
    every = {row["x_case_id"]: row for row in facts_queryset().filter(pk__in=ids).values(*fields)}
    assert few == every
    assert few[cases[0].pk]["x_abnormal"] and few[cases[1].pk]["x_abnormal"]
    assert sum(1 for row in few.values() if row["x_abnormal"]) < len(few)  # some without, too


def test_pool_age_buckets_equal_the_per_case_local_day_rule(generated, triage):
    """The buckets, counted over registration instants, equal the age of each case in local days —
    including a case registered one microsecond before local midnight and one exactly at it."""
    from django.utils import timezone

    from cockpit.selectors.deadlines import POOL_AGES
    from reports.selectors import aware_midnight

    ids = list(pool_qs(triage).order_by("pk").values_list("pk", flat=True)[:2])
    assert len(ids) == 2
    edge = aware_midnight(END - timedelta(days=2))  # ages 2 (from 00:00) and 3 (just before it) at END
    Case.objects.filter(pk=ids[0]).update(registered_at=edge - timedelta(microseconds=1))
    Case.objects.filter(pk=ids[1]).update(registered_at=edge)
    instants = list(pool_qs(triage).values_list("registered_at", "current_due"))
    for today in (END, END - timedelta(days=3), END + timedelta(days=9), END - timedelta(days=60)):
        ages, overdue = pool_age_profile(triage, today)
        expected = {key: 0 for key, *_rest in POOL_AGES}
        for at, _due in instants:
            age = (today - timezone.localtime(at).date()).days
            for key, _label, low, high in POOL_AGES:
                if age >= low and (high is None or age <= high):
                    expected[key] += 1
                    break
        assert {a["key"]: a["n"] for a in ages} == expected, today
        assert overdue == sum(1 for _at, due in instants if due is not None and due < today)
    ages, _overdue = pool_age_profile(triage, END)
    by_key = {a["key"]: a["n"] for a in ages}
    assert by_key["1"] >= 1 and by_key["3"] >= 1  # the two edge cases fell on either side of midnight


def test_supervised_tab_equals_the_attention_list_filtered(generated, client):
    """督查督办's 督办中 reads ``supervised_cases`` (its own index); the same rows, in the same order, as
    the supervised part of the attention list it replaced, for every user who has the page."""
    from accounts.models import User
    from petitions import clock
    from petitions.selectors import queues

    Case.objects.filter(pk__in=Case.objects.filter(status__in=queues.OPEN).order_by("pk")
                        .values_list("pk", flat=True)[:25]).update(is_supervised=True)
    today = clock.today()
    checked = 0
    for user in User.objects.all():
        if not user.has_perm("petitions.supervise_case"):
            continue
        old = list(queues.attention_cases(user, today).filter(is_supervised=True).values_list("pk", flat=True))
        assert list(queues.supervised_cases(user).values_list("pk", flat=True)) == old, user
        checked += len(old)
    assert checked > 0
