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

from cockpit.models import RegistrationDay, RegistrationDayClass
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


def built_days(j, start, end, *, classes=False):
    """Split the local days ``start`` … ``end`` into the span the aggregate table holds — ``RegistrationDay``,
    or ``RegistrationDayClass`` with ``classes`` — as ``(lo, hi)`` or None, and the ranges to count live
    from the cases (today, days before the first rebuild or outside the kept days). Nothing is read from
    a table for a user whose statistics scope does not cover the jurisdiction."""
    build = j.registration_build
    first = None if build is None else (build.class_first_day if classes else build.first_day)
    if first is None or not scope_allowed(j.user, j.org):
        return None, [(start, end)]
    lo, hi = max(start, first), min(end, build.last_day)
    if lo > hi:
        return None, [(start, end)]
    return (lo, hi), [(a, b) for a, b in ((start, lo - timedelta(days=1)), (hi + timedelta(days=1), end)) if a <= b]


def daily_counts(j, start, end):
    """``{day: {n, collective, collective_persons, skip}}`` for every day ``start`` … ``end``.

    Days the aggregate table holds (``RegistrationDay``, rebuilt hourly up to yesterday) are read
    from it, a few rows per day; the others (today, or days before the first rebuild) are counted
    from the cases. The maintained aggregates of the scale work can replace the table here."""
    out = {start + timedelta(days=i): dict(ZERO) for i in range((end - start).days + 1)}
    built, live = built_days(j, start, end)
    if built is not None:
        rows = (RegistrationDay.objects.filter(org_id__in=j.org_ids, day__gte=built[0], day__lte=built[1])
                .values("day").annotate(**{key: Sum(key) for key in MEASURES}).order_by())
        for row in rows:
            out[row["day"]] = {key: row[key] or 0 for key in MEASURES}
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


def class_rows(j, lo, hi, *, kind):
    """The jurisdiction's ``RegistrationDayClass`` rows of ``kind`` on the days ``lo`` … ``hi`` (``built_days``)."""
    return RegistrationDayClass.objects.filter(kind=kind, org_id__in=j.org_ids, day__gte=lo, day__lte=hi)


def channel_group_of():
    return {c: key for key, _label, channels in CHANNEL_GROUPS for c in channels}


def breakdown(j, start, end):
    """The window's cases by channel group, first-level 所属问题, registered 所属问题 and area
    (``{dimension: {key: cases}}`` and ``total``): for the days ``RegistrationDayClass`` holds, its
    channel rows per organization and its 所属问题 rows; for the others (today) one GROUP BY
    (registering organization, channel, 所属问题) of the cases; folded here."""
    top = problem_top_map()
    group_of = channel_group_of()
    by = {"channel": {}, "problem_top": {}, "problem": {}, "area": {}}
    total = 0

    def add(bucket, key, n):
        bucket[key] = bucket.get(key, 0) + n

    built, live = built_days(j, start, end, classes=True)
    if built is not None:
        for org_id, channel, n in raw_rows(class_rows(j, *built, kind=RegistrationDayClass.CHANNEL)
                                           .values_list("org_id", "channel").annotate(n=Sum("n")).order_by()):
            add(by["channel"], group_of.get(channel, OTHER_CHANNEL), n)
            add(by["area"], j.area_of.get(org_id, j.org.path), n)
            total += n
        for problem, n in raw_rows(class_rows(j, *built, kind=RegistrationDayClass.PROBLEM)
                                   .values_list("problem_id").annotate(n=Sum("n")).order_by()):
            add(by["problem_top"], top.get(problem) if problem is not None else None, n)
            add(by["problem"], problem, n)
    for a, b in live:
        rows = raw_rows(registered_between(j, a, b).values_list("registered_org_id", "channel", "problem_id")
                        .annotate(n=Count("pk")).order_by())
        for org_id, channel, problem, n in rows:
            add(by["channel"], group_of.get(channel, OTHER_CHANNEL), n)
            add(by["problem_top"], top.get(problem) if problem is not None else None, n)
            add(by["problem"], problem, n)
            add(by["area"], j.area_of.get(org_id, j.org.path), n)
            total += n
    by["total"] = total
    return by


def problem_names():
    """``{id: (name, parent name or "")}`` of the 所属问题 tree, and the first-level entries in order."""
    entries = dict_entries(DictKind.PROBLEM)
    names = {e.pk: e.name for e in entries}
    labels = {e.pk: (e.name, names.get(e.parent_id, "")) for e in entries}
    return labels, [e for e in entries if e.parent_id is None]
