"""The triage pool (分流池): registered cases waiting to be routed, as a scoped selector.

Pool = status 待分流, visible to the user (``case_visible_qs``) and held by an organization
inside the user's jurisdiction.
"""
from datetime import datetime, time, timedelta

from django.db.models import F, Prefetch, Q
from django.utils import timezone

from accounts.models import OrgUnit
from accounts.selectors import jurisdiction_path

from petitions import clock
from petitions.models import Case, Petitioner
from petitions.selectors.visibility import case_visible_qs
from petitions.workflow import Status

PAGE_SIZE = 20


def _held_within(qs, path):
    """Cases held by an organization in the subtree at ``path``.

    The subtree's ids are read first and compared as ``holder_org_id + 0``: the expression
    keeps PostgreSQL from AND-ing the holder index (which, for a prefecture, matches most of
    the table) with the status index. The few pending cases then come straight from the
    (status, registered_at) index in page order and the holder test is a cheap filter on
    them (measured on 1M cases: 0.5 ms for a page instead of about a second)."""
    org_ids = list(OrgUnit.objects.filter(path__startswith=path).values_list("id", flat=True))
    return qs.alias(holder_id_expr=F("holder_org_id") + 0).filter(holder_id_expr__in=org_ids)


def pool_qs(user):
    """Cases in the user's triage pool (unordered, unfiltered)."""
    prefix = jurisdiction_path(user)
    if prefix is None:
        return Case.objects.none()
    return _held_within(case_visible_qs(user).filter(status=Status.PENDING), prefix)


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def pool_filter(qs, *, date_from=None, date_to=None, channel="", purpose=None, problem=None, org=None,
                is_repeat=None, is_collective=None, overdue=False, today=None):
    """Apply the pool's filters; dates are local (Asia/Shanghai) registration dates.

    ``problem`` matches the entry and its second-level children; ``org`` the subtree of the
    organization now holding the case; ``is_repeat``/``is_collective`` are True, False or None
    (any); ``overdue`` keeps cases past their current deadline.
    """
    if date_from:
        qs = qs.filter(registered_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(registered_at__lt=_day_start(date_to + timedelta(days=1)))
    if channel:
        qs = qs.filter(channel=channel)
    if purpose is not None:
        qs = qs.filter(purpose=purpose)
    if problem is not None:
        qs = qs.filter(Q(problem=problem) | Q(problem__parent=problem))
    if org is not None:
        qs = _held_within(qs, org.path)
    if is_repeat is not None:
        qs = qs.filter(is_repeat=is_repeat)
    if is_collective is not None:
        qs = qs.filter(is_collective=is_collective)
    if overdue:
        qs = qs.filter(current_due__lt=today or clock.today())
    return qs


def case_list_rows(qs):
    """Newest first, with what a list row shows loaded up front (no per-row queries)."""
    return qs.select_related("problem", "problem__parent").prefetch_related(
        Prefetch("petitioners", queryset=Petitioner.objects.order_by("position"))
    ).order_by("-registered_at", "-id")


def pool_count(user):
    return pool_qs(user).count()
