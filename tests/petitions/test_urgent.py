"""重大、紧急 matters (条例第二十五条): the flag proposed at registration for a large collective visit or
behaviour endangering safety, the alert to this level's and the level above's duty leaders (值班表, or
all leaders without one) in the application and through the SMS and e-mail gateways, the
acknowledgment, and the escalation by the scan when none comes (fixed clock)."""
import logging
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Reminder
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import CaseEvent, Channel, DictEntry, DictKind, DutyShift, UrgentAlert
from petitions.services.deadlines import deadlines_scan
from petitions.services.urgent import duty_shift_delete, duty_shift_save
from tests.factories import make_user
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, make_case, snapshot

pytestmark = pytest.mark.django_db


def entry(kind, code):
    return DictEntry.objects.get(kind=kind, code=code)


def at(hour, minute=0, day=DAY0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def visit(actor, *, visitors, behaviours=()):
    return make_case(actor, channel=Channel.VISIT, visit_nature=entry(DictKind.VISIT_NATURE, "2"),
                     visitor_count=visitors, abnormal_behaviors=[entry(DictKind.ABNORMAL, c) for c in behaviours])


@pytest.fixture
def county_leader_on_duty(cast):
    """The county leader is on the county's roster for the whole first day."""
    return duty_shift_save(actor=cast.county_triage, user=cast.county_leader, starts_at=at(0), ends_at=at(23, 59))


def test_large_collective_visit_is_urgent_from_registration(cast, clock, county_leader_on_duty, settings,
                                                            django_capture_on_commit_callbacks, caplog):
    settings.NOTIFY_SMS_GATEWAY = "accounts.gateway.LogSmsGateway"
    cast.county_leader.phone = "13908870001"
    cast.county_leader.save()
    small = visit(cast.county_clerk, visitors=20)
    assert not small.is_urgent and not UrgentAlert.objects.exists()
    with caplog.at_level(logging.INFO, logger="xf.sms"), django_capture_on_commit_callbacks(execute=True):
        case = visit(cast.county_clerk, visitors=60)
    assert case.is_urgent
    alerts = list(UrgentAlert.objects.filter(case=case).order_by("id"))
    # This level (石门县: its roster) and the level above (青峰州: no roster, all its leaders).
    assert [a.org.code for a in alerts] == ["533922", "533900"]
    assert list(alerts[0].recipients.all()) == [cast.county_leader] and not alerts[0].without_roster
    assert cast.leader in alerts[1].recipients.all() and alerts[1].without_roster
    assert alerts[0].ack_due_at == clock.now() + timedelta(minutes=30)
    event = CaseEvent.objects.get(case=case, action="urgent_alert")
    assert "集体访60人" in event.note
    assert Reminder.objects.filter(user=cast.county_leader, title__contains="【重大紧急】").exists()
    # The SMS copy (the log gateway here) names the case, masks the number.
    assert any("139****0001" in r.getMessage() and "重大紧急" in r.getMessage() for r in caplog.records)


def test_dangerous_behaviour_is_urgent(cast, clock):
    case = visit(cast.clerk, visitors=3, behaviours=["02"])
    assert case.is_urgent
    assert "第二十六条第2项" in CaseEvent.objects.get(case=case, action="urgent_alert").note


def test_flag_later_acknowledge_and_refuse_the_non_duty(cast, clock, county_leader_on_duty, client,
                                                       django_capture_on_commit_callbacks):
    case = make_case(cast.county_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, "mark_urgent", cast.county_triage, note="信访人情绪激动，扬言到州政府聚集")
    with pytest.raises(TransitionNotAllowed):
        act(case, "mark_urgent", cast.county_triage, note="again")
    before = snapshot(case)
    with pytest.raises(NotAllowed):  # a leader of the county who is not on duty
        other_leader = make_user("county_leader_2", org_code="53392201", roles=["leader"])
        act(case, "acknowledge_alert", other_leader)
    assert snapshot(case) == before
    client.force_login(make_user("county_leader_3", org_code="53392201", roles=["leader"]))
    assert client.get(reverse("petitions:action", args=[case.pk, "acknowledge_alert"])).status_code == 403
    case = act(case, "acknowledge_alert", cast.county_leader, note="已安排县公安局、信访局到场处置")
    alert = UrgentAlert.objects.get(case=case, org__code="533922")
    assert alert.acknowledged_by == cast.county_leader
    assert CaseEvent.objects.get(case=case, action="acknowledge_alert").data["alerts"][0]["on_time"] is True
    assert not Reminder.objects.filter(user=cast.county_leader, topic="petitions.urgent_alert", is_read=False).exists()
    # The prefecture's alert is still open; a 30-minute wait escalates nothing further up (top level).
    clock.moment += timedelta(minutes=31)
    assert deadlines_scan().alerts_escalated == 1
    top = UrgentAlert.objects.get(case=case, org__code="533900")
    assert top.escalated_at is not None
    assert CaseEvent.objects.filter(case=case, action="urgent_escalated").count() == 1
    assert deadlines_scan().alerts_escalated == 0


def test_unacknowledged_alert_escalates_one_level_once(cast, clock, county_leader_on_duty):
    case = make_case(cast.county_clerk)
    case = act(case, "mark_urgent", cast.county_triage, note="集体聚集")
    county = UrgentAlert.objects.get(case=case, org__code="533922")
    clock.moment += timedelta(minutes=29)
    assert deadlines_scan().alerts_escalated == 0
    clock.moment += timedelta(minutes=2)
    assert deadlines_scan().alerts_escalated == 2  # the county's and the prefecture's alert
    county.refresh_from_db()
    assert county.escalated_at is not None
    escalated = UrgentAlert.objects.get(escalated_from=county)
    assert escalated.org.code == "533900" and cast.leader in escalated.recipients.all()
    assert deadlines_scan().alerts_escalated == 0
    # The county leader may still acknowledge late; it is recorded as late.
    act(case, "acknowledge_alert", cast.county_leader)
    assert CaseEvent.objects.filter(case=case, action="acknowledge_alert").latest("id").data["alerts"][0][
        "on_time"] is False


def test_duty_roster_rules(cast, clock):
    with pytest.raises(ServiceError):  # a handler is not a duty person
        duty_shift_save(actor=cast.county_triage, user=cast.township_handler, starts_at=at(8), ends_at=at(18))
    with pytest.raises(ServiceError):  # someone of another level
        duty_shift_save(actor=cast.county_triage, user=cast.leader, starts_at=at(8), ends_at=at(18))
    with pytest.raises(ServiceError):
        duty_shift_save(actor=cast.county_triage, user=cast.county_leader, starts_at=at(18), ends_at=at(8))
    with pytest.raises(NotAllowed):
        duty_shift_save(actor=cast.township_handler, user=cast.county_leader, starts_at=at(8), ends_at=at(18))
    later = duty_shift_save(actor=cast.county_triage, user=cast.county_leader, starts_at=at(8, day=DAY0 + timedelta(1)),
                            ends_at=at(18, day=DAY0 + timedelta(1)))
    running = duty_shift_save(actor=cast.county_triage, user=cast.county_triage, starts_at=at(8), ends_at=at(18))
    with pytest.raises(ServiceError):  # it decided who was alerted
        duty_shift_delete(actor=cast.county_triage, shift=running)
    with pytest.raises(NotAllowed):
        duty_shift_delete(actor=cast.triage, shift=later)
    duty_shift_delete(actor=cast.county_triage, shift=later)
    assert list(DutyShift.objects.all()) == [running]


def test_roster_page(client, cast, clock):
    client.force_login(cast.county_triage)
    page = client.get(reverse("petitions:duty_roster"))
    assert page.status_code == 200 and "当前无人值班" in page.content.decode()
    response = client.post(reverse("petitions:duty_roster"), {
        "user": cast.county_leader.pk, "start_day": DAY0.isoformat(), "start_time": "08:00",
        "end_day": DAY0.isoformat(), "end_time": "18:00", "note": "带班领导"})
    assert response.status_code == 302
    assert DutyShift.objects.get().user == cast.county_leader
    client.force_login(cast.township_handler)
    assert client.get(reverse("petitions:duty_roster")).status_code == 403
