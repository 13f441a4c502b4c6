"""The workflow's one clock. Services, deadline helpers and ``scan_deadlines`` read the time
only through ``now()`` / ``today()`` so that tests can fix it by patching ``petitions.clock.now``.

Callers import the module (``from petitions import clock``; ``clock.today()``), never the
functions, so a patch is seen everywhere.
"""
from django.utils import timezone


def now():
    """Current aware datetime."""
    return timezone.now()


def today():
    """Current calendar date in the office's time zone (statutory deadlines count calendar days)."""
    return timezone.localdate(now())
