"""The fast forms of the work queues (petitions/queues.py, petitions/paging.py) give exactly
what the general rules give: the own-organization assignment selector against
``case_visible_qs``, the SQL review-readiness rule against ``assignment_tree.reviewable_groups``,
and capped counts that say "1000+" instead of counting every finished assignment."""
from datetime import date

import pytest
from guardian.shortcuts import assign_perm
from django.urls import reverse

from accounts.models import User
from petitions.domain import assignment_tree as tree
from petitions.lib import paging
from petitions.selectors import queues
from bench.generator import generate
from petitions.models import Assignment, AssignmentKind, AssignmentStatus as A, Case
from petitions.permissions import acting_org_ids
from petitions.selectors import case_visible_qs, own_assignments_qs
from tests.factories import make_user
from tests.petitions.workflow_helpers import make_case, org

pytestmark = pytest.mark.django_db(transaction=True)  # the generator loads with COPY, committed

END = date(2026, 6, 30)


@pytest.fixture
def generated(orgs, triage):
    generate(count=400, seed=7, years=0.33, end_date=END, stream=None)
    return Case.objects.count()


def _users():
    return list(User.objects.filter(organization__isnull=False).select_related("organization"))


def test_own_assignments_equal_the_general_visibility_rule(generated, township_handler, triage):
    # A confidential case assigned to the township, granted to nobody there: not in its inbox.
    mine = Case.objects.filter(assignments__org=township_handler.organization).order_by("pk")
    secret, granted = mine[0], mine[1]
    Case.objects.filter(pk__in=[secret.pk, granted.pk]).update(is_confidential=True)
    # ... and one granted to the handler by name (a confidential case's only way in).
    assign_perm("petitions.view_case", township_handler, granted)
    users = _users()
    assert len(users) > 5
    checked = 0
    for user in users:
        general = set(Assignment.objects.filter(org_id__in=acting_org_ids(user), case__in=case_visible_qs(user))
                      .values_list("pk", flat=True))
        fast = set(own_assignments_qs(user).values_list("pk", flat=True))
        assert fast == general, user.username
        checked += len(general)
    assert checked > 10  # the generated data reaches the users' inboxes
    assert not own_assignments_qs(township_handler).filter(case=secret).exists()
    assert own_assignments_qs(township_handler).filter(case=granted).exists()


def _python_ready_case_ids(org_ids):
    ids = set()
    for case in Case.objects.prefetch_related("assignments"):
        if tree.reviewable_groups(list(case.assignments.all()), org_ids):
            ids.add(case.pk)
    return ids


def _sql_ready_case_ids(org_ids):
    return set(queues._ready_reported_assignments(org_ids).values_list("case_id", flat=True))


def _tree(actor, members, *, parent=None, case=None, by_org="53390001"):
    """Assignments of one group: members = [(org code, is_lead, status)]."""
    case = case or make_case(actor)
    made = []
    for code, lead, status in members:
        target = org(code)
        made.append(Assignment.objects.create(
            case=case, parent=parent, org=target, org_path=target.path, assigned_by_org=org(by_org),
            assigned_by=actor, kind=AssignmentKind.ASSIGN, is_lead=lead, status=status,
            acceptance_due=END))
    return case, made


