"""Deadline labels and the idempotent ``scan_deadlines`` command (fixed clock)."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.audit import verify_chain
from accounts.models import Reminder
from petitions.models import CaseEvent, HandlingOpinion
from petitions.domain.deadlines import due_info
from petitions.services.deadlines import deadlines_scan
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, make_case, org

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("offset, label, css", [
    (10, "", ""), (4, "", ""), (3, "即将到期", "due-soon"), (0, "即将到期", "due-soon"), (-1, "已超期", "overdue"),
])
def test_due_labels(offset, label, css):
    due = due_info(DAY0 + timedelta(days=offset), DAY0)
    assert (due.label, due.css, due.days_left) == (label, css, offset)


def test_no_deadline_has_no_label():
    assert due_info(None, DAY0).label == ""


def test_scan_records_each_overdue_deadline_once(cast, clock, django_capture_on_commit_callbacks):
    routing = make_case(cast.clerk)  # pool deadline DAY0+15
    handled = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}]),
                  "accept", cast.township_handler)  # handling deadline DAY0+60
    clock.day(16)
    first = deadlines_scan()
    assert first.events == 1
    event = CaseEvent.objects.get(case=routing, action="overdue")
    assert event.deadline == DAY0 + timedelta(days=15) and event.actor is None
    assert Reminder.objects.filter(user=cast.triage, title__contains="已超期").count() == 1

    again = deadlines_scan()
    assert (again.events, again.reminders) == (0, 0)
    out = StringIO()
    call_command("scan_deadlines", stdout=out)
    assert "overdue events: 0, reminders: 0" in out.getvalue()
    assert CaseEvent.objects.filter(action="overdue").count() == 1

    clock.day(58)  # handling deadline within 3 days: a reminder, no event
    deadlines_scan()
    assert Reminder.objects.filter(user=cast.township_handler, title__contains="即将到期").count() == 1
    assert not CaseEvent.objects.filter(case=handled, action="overdue").exists()

    clock.day(61)
    result = deadlines_scan()
    assert result.events == 1
    assert CaseEvent.objects.get(case=handled, action="overdue").data["deadline"].startswith("handling:")
    assert Reminder.objects.filter(user=cast.township_handler, title__contains="已超期").count() == 1
    assert deadlines_scan().events == 0
    assert verify_chain() is None


def test_reported_result_stops_the_handling_clock(cast, clock):
    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}]),
               "accept", cast.township_handler)
    act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.SUPPORT)
    act(case, "approve_result", cast.triage)
    clock.day(90)
    assert deadlines_scan().events == 0


def test_an_earlier_supervision_deadline_binds_everywhere(client, cast, clock, django_capture_on_commit_callbacks):
    """督办 with a deadline before the statutory one: the case header, the inbox and the
    reminders all show the 督办 date; the 督办 card shows both."""
    from accounts.models import Reminder
    from petitions.models import Case
    from tests.petitions.workflow_helpers import act, make_case, org

    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    case = act(case, "accept", cast.township_handler)
    statutory = Case.objects.get(pk=case.pk).current_due
    due = DAY0 + timedelta(days=10)
    assert due < statutory
    with django_capture_on_commit_callbacks(execute=True):
        act(case, "supervise", cast.supervisor, note="请于十日内办结并反馈", deadline=due)
    assert Case.objects.get(pk=case.pk).current_due == due
    client.force_login(cast.township_handler)
    inbox = client.get(reverse("petitions:inbox"), {"tab": "in_progress"}).content.decode()
    assert due.isoformat() in inbox and "督办期限" in inbox
    detail = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "以督办期限为准" in detail and statutory.isoformat() in detail
    clock.set(due - timedelta(days=2))
    deadlines_scan()
    assert Reminder.objects.filter(user=cast.township_handler, title__contains="督办期限").exists()
