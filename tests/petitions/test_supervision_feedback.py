"""督办 with written feedback (条例第三十八至四十条): the supervised unit answers each order by its
deadline; unanswered after it, the scan flags it to the supervisor and escalates it one level,
once (fixed clock, a holiday inside the period)."""
from datetime import date, timedelta

import pytest

from accounts.models import Reminder
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import CalendarDay, CaseEvent, Supervision
from petitions.services.deadlines import deadlines_scan
from tests.factories import make_user
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org, snapshot

pytestmark = pytest.mark.django_db


def _supervised_county_case(cast, clock, days=10):
    """A case of 石门县 handled by 石门镇, supervised by the county's supervisor."""
    county_supervisor = make_user("county_supervisor", org_code="53392201", roles=["supervisor"])
    case = act(make_case(cast.county_clerk), "assign", cast.county_triage, targets=[{"org": org("533922101")}])
    case = act(case, "accept", cast.township_handler)
    case = act(case, "supervise", county_supervisor, note="请于期限内查清工资拖欠情况", deadline=clock.today() + timedelta(
        days=days))
    return case, county_supervisor


def test_feedback_in_time_is_recorded_and_tells_the_supervisor(cast, clock, django_capture_on_commit_callbacks):
    case, supervisor = _supervised_county_case(cast, clock)
    clock.day(5)
    with django_capture_on_commit_callbacks(execute=True):
        act(case, "supervision_feedback", cast.township_handler, note="已约谈企业负责人，工资已补发",
            adopted="采纳：建立欠薪台账并每周报送")
    order = Supervision.objects.get(case=case)
    assert order.feedback_on_time is True and order.feedback_org == org("533922101")
    assert order.feedback_adopted == "采纳：建立欠薪台账并每周报送"
    event = CaseEvent.objects.get(case=case, action="supervision_feedback")
    assert event.data["on_time"] is True and event.target_user == supervisor
    assert Reminder.objects.filter(user=supervisor, title__contains="督办已按期反馈").exists()
    # Nothing left to answer; the scan never escalates an answered order.
    with pytest.raises(TransitionNotAllowed):
        act(case, "supervision_feedback", cast.township_handler, adopted="无")
    clock.day(30)
    assert deadlines_scan().feedback_escalated == 0


def test_unanswered_order_is_flagged_and_escalated_once(cast, clock, django_capture_on_commit_callbacks):
    # 清明 (Sat 4 April – Mon 6 April) falls inside the 督办 period: the deadline is the day set,
    # holidays included (the 条例 gives no working-day count for 督办).
    for day in (date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6)):
        CalendarDay.objects.create(date=day, is_workday=False, name="清明节")
    clock.set(date(2026, 4, 1))
    case, supervisor = _supervised_county_case(cast, clock, days=6)  # due Tue 7 April
    prefecture_supervisor = cast.supervisor
    clock.set(date(2026, 4, 7))
    assert deadlines_scan().feedback_escalated == 0  # the last day is still in time
    clock.set(date(2026, 4, 8))
    with django_capture_on_commit_callbacks(execute=True):
        result = deadlines_scan()
    assert result.feedback_escalated == 1
    order = Supervision.objects.get(case=case)
    assert order.escalated_to == org("533900") and order.escalated_at is not None
    event = CaseEvent.objects.get(case=case, action="supervision_escalated")
    assert event.actor is None and "青峰州" in event.note
    assert Reminder.objects.filter(user=supervisor, title__contains="督办反馈逾期").count() == 1
    assert Reminder.objects.filter(user=prefecture_supervisor, title__contains="督办反馈逾期").count() == 1
    assert deadlines_scan().feedback_escalated == 0  # idempotent
    assert CaseEvent.objects.filter(case=case, action="supervision_escalated").count() == 1
    # A late answer is still recorded, as late.
    act(case, "supervision_feedback", cast.township_handler, note="已办理", adopted="无")
    assert Supervision.objects.get(case=case).feedback_on_time is False


def test_feedback_refusals(cast, clock):
    case, _supervisor = _supervised_county_case(cast, clock)
    before = snapshot(case)
    with pytest.raises(NotAllowed):  # another township
        act(case, "supervision_feedback", cast.other_township_handler, adopted="无")
    with pytest.raises(ServiceError) as info:  # the adoption must be said
        act(case, "supervision_feedback", cast.township_handler, adopted="  ")
    assert info.value.field == "adopted"
    assert snapshot(case) == before
    unsupervised = make_case(cast.clerk)
    with pytest.raises(TransitionNotAllowed):
        act(unsupervised, "supervision_feedback", cast.triage, adopted="无")
