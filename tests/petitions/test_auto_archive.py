"""办结, then 归档 by the nightly scan once the petitioner can no longer ask for 复查/复核."""
import pytest
from django.urls import reverse

from accounts.models import AuditLog
from petitions.models import CaseEvent
from petitions.services.deadlines import deadlines_scan
from petitions.workflow import Status
from tests.petitions.test_workflow_transitions import answered, close_data
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act

pytestmark = pytest.mark.django_db


def test_closed_cases_are_archived_once_the_review_window_has_passed(cast, clock):
    case = act(answered(cast), "close", cast.triage, **close_data())
    assert case.status == Status.CLOSED
    clock.advance(30)  # the last day of the 30 days: the petitioner may still ask
    assert deadlines_scan().archived == 0
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    clock.advance(1)
    assert deadlines_scan().archived == 1
    case.refresh_from_db()
    assert case.status == Status.ARCHIVED and case.archived_at is not None
    event = CaseEvent.objects.get(case=case, action="archive")
    assert event.actor is None and event.data["automatic"] is True
    assert AuditLog.objects.filter(action="case.archive", actor=None).exists()
    assert deadlines_scan().archived == 0  # idempotent
    assert CaseEvent.objects.filter(case=case, action="archive").count() == 1


def test_a_case_under_review_is_not_archived(cast, clock):
    case = act(answered(cast), "close", cast.triage, **close_data())
    clock.advance(10)
    act(case, "request_review", cast.clerk)
    clock.advance(40)
    assert deadlines_scan().archived == 0
    case.refresh_from_db()
    assert case.status == Status.REVIEWING


def test_the_close_page_says_closed_and_when_it_will_be_archived(client, cast, clock):
    case = answered(cast)
    client.force_login(cast.triage)
    data = {k: v.pk for k, v in close_data().items()}
    response = client.post(reverse("petitions:action", args=[case.pk, "close"]),
                           {**data, "version": case.version, "note": "已办结"}, follow=True)
    text = response.content.decode()
    assert "已办结：" in text and "期满后系统自动归档" in text and "办结归档" not in text
