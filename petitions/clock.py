"""The workflow's one clock. Services, deadline helpers and ``scan_deadlines`` read the time
only through ``now()`` / ``today()`` so that tests can fix it by patching ``petitions.clock.now``.

Callers import the module (``from petitions import clock``; ``clock.today()``), never the
functions, so a patch is seen everywhere.

``at(moment)`` sets the clock to the moment a step was taken in another instance while that step
is done again here (petitions/services/instance_apply.py): the deadlines, windows and trail times
it computes are then those of the instance where it happened (docs/architecture.md §6.2).
"""
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_at = ContextVar("petitions_clock_at", default=None)


def _wall():
    return timezone.now()


def now():
    """Current aware datetime (or the moment set by ``at``)."""
    moment = _at.get()
    return moment if moment is not None else _wall()


def today():
    """Current calendar date in the office's time zone (statutory deadlines count calendar days)."""
    return timezone.localdate(now())


@contextmanager
def at(moment):
    """Within the block, ``now()`` is ``moment`` (an aware datetime)."""
    token = _at.set(moment)
    try:
        yield
    finally:
        _at.reset(token)
