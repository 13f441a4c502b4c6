"""Reminders that ask for work clear themselves when the work is done; information stays unread."""
from datetime import timedelta

import pytest

from accounts.models import Reminder
from petitions.services import notify
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, make_case, org

pytestmark = pytest.mark.django_db


def unread(user, topic):
    return Reminder.objects.filter(user=user, topic=topic, is_read=False).count()


def test_the_instruction_clears_the_leaders_request(cast, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = act(make_case(cast.clerk), "report_leader", cast.triage, leader=cast.leader,
                   deadline=DAY0 + timedelta(days=3))
    assert unread(cast.leader, notify.INSTRUCTION_REQUESTED) == 1
    with django_capture_on_commit_callbacks(execute=True):
        act(case, "instruct", cast.leader, note="请依法处理")
    assert unread(cast.leader, notify.INSTRUCTION_REQUESTED) == 0
    assert unread(cast.triage, notify.INSTRUCTED) == 1  # information: stays until read


def test_acceptance_clears_only_the_accepting_units_new_assignment(cast, clock,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = act(make_case(cast.clerk), "assign", cast.triage,
                   targets=[{"org": org("533922101"), "is_lead": True}, {"org": org("53390003")}])
    assert unread(cast.township_handler, notify.ASSIGNED) == 1
    assert unread(cast.dept_handler, notify.ASSIGNED) == 1
    with django_capture_on_commit_callbacks(execute=True):
        act(case, "accept", cast.township_handler)
    assert unread(cast.township_handler, notify.ASSIGNED) == 0
    assert unread(cast.dept_handler, notify.ASSIGNED) == 1  # the other unit has not accepted yet


def test_the_extension_decision_clears_the_request(cast, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
        act(case, "accept", cast.township_handler)
        act(case, "request_extension", cast.township_handler, note="情况复杂", days=20)
    assert unread(cast.triage, notify.EXTENSION_REQUESTED) == 1
    with django_capture_on_commit_callbacks(execute=True):
        act(case, "approve_extension", cast.triage)
    assert unread(cast.triage, notify.EXTENSION_REQUESTED) == 0
    assert unread(cast.township_handler, notify.EXTENSION_DECIDED) == 1
