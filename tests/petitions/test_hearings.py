"""听证 (条例第三十一条、第三十六条第二款): scheduling stops the handling (or 复核) clock, the conclusion
resumes it with the hearing's days added, the case page shows the deadlines before and after, and
a 复核 opinion given after a hearing can be published (fixed clock, 劳动节 inside the hearing)."""
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import CalendarDay, CaseEvent, DictEntry, DictKind, HandlingOpinion, Hearing, ReviewRequest
from petitions.services.deadlines import deadlines_scan
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org, snapshot

pytestmark = pytest.mark.django_db

ACCEPTED = date(2026, 3, 2)


def hearing(day, **extra):
    return {"scheduled_at": timezone.make_aware(datetime.combine(day, time(9, 30))), "place": "镇政府会议室",
            "participants": "信访人张三；镇劳动保障所；青峰建安公司", "chair": "镇党委副书记王某", **extra}


def _appeal_in_progress(cast, clock):
    clock.set(ACCEPTED)
    purpose = DictEntry.objects.get(kind=DictKind.PURPOSE, code="04")
    case = act(make_case(cast.clerk, purpose=purpose), "assign", cast.triage, targets=[{"org": org("533922101")}])
    return act(case, "accept", cast.township_handler)


def test_hearing_pauses_and_resumes_the_handling_clock(cast, clock, client):
    for day in range(1, 6):  # 劳动节 1–5 May: calendar days, counted like any other hearing day
        CalendarDay.objects.create(date=date(2026, 5, day), is_workday=False, name="劳动节")
    case = _appeal_in_progress(cast, clock)
    due = ACCEPTED + timedelta(days=60)  # 1 May
    assert case.handling_due == due and case.current_due == due
    clock.set(date(2026, 4, 28))
    case = act(case, "schedule_hearing", cast.township_handler, **hearing(date(2026, 5, 6)))
    assert case.paused_since == date(2026, 4, 28) and case.current_due is None
    assert Hearing.objects.get(case=case).due_before == due
    # While it is paused nothing is overdue, though the original day has passed.
    clock.set(date(2026, 5, 7))
    assert deadlines_scan().events == 0
    with pytest.raises(TransitionNotAllowed):  # one open hearing at a time
        act(case, "schedule_hearing", cast.township_handler, **hearing(date(2026, 5, 8)))
    case = act(case, "record_hearing", cast.township_handler, note="拖欠属实，公司同意分期支付",
               minutes="听证笔录：……")
    h = Hearing.objects.get(case=case)
    assert h.paused_days == 10  # 28 April – 7 May, both days included
    assert (h.due_before, h.due_after) == (due, due + timedelta(days=10))
    assert case.paused_since is None and case.handling_due == due + timedelta(days=10)
    assert case.assignments.get().handling_due == due + timedelta(days=10)
    assert case.current_due == date(2026, 5, 11)
    event = CaseEvent.objects.get(case=case, action="record_hearing")
    assert (event.data["paused_days"], event.deadline) == (10, date(2026, 5, 11))
    assert deadlines_scan().events == 0
    clock.set(date(2026, 5, 12))
    assert deadlines_scan().events == 1
    client.force_login(cast.township_handler)
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert '<td class="due-before">2026-05-01</td><td class="due-after">2026-05-11</td>' in page


def test_hearing_refusals(cast, clock):
    case = _appeal_in_progress(cast, clock)
    before = snapshot(case)
    with pytest.raises(ServiceError) as info:
        act(case, "schedule_hearing", cast.township_handler, **hearing(ACCEPTED - timedelta(days=1)))
    assert info.value.field == "scheduled_at"
    with pytest.raises(ServiceError) as info:
        act(case, "schedule_hearing", cast.township_handler, **hearing(ACCEPTED, place=" "))
    assert info.value.field == "place"
    with pytest.raises(NotAllowed):
        act(case, "schedule_hearing", cast.other_township_handler, **hearing(ACCEPTED))
    with pytest.raises(TransitionNotAllowed):
        act(case, "record_hearing", cast.township_handler, note="x", minutes="y")
    assert snapshot(case) == before
    suggestion = act(act(make_case(cast.clerk, purpose=DictEntry.objects.get(kind=DictKind.PURPOSE, code="01")),
                         "assign", cast.triage, targets=[{"org": org("533922101")}]), "accept", cast.township_handler)
    with pytest.raises(TransitionNotAllowed) as info:
        act(suggestion, "schedule_hearing", cast.township_handler, **hearing(ACCEPTED))
    assert "申诉求决类" in info.value.message
    simple = act(_appeal_in_progress(cast, clock), "apply_simple", cast.township_handler, basis="first_clear")
    with pytest.raises(TransitionNotAllowed) as info:
        act(simple, "schedule_hearing", cast.township_handler, **hearing(ACCEPTED))
    assert "转为普通程序" in info.value.message


def test_hearing_before_a_recheck_opinion_which_is_then_published(cast, clock, client):
    case = _appeal_in_progress(cast, clock)
    case = act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.REJECT)
    case = act(case, "approve_result", cast.triage)
    case = act(case, "request_review", cast.clerk)
    case = act(case, "review_decision", cast.county_triage, conclusion="uphold")
    case = act(case, "request_recheck", cast.clerk)
    review = ReviewRequest.objects.get(case=case, level="recheck")
    assert review.org == org("533900") and review.due == ACCEPTED + timedelta(days=30)
    clock.set(ACCEPTED + timedelta(days=5))
    with pytest.raises(NotAllowed):  # the 复核 organ's triage officer organizes it, not the handler
        act(case, "schedule_hearing", cast.township_handler, **hearing(clock.today()))
    case = act(case, "schedule_hearing", cast.triage, **hearing(clock.today() + timedelta(days=2)))
    assert case.current_due is None
    clock.set(ACCEPTED + timedelta(days=9))
    case = act(case, "record_hearing", cast.triage, note="维持原处理意见", minutes="复核听证笔录")
    review.refresh_from_db()
    assert review.due == ACCEPTED + timedelta(days=35)  # 5 hearing days (5th–9th) not counted
    assert case.current_due == review.due
    case = act(case, "recheck_decision", cast.triage, note="经听证，维持原处理意见。", conclusion="uphold")
    client.force_login(cast.triage)
    page = client.get(reverse("petitions:action", args=[case.pk, "publish_reply"])).content.decode()
    assert "复核意见：经听证，维持原处理意见。" in page
    act(case, "publish_reply", cast.triage, note="复核意见：经听证，维持原处理意见。")
