"""Shared set-up for the workflow tests: cases made by the real registration service, a fixed
clock, a cast of extra users, and a snapshot of everything a refused action must not change.

Import the fixtures into a test module with ``from tests.petitions.workflow_helpers import *``.
"""
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditLog, OrgUnit, Reminder
from petitions.models import (
    Assignment, Case, CaseEvent, CaseView, Channel, DictEntry, DictKind, ExtensionRequest, ReviewRequest, Supervision,
)
from petitions.services.transitions import case_transition
from tests.factories import make_user

from petitions.services.intake import register_case

__all__ = [
    "DAY0", "FixedClock", "act", "cast", "clock", "make_case", "org", "reject_reason", "snapshot",
]

DAY0 = date(2026, 3, 2)


class FixedClock:
    """A settable clock patched into ``petitions.clock.now``."""

    def __init__(self, day=DAY0):
        self.moment = timezone.make_aware(datetime.combine(day, time(9, 0)))

    def now(self):
        return self.moment

    def today(self):
        return timezone.localdate(self.moment)

    def set(self, day):
        self.moment = timezone.make_aware(datetime.combine(day, time(9, 0)))

    def advance(self, days):
        self.moment += timedelta(days=days)

    def day(self, n):
        """Set the clock to DAY0 + n days and return that date."""
        self.set(DAY0 + timedelta(days=n))
        return self.today()


@pytest.fixture
def clock(monkeypatch):
    fixed = FixedClock()
    monkeypatch.setattr("petitions.clock.now", fixed.now)
    return fixed


def org(code):
    return OrgUnit.objects.get(code=code)


class Cast(dict):
    def __getattr__(self, name):
        return self[name]


@pytest.fixture
def cast(clerk, triage, leader, supervisor, statistician, county_clerk, county_triage, township_handler,
         other_township_handler, dept_handler):
    """The named users of tests/conftest.py plus a county leader and users of 云溪县."""
    return Cast(
        clerk=clerk, triage=triage, leader=leader, supervisor=supervisor, statistician=statistician,
        county_clerk=county_clerk, county_triage=county_triage, township_handler=township_handler,
        other_township_handler=other_township_handler, dept_handler=dept_handler,
        county_leader=make_user("county_leader", org_code="53392201", roles=["leader"]),
        other_county_clerk=make_user("other_county_clerk", org_code="53392301", roles=["clerk"]),
        other_county_triage=make_user("other_county_triage", org_code="53392301", roles=["triage"]),
        other_county_supervisor=make_user("other_county_supervisor", org_code="53392301", roles=["supervisor"]),
        county_bureau_handler=make_user("county_bureau_handler", org_code="53392201", roles=["handler"]),
    )


def make_case(actor, *, content="反映拖欠工资问题，请求督促企业支付。", confidential=False, accused_org=None,
              first_case=None, channel=Channel.LETTER, registered_at=None, **data):
    """Register a case through the real service (state 待分流, held by the actor's bureau)."""
    payload = {"content": content, "is_confidential": confidential, "accused_org": accused_org, **data}
    if first_case is not None:
        payload.update(first_case=first_case, is_repeat=True)
    if registered_at is None:
        from petitions import clock as clock_module

        registered_at = clock_module.now()
    case = register_case(actor=actor, channel=channel, data=payload, petitioners=[{"name": "张三"}],
                         submit_token=uuid.uuid4().hex, registered_at=registered_at)
    return Case.objects.get(pk=case.pk)


def act(case, action, actor, note="", **data):
    """Perform ``action`` through the service with the case's current version."""
    case.refresh_from_db()
    note = note or ("意见：" + action)
    return case_transition(case=case, action=action, actor=actor, version=case.version, note=note, **data)


def reject_reason(code="1"):
    return DictEntry.objects.get(kind=DictKind.REJECT_REASON, code=code)


def snapshot(case):
    """Everything a refused action must leave untouched."""
    row = Case.objects.filter(pk=case.pk).values().get()
    return {
        "case": row,
        "events": CaseEvent.objects.filter(case=case).count(),
        "audit": AuditLog.objects.count(),
        "assignments": list(Assignment.objects.filter(case=case).values()),
        "extensions": list(ExtensionRequest.objects.filter(assignment__case=case).values()),
        "reviews": list(ReviewRequest.objects.filter(case=case).values()),
        "supervisions": Supervision.objects.filter(case=case).count(),
        "views": CaseView.objects.filter(case=case, action="mark_viewed").count(),
        "reminders": Reminder.objects.count(),
    }
