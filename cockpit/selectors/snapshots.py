"""The day's snapshot of a figure the hourly scan stores (``CockpitSnapshot``), if there is one."""
from django.utils import timezone

from cockpit.models import CockpitSnapshot

LATE_UNITS = "late_units"
REPEAT_MATTERS = "repeat_matters"


def todays_snapshot(j, kind, today):
    """The snapshot of ``kind`` for the jurisdiction computed today (deadlines are days: one of
    yesterday would count yesterday's overdue cases), or None."""
    row = CockpitSnapshot.objects.filter(org=j.org, kind=kind).first()
    if row is not None and timezone.localdate(row.computed_at) == today:
        return row
    return None
