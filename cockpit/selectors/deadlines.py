"""Deadlines in the cockpit: which units are late (leaders), the pool's age (triage), the
handler's own deadlines.

Late units: open cases of the jurisdiction (registered in it or assigned into it, the scope of
``petitions.selectors.scope_q``) whose binding deadline (``Case.current_due``: the statutory one
or an earlier 督办 deadline) has passed or falls within ``DUE_SOON_DAYS``. Finished cases have no
current deadline, so the ``current_due`` index yields only the few open ones. Each case is held
against the unit that must act now: every organization with an open assignment (待受理, 办理中)
inside the jurisdiction, else the organization holding the case (the bureau, for 待分流, 待批示,
待审核 and 复查/复核). Confidential cases are counted, as in the statistics; their lists need the
per-case grant.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from petitions.domain.deadlines import DUE_SOON_DAYS
from petitions.models import Assignment, AssignmentStatus, Case
from petitions.selectors import own_assignments_qs, pool_qs, scope_q
from petitions.workflow import OPEN_STATUSES
from reports.selectors import aware_midnight

from cockpit.selectors.scope import cases_url
from cockpit.selectors.snapshots import LATE_UNITS, todays_snapshot

OPEN_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)


@dataclass
class UnitRow:
    org_id: int
    name: str
    overdue: int = 0
    soon: int = 0
    overdue_url: str = ""
    soon_url: str = ""


def _open_near_due(j, today):
    """Open cases of the jurisdiction whose binding deadline is past or within DUE_SOON_DAYS."""
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    return Case.objects.filter(scope_q(j.org.path), status__in=sorted(OPEN_STATUSES), current_due__lte=horizon)


def late_units(j, today, *, limit=15):
    """Units with overdue or soon-due open cases, most overdue first, and the totals: from the
    day's snapshot of the hourly scan when there is one (``computed_at`` then says when), else
    counted now. Returns ``(rows, totals)``; ``totals`` has ``computed_at`` (None when live)."""
    snap = todays_snapshot(j, LATE_UNITS, today)
    if snap is None:
        rows, totals = late_units_live(j, today)
        totals = {**totals, "computed_at": None}
    else:
        rows = [_unit_row(*r) for r in snap.data["rows"]]
        totals = {**snap.data["totals"], "computed_at": snap.computed_at}
    return rows[:limit], totals


def _unit_row(org_id, name, overdue, soon):
    return UnitRow(org_id=org_id, name=name, overdue=overdue, soon=soon,
                   overdue_url=cases_url(unit=org_id, state="overdue"), soon_url=cases_url(unit=org_id, state="soon"))


def late_units_live(j, today):
    """All units with overdue or soon-due open cases and the totals, counted now.

    Three aggregates, none returning a row per case: the totals; the open assignments inside the
    jurisdiction on those cases, per unit; the cases without one, per holding organization."""
    cases = _open_near_due(j, today)
    late, soon = Q(current_due__lt=today), Q(current_due__gte=today)
    totals = cases.aggregate(overdue=Count("pk", filter=late), soon=Count("pk", filter=soon))
    if not (totals["overdue"] or totals["soon"]):
        return [], {"overdue": 0, "soon": 0}
    open_here = Assignment.objects.filter(status__in=OPEN_ASSIGNMENT, org_path__startswith=j.org.path)
    per_unit = defaultdict(lambda: [0, 0])
    assigned = (open_here.filter(case__in=cases.values("pk")).values("org_id")
                .annotate(overdue=Count("case_id", filter=Q(case__current_due__lt=today), distinct=True),
                          soon=Count("case_id", filter=Q(case__current_due__gte=today), distinct=True)).order_by())
    for row in assigned:
        per_unit[row["org_id"]][0] += row["overdue"]
        per_unit[row["org_id"]][1] += row["soon"]
    held = (cases.exclude(holder_org_id=None).filter(~Exists(open_here.filter(case_id=OuterRef("pk"))))
            .values("holder_org_id").annotate(overdue=Count("pk", filter=late), soon=Count("pk", filter=soon))
            .order_by())
    for row in held:
        per_unit[row["holder_org_id"]][0] += row["overdue"]
        per_unit[row["holder_org_id"]][1] += row["soon"]
    names = dict(OrgUnit.objects.filter(pk__in=list(per_unit)).values_list("id", "name"))
    rows = [_unit_row(k, names.get(k, "?"), v[0], v[1]) for k, v in per_unit.items()]
    rows.sort(key=lambda r: (-r.overdue, -r.soon, r.name))
    return rows, {"overdue": totals["overdue"], "soon": totals["soon"]}




# ---------------------------------------------------------------- triage: the pool and today's intake

POOL_AGES = (  # (key, label, lower bound in days, upper bound in days or None)
    ("0", _("今天"), 0, 0),
    ("1", _("1–2天"), 1, 2),
    ("3", _("3–6天"), 3, 6),
    ("7", _("7–14天"), 7, 14),
    ("15", _("15天以上"), 15, None),
)


def pool_age_profile(user, today):
    """The triage pool by days since registration (local days), each bucket linked to its list."""
    # One pass over the pool (the ``case_pool`` index holds every column it reads), each bucket a
    # filtered count over registration instants — a bucket of ages [low, high] is [00:00 of today −
    # high, 00:00 of today − low + 1) — rather than a local day computed and grouped per case (a sort
    # of the whole pool: 26 ms for ~54,000 pending cases at 10 M; docs/performance.md §14).
    aggregates = {"overdue": Count("pk", filter=Q(current_due__lt=today))}
    for key, _label, low, high in POOL_AGES:
        bucket = Q(registered_at__lt=aware_midnight(today - timedelta(days=low - 1)))
        if high is not None:
            bucket &= Q(registered_at__gte=aware_midnight(today - timedelta(days=high)))
        aggregates[f"age_{key}"] = Count("pk", filter=bucket)
    row = pool_qs(user).order_by().aggregate(**aggregates)
    return [{"key": key, "label": label, "n": row[f"age_{key}"], "url": cases_url(pool=1, age=key)}
            for key, label, _low, _high in POOL_AGES], row["overdue"]


# ---------------------------------------------------------------- handler: his own deadlines

DEADLINE_BUCKETS = (
    ("overdue", _("已超期")),
    ("today", _("今天到期")),
    ("3", _("3天内到期")),
    ("7", _("7天内到期")),
    ("later", _("7天以后")),
)


def due_bucket_q(key, today, field="due"):
    if key == "overdue":
        return Q(**{f"{field}__lt": today})
    if key == "today":
        return Q(**{field: today})
    if key == "3":
        return Q(**{f"{field}__gt": today, f"{field}__lte": today + timedelta(days=3)})
    if key == "7":
        return Q(**{f"{field}__gt": today + timedelta(days=3), f"{field}__lte": today + timedelta(days=7)})
    return Q(**{f"{field}__gt": today + timedelta(days=7)})


def own_open_assignments(user):
    """The user's organizations' open assignments, with the deadline that binds the unit now:
    acceptance while 待受理, handling (extensions included) while 办理中."""
    from django.db.models import Case as When_, DateField, F, When

    return own_assignments_qs(user).filter(status__in=OPEN_ASSIGNMENT).annotate(due=When_(
        When(status=AssignmentStatus.PENDING, then=F("acceptance_due")), default=F("handling_due"),
        output_field=DateField()))


# The deadline that binds each open status, read from that status's own partial index
# (petitions ``assignment_inbox_pending`` / ``_progress``): each count and each "soonest" list is an
# index-only or index-ordered scan, instead of evaluating ``own_open_assignments``' CASE over every open
# assignment of the unit (docs/performance.md §14). The same figures and rows.
DUE_FIELD = ((AssignmentStatus.PENDING, "acceptance_due"), (AssignmentStatus.ACCEPTED, "handling_due"))


def handler_deadlines(user, today):
    from django.db.models import F

    own = own_assignments_qs(user)
    by_status = {status: own.filter(status=status).aggregate(
        total=Count("pk"), **{key: Count("pk", filter=due_bucket_q(key, today, field)) for key, _l in DEADLINE_BUCKETS})
        for status, field in DUE_FIELD}
    counts = {key: sum(row[key] for row in by_status.values()) for key, _l in DEADLINE_BUCKETS}
    counts["pending"] = by_status[AssignmentStatus.PENDING]["total"]
    counts["accepted"] = by_status[AssignmentStatus.ACCEPTED]["total"]
    buckets = [{"key": key, "label": label, "n": counts[key] or 0, "url": cases_url(mine=1, due=key)}
               for key, label in DEADLINE_BUCKETS]
    soonest = []
    for status, field in DUE_FIELD:
        soonest += own.filter(status=status, **{f"{field}__lte": today + timedelta(days=7)}).annotate(
            due=F(field)).select_related("case", "case__problem").order_by(field, "id")[:12]
    soonest = sorted(soonest, key=lambda a: (a.due, a.pk))[:12]
    return buckets, soonest, counts
