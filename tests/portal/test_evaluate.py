"""满意度评价 by the petitioner: once per target, only on an answered case, feeding the KPIs."""
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditLog, OrgUnit
from petitions.exceptions import ServiceError, TransitionNotAllowed
from petitions.models import Case, CaseEvent, Evaluation
from portal.services import case_evaluate
from reports.selectors import Period, Scope, kpi_counts
from tests.petitions.workflow_helpers import DAY0
from tests.portal.helpers import *  # noqa: F401,F403
from tests.portal.helpers import submit, unlock

pytestmark = pytest.mark.django_db


def kpi_totals(user, today):
    scope = Scope(org=OrgUnit.objects.get(code="533900"), period=Period(DAY0, DAY0 + timedelta(days=60)))
    _areas, result = kpi_counts(user, scope, today=today)
    keys = ("answered", "rated", "ev_total", "ev_satisfied", "ev_basic", "ev_unsatisfied")
    return {k: sum(row[k] for row in result.values()) for k in keys}


def test_evaluation_is_recorded_once_and_feeds_the_kpis(client, answered_online_case, cast, clock):
    case = answered_online_case
    before = kpi_totals(cast.statistician, clock.today())
    assert (before["answered"], before["rated"], before["ev_total"]) == (1, 0, 0)

    client.cookies.clear()
    unlock(client, case)
    page = client.get(reverse("portal:case"))
    assert [name for name in page.context["evaluation_form"].fields] == ["bureau", "unit", "comment"]
    response = client.post(reverse("portal:evaluate"), {"bureau": "satisfied", "unit": "basic", "comment": "办得好"})
    assert response.status_code == 302
    assert "评价已提交，感谢您的评价。" in client.get(response.url).content.decode()

    rows = {e.target: e.value for e in Evaluation.objects.filter(case=case)}
    assert rows == {"bureau": "satisfied", "unit": "basic"}
    event = CaseEvent.objects.get(case=case, action="evaluate")
    assert event.data == {"ratings": {"bureau": "satisfied", "unit": "basic"}, "source": "portal"}
    assert event.from_status == event.to_status == "answered" and event.note == "办得好"
    assert event.actor.username == "portal:53390001"
    assert AuditLog.objects.filter(action="case.evaluate", object_id=str(case.pk)).count() == 1

    after = kpi_totals(cast.statistician, clock.today())
    assert (after["rated"], after["ev_total"], after["ev_satisfied"], after["ev_basic"]) == (1, 2, 1, 1)

    # Once per target: the form is gone and a second post changes nothing.
    assert client.get(reverse("portal:case")).context["evaluation_form"] is None
    again = client.post(reverse("portal:evaluate"), {"bureau": "unsatisfied"})
    assert Evaluation.objects.filter(case=case).count() == 2
    assert "请至少选择一项评价。" in client.get(again.url).content.decode()
    assert kpi_totals(cast.statistician, clock.today()) == after


def test_targets_are_evaluated_separately_and_only_once(answered_online_case):
    case = answered_online_case
    case_evaluate(case=case, ratings={"unit": "unsatisfied"})
    with pytest.raises(TransitionNotAllowed) as refused:
        case_evaluate(case=case, ratings={"unit": "satisfied", "bureau": "satisfied"})
    assert "每项只能评价一次" in refused.value.message
    assert Evaluation.objects.filter(case=case).count() == 1
    case_evaluate(case=case, ratings={"bureau": "basic"})
    assert CaseEvent.objects.filter(case=case, action="evaluate").count() == 2


def test_no_evaluation_before_the_answer(client, orgs):
    submit(client)
    case = Case.objects.get()
    with pytest.raises(TransitionNotAllowed) as refused:
        case_evaluate(case=case, ratings={"bureau": "satisfied"})
    assert refused.value.message == "该信访件尚未答复，暂不能评价。"
    client.cookies.clear()
    unlock(client, case)
    assert client.get(reverse("portal:case")).context["evaluation_form"] is None
    client.post(reverse("portal:evaluate"), {"bureau": "satisfied"})
    assert not Evaluation.objects.exists() and not CaseEvent.objects.filter(action="evaluate").exists()


def test_a_case_without_a_handling_unit_evaluates_the_bureau_only(orgs, clerk):
    from tests.petitions.intake_factories import register

    case = register(clerk, answer="已当面解释政策，信访人表示理解。")  # 当面答复: closed at once
    with pytest.raises(ServiceError):
        case_evaluate(case=case, ratings={"unit": "satisfied"})
    case_evaluate(case=case, ratings={"bureau": "satisfied"})
    assert Evaluation.objects.get(case=case).target == "bureau"


def test_unknown_values_are_refused(answered_online_case):
    for ratings in ({}, {"bureau": "great"}, {"nobody": "satisfied"}):
        with pytest.raises(ServiceError):
            case_evaluate(case=answered_online_case, ratings=ratings)
    assert not Evaluation.objects.exists()


def test_staff_trail_names_the_evaluation(client, answered_online_case, cast):
    client.force_login(cast.triage)
    url = reverse("petitions:detail", args=[answered_online_case.pk])
    before = client.get(url).content.decode()
    assert 'id="evaluation-state">待评价<' in before and "网上自评" not in before
    case_evaluate(case=answered_online_case, ratings={"bureau": "satisfied"})
    html = client.get(url).content.decode()
    assert 'id="evaluation-state">已评价<' in html and "网上自评" in html
    assert "满意度评价" in html and ">evaluate<" not in html  # the event's label, not its code
