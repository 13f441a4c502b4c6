"""Registrations of a jurisdiction over time and by dimension, counted as the reports count
(docs/reports.md §1–2: by registering organization, Asia/Shanghai days, voided cases nowhere).

Each function is one ``GROUP BY`` over a registration-time range of
``petitions.selectors.case_statistics_qs``, which on PostgreSQL the covering statistics index
(petitions 0005) answers without reading the case table; the daily series read the cockpit's
aggregate table for the days it holds (``daily_counts``, the seam where the maintained aggregates
of the scale work can take over; docs/cockpit.md §7).
"""
from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from petitions.selectors import case_statistics_qs
from petitions.models import DictKind
from reports.selectors import (
    CHANNEL_GROUPS, COLLECTIVE_Q, PERSONS, SKIP_Q, VISIT_LIKE_Q, VISIT_Q, aware_midnight, dict_entries,
    problem_top_map, scope_allowed,
)

from cockpit.models import RegistrationDay, RegistrationDayBuild
from cockpit.selectors.scope import raw_rows

LAST_YEAR = timedelta(days=364)  # 52 weeks: the same weekdays a year earlier
OTHER_CHANNEL = "other"


def registered_between(j, start, end):
    """The jurisdiction's countable cases registered on the local days ``start`` … ``end``."""
    return case_statistics_qs(j.user, j.org, org_ids=j.org_ids).filter(
        registered_at__gte=aware_midnight(start), registered_at__lt=aware_midnight(end + timedelta(days=1)))


MEASURES = {
    "n": Count("pk"),
    "collective": Count("pk", filter=VISIT_Q & COLLECTIVE_Q),
    "collective_persons": Sum(PERSONS, filter=VISIT_Q & COLLECTIVE_Q),
    "skip": Count("pk", filter=VISIT_LIKE_Q & SKIP_Q),
}
ZERO = {key: 0 for key in MEASURES}


def daily_counts(j, start, end):
    """``{day: {n, collective, collective_persons, skip}}`` for every day ``start`` … ``end``.

    Days the aggregate table holds (``RegistrationDay``, rebuilt hourly up to yesterday) are read
    from it, a few rows per day; the others (today, or days before the first rebuild) are counted
    from the cases. The maintained aggregates of the scale work can replace the table here."""
    out = {start + timedelta(days=i): dict(ZERO) for i in range((end - start).days + 1)}
    live = [(start, end)]
    build = RegistrationDayBuild.objects.first()
    if build is not None and scope_allowed(j.user, j.org):
        lo, hi = max(start, build.first_day), min(end, build.last_day)
        if lo <= hi:
            rows = (RegistrationDay.objects.filter(org_id__in=j.org_ids, day__gte=lo, day__lte=hi)
                    .values("day").annotate(**{key: Sum(key) for key in MEASURES}).order_by())
            for row in rows:
                out[row["day"]] = {key: row[key] or 0 for key in MEASURES}
            live = [(a, b) for a, b in ((start, lo - timedelta(days=1)), (hi + timedelta(days=1), end)) if a <= b]
    for a, b in live:
        rows = registered_between(j, a, b).annotate(day=TruncDate("registered_at")).values("day").annotate(
            **MEASURES).order_by()
        for row in rows:
            if row["day"] in out:
                out[row["day"]] = {key: row[key] or 0 for key in MEASURES}
    return out


def window_sum(daily, start, end):
    total = dict(ZERO)
    day = start
    while day <= end:
        for key, value in daily.get(day, ZERO).items():
            total[key] += value
        day += timedelta(days=1)
    return total


def channel_group_of():
    return {c: key for key, _label, channels in CHANNEL_GROUPS for c in channels}


def breakdown(j, start, end):
    """The window's cases by channel group, first-level 所属问题, registered 所属问题 and area
    (``{dimension: {key: cases}}`` and ``total``): one GROUP BY (registering organization, channel,
    所属问题), folded here."""
    rows = raw_rows(registered_between(j, start, end).values_list("registered_org_id", "channel", "problem_id")
                    .annotate(n=Count("pk")).order_by())
    top = problem_top_map()
    group_of = channel_group_of()
    by = {"channel": {}, "problem_top": {}, "problem": {}, "area": {}}
    total = 0
    for org_id, channel, problem, n in rows:
        for bucket, key in ((by["channel"], group_of.get(channel, OTHER_CHANNEL)),
                            (by["problem_top"], top.get(problem) if problem is not None else None),
                            (by["problem"], problem), (by["area"], j.area_of.get(org_id, j.org.path))):
            bucket[key] = bucket.get(key, 0) + n
        total += n
    by["total"] = total
    return by


def problem_names():
    """``{id: (name, parent name or "")}`` of the 所属问题 tree, and the first-level entries in order."""
    entries = dict_entries(DictKind.PROBLEM)
    names = {e.pk: e.name for e in entries}
    labels = {e.pk: (e.name, names.get(e.parent_id, "")) for e in entries}
    return labels, [e for e in entries if e.parent_id is None]
