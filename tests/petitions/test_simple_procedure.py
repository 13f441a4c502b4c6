"""简易办理: an answer within 10 working days of acceptance on the holiday calendar, its deadline label
and overdue scan, and the conversion to the ordinary procedure with the clock recomputed from the
acceptance (fixed clock, a holiday and a 调休 working Saturday inside the period)."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from petitions.domain.deadlines import due_info
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import CalendarDay, CaseEvent, HandlingOpinion, Procedure
from petitions.selectors.workdays import simple_due
from petitions.services.deadlines import deadlines_scan
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org, snapshot

pytestmark = pytest.mark.django_db

THU = date(2026, 4, 2)


@pytest.fixture
def qingming(db):
    """清明: Fri 3 April – Mon 6 April off; Sat 11 April a 调休 working day."""
    for day in (date(2026, 4, 3), date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6)):
        CalendarDay.objects.create(date=day, is_workday=False, name="清明节")
    CalendarDay.objects.create(date=date(2026, 4, 11), is_workday=True, name="清明节调休")


def test_ten_working_days_across_the_holiday(qingming):
    # Tue 7 (1), 8, 9, 10, Sat 11 (5, 调休), 13, 14, 15, 16, Fri 17 (10).
    assert simple_due(THU) == date(2026, 4, 17)


def test_ten_working_days_without_a_calendar():
    assert simple_due(THU) == date(2026, 4, 16)  # Mon–Fri only


def test_bureau_applies_the_simple_procedure_in_the_pool_and_answers(cast, clock, qingming):
    clock.set(THU)
    case = act(make_case(cast.clerk), "apply_simple", cast.triage, basis="consultation", note="咨询社保缴费年限")
    assert case.procedure == Procedure.SIMPLE and case.accepted_at is not None
    assert case.simple_due == date(2026, 4, 17) and case.current_due == date(2026, 4, 17)
    event = CaseEvent.objects.get(case=case, action="apply_simple")
    assert (event.deadline, event.data["basis_label"]) == (date(2026, 4, 17), "咨询类事项")
    clock.set(date(2026, 4, 15))
    assert due_info(case.current_due, clock.today()).label == "即将到期"
    answered = act(case, "answer", cast.triage, note="已电话答复缴费年限计算方法", opinion=HandlingOpinion.EXPLAIN)
    assert answered.answered_at.date() <= answered.simple_due


def test_simple_deadline_overdue_is_scanned_once(cast, clock, qingming):
    clock.set(THU)
    case = act(make_case(cast.clerk), "apply_simple", cast.triage, basis="first_clear")
    case = act(case, "assign", cast.triage, targets=[{"org": org("533922101")}])
    case = act(case, "accept", cast.township_handler)
    assert case.current_due == date(2026, 4, 17)  # earlier than the unit's 15 and 60 days
    clock.set(date(2026, 4, 17))
    assert not deadlines_scan().events
    clock.set(date(2026, 4, 18))
    assert deadlines_scan().events == 1
    assert CaseEvent.objects.get(case=case, action="overdue").data["deadline"] == "simple"
    assert deadlines_scan().events == 0


def test_converting_recomputes_the_clock_from_acceptance(cast, clock, qingming):
    clock.set(THU)
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    case = act(case, "accept", cast.township_handler)
    clock.set(date(2026, 4, 8))
    case = act(case, "apply_simple", cast.township_handler, basis="daily_urgent")
    assert case.simple_due == date(2026, 4, 17)  # from the acceptance on 2 April, not from today
    clock.set(date(2026, 4, 14))
    before = snapshot(case)
    with pytest.raises(ServiceError):
        act(case, "convert_ordinary", cast.township_handler, note="  ")
    assert snapshot(case) == before
    case = act(case, "convert_ordinary", cast.township_handler, note="需现场核查，10个工作日内无法办结")
    assert case.procedure == Procedure.ORDINARY and case.simple_converted_at is not None
    assert case.handling_due == THU + timedelta(days=60)
    assert case.current_due == THU + timedelta(days=60)
    event = CaseEvent.objects.get(case=case, action="convert_ordinary")
    assert event.deadline == THU + timedelta(days=60) and event.data["simple_due"] == "2026-04-17"
    with pytest.raises(TransitionNotAllowed):  # once converted, never simple again
        act(case, "apply_simple", cast.township_handler, basis="daily_urgent")


def test_too_late_for_the_simple_procedure(cast, clock, qingming):
    clock.set(THU)
    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}]),
               "accept", cast.township_handler)
    clock.set(date(2026, 4, 18))
    with pytest.raises(TransitionNotAllowed) as info:
        act(case, "apply_simple", cast.township_handler, basis="first_clear")
    assert "2026-04-17" in info.value.message
    with pytest.raises(NotAllowed):
        act(case, "apply_simple", cast.other_township_handler, basis="first_clear")
    with pytest.raises(TransitionNotAllowed):
        act(case, "convert_ordinary", cast.township_handler, note="x")


def test_case_page_and_action_page_show_the_simple_deadline(client, cast, clock, qingming):
    clock.set(THU)
    case = make_case(cast.clerk)
    client.force_login(cast.triage)
    page = client.get(reverse("petitions:action", args=[case.pk, "apply_simple"])).content.decode()
    assert "简易办理期限 2026-04-17" in page
    act(case, "apply_simple", cast.triage, basis="consultation")
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert 'id="simple-due">2026-04-17' in page and 'id="case-simple"' in page
    assert client.post(reverse("petitions:search"), {"simple": "on"}, follow=True).content.decode().count(
        case.number) >= 1
