"""Registrations of a jurisdiction over time and by dimension, counted as the reports count
(docs/reports.md §1–2: by registering organization, Asia/Shanghai days, voided cases nowhere).

Each function is one ``GROUP BY`` over a registration-time range of
``petitions.selectors.case_statistics_qs``, which on PostgreSQL the covering statistics index
(petitions 0005) answers without reading the case table. ``daily_counts`` is the seam where the
maintained aggregates of the scale work can replace the scan (docs/cockpit.md §6).
"""
from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from petitions.selectors import case_statistics_qs
from reports.selectors import (
    CHANNEL_GROUPS, COLLECTIVE_Q, PERSONS, SKIP_Q, VISIT_LIKE_Q, VISIT_Q, aware_midnight, dict_entries,
    problem_top_map,
)
from petitions.models import DictKind

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
    """``{day: {n, collective, collective_persons, skip}}`` for every day ``start`` … ``end``."""
    out = {start + timedelta(days=i): dict(ZERO) for i in range((end - start).days + 1)}
    rows = registered_between(j, start, end).annotate(day=TruncDate("registered_at")).values("day").annotate(
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
    """The window's cases by channel group, first-level 所属问题, registered 所属问题 and area:
    one GROUP BY (registering organization, channel, 所属问题), folded here."""
    rows = list(registered_between(j, start, end).values("registered_org_id", "channel", "problem_id").annotate(
        **MEASURES).order_by())
    top = problem_top_map()
    group_of = channel_group_of()
    by = {"channel": {}, "problem_top": {}, "problem": {}, "area": {}}
    total = dict(ZERO)

    def add(bucket, key, row):
        slot = bucket.setdefault(key, dict(ZERO))
        for m in MEASURES:
            slot[m] += row[m] or 0

    for row in rows:
        add(by["channel"], group_of.get(row["channel"], OTHER_CHANNEL), row)
        problem = row["problem_id"]
        add(by["problem_top"], top.get(problem) if problem is not None else None, row)
        add(by["problem"], problem, row)
        add(by["area"], j.area_of.get(row["registered_org_id"], j.org.path), row)
        for m in MEASURES:
            total[m] += row[m] or 0
    by["total"] = total
    return by


def problem_names():
    """``{id: (name, parent name or "")}`` of the 所属问题 tree, and the first-level entries in order."""
    entries = dict_entries(DictKind.PROBLEM)
    names = {e.pk: e.name for e in entries}
    labels = {e.pk: (e.name, names.get(e.parent_id, "")) for e in entries}
    return labels, [e for e in entries if e.parent_id is None]