def test_review_readiness_in_sql_matches_the_python_rule(generated, triage, clerk):
    bureau = "53390001"
    # Hand-made groups covering the rule's corners (see petitions/assignment_tree.py).
    ready_lead, _ = _tree(clerk, [("53392202", True, A.REPORTED), ("53392203", False, A.PENDING)])
    blocked_lead, _ = _tree(clerk, [("53392202", True, A.ACCEPTED), ("53392203", False, A.REPORTED)])
    no_lead_blocked, _ = _tree(clerk, [("53392202", False, A.REPORTED), ("53392203", False, A.ACCEPTED)])
    no_lead_ready, _ = _tree(clerk, [("53392202", False, A.REPORTED), ("53392203", False, A.APPROVED)])
    lead_returned, _ = _tree(clerk, [("53392202", True, A.RETURNED), ("53392203", False, A.REPORTED),
                                     ("53392301", False, A.ACCEPTED)])
    all_approved, _ = _tree(clerk, [("53392202", True, A.APPROVED)])
    # A county passed its share on: the child group is reviewed by the county, not the prefecture.
    nested, (top,) = _tree(clerk, [("53392201", True, A.DELEGATED)])
    _tree(clerk, [("53392202", True, A.REPORTED)], parent=top, case=nested, by_org="53392201")

    prefecture = acting_org_ids(triage)
    expected = _python_ready_case_ids(prefecture)
    assert _sql_ready_case_ids(prefecture) == expected
    assert {ready_lead.pk, no_lead_ready.pk} <= expected
    assert not {blocked_lead.pk, no_lead_blocked.pk, lead_returned.pk, all_approved.pk, nested.pk} & expected

    county = frozenset({org("53392201").pk, org("53392200").pk} if Case.objects.filter(
        assignments__assigned_by_org__code="53392200").exists() else {org("53392201").pk})
    county_expected = _python_ready_case_ids(county)
    assert nested.pk in county_expected
    assert _sql_ready_case_ids(county) == county_expected
    # Every assigning organization of the generated data, too.
    for org_id in set(Assignment.objects.values_list("assigned_by_org_id", flat=True)):
        assert _sql_ready_case_ids({org_id}) == _python_ready_case_ids({org_id}), org_id


def test_review_queue_lists_the_ready_cases(generated, client, triage):
    expected = {c.pk for c in queues.review_ready(list(Case.objects.filter(status="result_reported")
                                                       .prefetch_related("assignments")), triage)}
    expected &= set(case_visible_qs(triage).values_list("pk", flat=True))
    assert expected, "the generated data has results waiting for the prefecture"
    listed = set(queues.review_results(triage).values_list("pk", flat=True))
    assert listed == expected
    client.force_login(triage)
    response = client.get(reverse("petitions:review_queue"))
    assert response.status_code == 200
    assert response.context["tabs"][0]["count"] == min(len(expected), paging.COUNT_CAP)
    shown = {c.pk for c in response.context["page"].object_list}
    assert shown and shown <= expected


def test_counts_stop_at_the_cap_and_say_so(generated, client, township_handler, monkeypatch):
    done = own_assignments_qs(township_handler).filter(status=A.APPROVED).count()
    assert done > 3
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    client.force_login(township_handler)
    response = client.get(reverse("petitions:inbox"), {"tab": "done"})
    assert response.status_code == 200
    tab = next(t for t in response.context["tabs"] if t["key"] == "done")
    assert int(tab["count"]) == 3 and tab["count"].capped
    html = response.content.decode()
    assert 'class="count">3+</span>' in html
    assert response.context["page"].paginator.num_pages == 1  # 3 rows per cap, 30 per page
    # Below the cap the figure is exact.
    monkeypatch.setattr(paging, "COUNT_CAP", 10_000)
    response = client.get(reverse("petitions:inbox"), {"tab": "done"})
    tab = next(t for t in response.context["tabs"] if t["key"] == "done")
    assert int(tab["count"]) == done and not tab["count"].capped


def test_leader_attention_list_is_paged_with_its_real_count(generated, client, leader):
    attention = queues.attention_cases(leader)
    total = attention.count()
    assert total > 30, "the generated data has more supervised/overdue cases than one page"
    client.force_login(leader)
    response = client.get(reverse("petitions:leader"))
    assert response.status_code == 200
    assert int(response.context["page"].paginator.count) == min(total, paging.COUNT_CAP)
    first = [c.pk for c in response.context["attention"]]
    assert first == list(attention.values_list("pk", flat=True)[:30])
    second = client.get(reverse("petitions:leader"), {"page": 2}).context["attention"]
    assert [c.pk for c in second] == list(attention.values_list("pk", flat=True)[30:60])
