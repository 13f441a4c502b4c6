"""The cockpit of each role, assembled from the other selectors into what the pages show: tiles
(figure, comparison, link), chart specifications (categories, series, one link per point; drawn
by static/js/cockpit.js with ECharts and repeated as tables) and lists.

Figures count the jurisdiction (``case_statistics_qs``); each links to ``cockpit:cases``, which lists
the cases behind it that the user may open (``case_visible_qs``).
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import jurisdiction_path
from petitions.selectors import case_visible_qs
from reports.selectors import CHANNEL_GROUPS, aware_midnight

from cockpit.domain import hotspots as hotspot_rule
from cockpit.selectors.states import VOIDED
from cockpit.models import TextCluster
from cockpit.selectors import backlog, charges, deadlines, kpi, series
from cockpit.selectors.hotspots import hotspots
from cockpit.selectors.scope import cases_url
from cockpit.selectors.warnings import open_warnings

WINDOWS = (7, 28, 91)
DEFAULT_WINDOW = 28
TREND_WEEKS = 13


@dataclass
class Tile:
    key: str
    label: str
    value: object
    url: str = ""
    compare: list = None  # [(label, value, change text, up?)]
    alert: bool = False
    note: str = ""


def change(current, before):
    """(text, direction) of current against before: "+12.5%" / "−3" / "新增"; direction 1, -1, 0."""
    if before is None:
        return "", 0
    if not before:
        return ("—", 0) if not current else (_("新增"), 1)
    ratio = (current - before) / before * 100
    return f"{ratio:+.1f}%", (ratio > 0) - (ratio < 0)


def _compare(label, current, before):
    text, direction = change(current, before)
    return {"label": label, "value": before, "text": text, "direction": direction}


def chart(key, title, categories, series_list, *, kind="bar", horizontal=False, note=""):
    """A chart for static/js/cockpit.js, with ``rows`` for the table under it (the same numbers, each
    linked to its list): ``[(category, [(value, link or "")])]``, in reading order."""
    categories = [str(c) for c in categories]
    series_list = [{"name": str(s["name"]), "data": s["data"], "links": s.get("links"), "compare": s.get("compare", False)}
                   for s in series_list]
    rows = [(category, [(s["data"][i], (s["links"] or [""] * len(categories))[i]) for s in series_list])
            for i, category in enumerate(categories)]
    if horizontal:
        rows.reverse()  # a horizontal chart lists its first category at the bottom
    return {"id": key, "title": str(title), "kind": kind, "horizontal": horizontal, "categories": categories,
            "series": series_list, "note": str(note), "rows": rows}


def charts_json(charts):
    """What the browser needs of ``charts`` (the tables are in the page already)."""
    return [{k: v for k, v in c.items() if k != "rows"} for c in charts if c]


def _weeks(daily, today, n=TREND_WEEKS):
    """Rolling seven-day windows ending today, oldest first: [(start, end, totals)]."""
    out = []
    for i in range(n - 1, -1, -1):
        end = today - timedelta(days=7 * i)
        start = end - timedelta(days=6)
        out.append((start, end, series.window_sum(daily, start, end)))
    return out


def situation(j, today, *, days=DEFAULT_WINDOW, full=True):
    """Leaders and statisticians: the jurisdiction's situation (docs/cockpit.md §1)."""
    days = days if days in WINDOWS else DEFAULT_WINDOW
    trend_start = today - timedelta(days=7 * TREND_WEEKS - 1)
    now = series.daily_counts(j, trend_start, today)
    ly = series.daily_counts(j, trend_start - series.LAST_YEAR, today - series.LAST_YEAR)
    week_start = today - timedelta(days=6)
    this_week = series.window_sum(now, week_start, today)
    last_week = series.window_sum(now, week_start - timedelta(days=7), today - timedelta(days=7))
    ly_week = series.window_sum(ly, week_start - series.LAST_YEAR, today - series.LAST_YEAR)
    w_start = today - timedelta(days=days - 1)
    p_start, p_end = w_start - timedelta(days=days), w_start - timedelta(days=1)
    current = series.breakdown(j, w_start, today)
    if days <= 91 - days:  # the previous window lies inside the trend's days
        previous_total = series.window_sum(now, p_start, p_end)["n"]
        previous = series.breakdown(j, p_start, p_end) if full else None
    else:
        previous = series.breakdown(j, p_start, p_end)
        previous_total = previous["total"]
    ly_window = series.window_sum(ly, w_start - series.LAST_YEAR, today - series.LAST_YEAR) if days <= 91 else None
    cells, wins = hotspots(j, today)
    units, due_totals = deadlines.late_units(j, today, limit=12)
    as_of = (_("截至 %(time)s") % {"time": f"{timezone.localtime(due_totals['computed_at']):%H:%M}"}
             if due_totals["computed_at"] else "")
    warnings = open_warnings(j.user, limit=6)
    week_url = cases_url(**{"from": week_start, "to": today})
    window_url = cases_url(**{"from": w_start, "to": today})

    tiles = [
        Tile("week", _("近7日登记"), this_week["n"], week_url, [
            _compare(_("前7日"), this_week["n"], last_week["n"]),
            _compare(_("去年同期"), this_week["n"], ly_week["n"])]),
        None if days == 7 else Tile("window", _("近%(d)d日登记") % {"d": days}, current["total"], window_url, [
            _compare(_("前%(d)d日") % {"d": days}, current["total"], previous_total),
            _compare(_("去年同期"), current["total"], ly_window["n"] if ly_window else None)]),
        Tile("collective", _("近7日集体访（批次/人次）"),
             f'{this_week["collective"]}/{this_week["collective_persons"]}',
             cases_url(collective=1, **{"from": week_start, "to": today}), [
                 _compare(_("前7日批次"), this_week["collective"], last_week["collective"])]),
        Tile("skip", _("近7日越级访（批次）"), this_week["skip"], cases_url(skip=1, **{"from": week_start, "to": today}),
             [_compare(_("前7日"), this_week["skip"], last_week["skip"])]),
        Tile("overdue", _("超期未结"), due_totals["overdue"], cases_url(state="overdue"),
             alert=bool(due_totals["overdue"]), note=as_of),
        Tile("soon", _("即将到期（3日内）"), due_totals["soon"], cases_url(state="soon"), note=as_of),
        Tile("hotspots", _("热点（近7日）"), len(cells), "#hotspots", alert=bool(cells)),
        Tile("charges", _("领导包案（在办）"), charges.open_charges_count(j), cases_url(charged=1)),
    ]
    tiles = [t for t in tiles if t is not None]
    weeks_now, weeks_ly = _weeks(now, today), _weeks(ly, today - series.LAST_YEAR)
    week_labels = [f"{end:%m-%d}" for _s, end, _t in weeks_now]
    charts = [chart("weekly", _("登记量（按周，近13周，与去年同期）"), week_labels, [
        {"name": _("本期"), "data": [t["n"] for *_x, t in weeks_now],
         "links": [cases_url(**{"from": s, "to": e}) for s, e, _t in weeks_now]},
        {"name": _("去年同期"), "data": [t["n"] for *_x, t in weeks_ly], "links": None, "compare": True},
    ], kind="line")]
    if full:
        daily_days = [today - timedelta(days=i) for i in range(27, -1, -1)]
        charts.append(chart("daily", _("登记量（按日，近28日，与去年同期）"), [f"{d:%m-%d}" for d in daily_days], [
            {"name": _("本期"), "data": [now[d]["n"] for d in daily_days],
             "links": [cases_url(**{"from": d, "to": d}) for d in daily_days]},
            {"name": _("去年同期"), "data": [ly.get(d - series.LAST_YEAR, series.ZERO)["n"] for d in daily_days],
             "links": None, "compare": True},
        ], kind="line"))
        charts.append(chart("visits", _("集体访与越级访（按周，批次）"), week_labels, [
            {"name": _("集体访"), "data": [t["collective"] for *_x, t in weeks_now],
             "links": [cases_url(collective=1, **{"from": s, "to": e}) for s, e, _t in weeks_now]},
            {"name": _("越级访"), "data": [t["skip"] for *_x, t in weeks_now],
             "links": [cases_url(skip=1, **{"from": s, "to": e}) for s, e, _t in weeks_now]},
        ], kind="line"))
        charts.extend(_breakdown_charts(j, current, previous, w_start, today, days))
    kpis, kpi_computed, kpi_charts = [], None, []
    if full:
        kpis, kpi_computed = kpi.kpi_trend(j, today)
        for row in kpis:
            row["chart_id"] = f"kpi_{row['key']}"
            kpi_charts.append(chart(row["chart_id"], row["label"], [p["month"] for p in row["points"]], [
                {"name": row["label"], "data": [p["value"] for p in row["points"]], "links": None}], kind="spark"))
    unit_chart = chart("units", _("超期和即将到期的件（按承办单位）"), [u.name for u in units], [
        {"name": _("已超期"), "data": [u.overdue for u in units], "links": [u.overdue_url for u in units]},
        {"name": _("3日内到期"), "data": [u.soon for u in units], "links": [u.soon_url for u in units]},
    ], horizontal=True, note=as_of)
    unit_chart["stack"] = True
    return {
        "jurisdiction": j, "today": today, "days": days, "windows": WINDOWS, "tiles": tiles, "charts": charts,
        "unit_chart": unit_chart, "units": units, "hotspots": cells[:12], "hotspot_windows": wins,
        "hotspot_rule": hotspot_rule, "warnings": warnings, "window": (w_start, today),
        "kpis": kpis, "kpi_computed": kpi_computed, "kpi_charts": kpi_charts,
        "clusters": list(TextCluster.objects.filter(org=j.org).order_by("p_value", "-count")[:8]) if full else [],
    }


def _breakdown_charts(j, current, previous, start, end, days):
    span = {"from": start, "to": end}
    prev_label = _("前%(d)d日") % {"d": days}
    out = []
    groups = [(key, label) for key, label, _c in CHANNEL_GROUPS]
    if current["channel"].get(series.OTHER_CHANNEL) or (previous or {}).get("channel", {}).get(series.OTHER_CHANNEL):
        groups.append((series.OTHER_CHANNEL, _("其他")))
    out.append(chart("channel", _("按信访形式"), [str(label) for _k, label in groups], [
        {"name": _("本期"), "data": [current["channel"].get(k, 0) for k, _l in groups],
         "links": [cases_url(channel=k, **span) for k, _l in groups]},
        {"name": prev_label, "data": [(previous or {}).get("channel", {}).get(k, 0) for k, _l in groups],
         "links": None, "compare": True},
    ]))
    labels, tops = series.problem_names()
    ranked = sorted(tops, key=lambda e: -current["problem_top"].get(e.pk, 0))[:10]
    ranked = [e for e in ranked if current["problem_top"].get(e.pk, 0)] or ranked[:5]
    ranked.reverse()  # the largest at the top of a horizontal chart
    out.append(chart("problem", _("按所属问题（一级，前10）"), [e.name for e in ranked], [
        {"name": _("本期"), "data": [current["problem_top"].get(e.pk, 0) for e in ranked],
         "links": [cases_url(problem=e.pk, **span) for e in ranked]},
        {"name": prev_label, "data": [(previous or {}).get("problem_top", {}).get(e.pk, 0)
                                      for e in ranked], "links": None, "compare": True},
    ], horizontal=True))
    out.append(chart("area", _("按区域（登记机构所在地）"), [a.label for a in j.areas], [
        {"name": _("本期"), "data": [current["area"].get(a.key, 0) for a in j.areas],
         "links": [cases_url(area=a.key, self=a.is_self, **span) for a in j.areas]},
        {"name": prev_label, "data": [(previous or {}).get("area", {}).get(a.key, 0) for a in j.areas],
         "links": None, "compare": True},
    ]))
    return out


# ---------------------------------------------------------------- triage

def intake(user, today):
    """分流员: the pool's age profile and today's intake (what the user may open)."""
    ages, pool_overdue = deadlines.pool_age_profile(user, today)
    prefix = jurisdiction_path(user) or ""
    todays = case_visible_qs(user).filter(
        registered_path__startswith=prefix, registered_at__gte=aware_midnight(today),
        registered_at__lt=aware_midnight(today + timedelta(days=1))).exclude(status=VOIDED)
    # One pass over today's registrations, by channel and hour, folded both ways here.
    by_channel, by_hour = {}, {}
    rows = todays.annotate(h=ExtractHour("registered_at")).values("channel", "h").annotate(n=Count("pk")).order_by()
    for row in rows:
        by_channel[row["channel"]] = by_channel.get(row["channel"], 0) + row["n"]
        by_hour[row["h"]] = by_hour.get(row["h"], 0) + row["n"]
    group_of = series.channel_group_of()
    channels = {}
    for channel, n in by_channel.items():
        key = group_of.get(channel, series.OTHER_CHANNEL)
        channels[key] = channels.get(key, 0) + n
    groups = [(key, str(label)) for key, label, _c in CHANNEL_GROUPS]
    if channels.get(series.OTHER_CHANNEL):
        groups.append((series.OTHER_CHANNEL, _("其他")))
    day = {"from": today, "to": today}
    hours = list(range(7, 21))
    return {
        "ages": ages, "pool_total": sum(a["n"] for a in ages), "pool_overdue": pool_overdue,
        "pool_overdue_url": cases_url(pool=1, state="overdue"),
        "today_total": sum(by_channel.values()), "today_url": cases_url(**day),
        "charts": [
            chart("pool_age", _("分流池件龄（自登记起）"), [str(a["label"]) for a in ages], [
                {"name": _("待分流"), "data": [a["n"] for a in ages], "links": [a["url"] for a in ages]}]),
            chart("intake_channel", _("今日登记（按信访形式）"), [label for _k, label in groups], [
                {"name": _("今日"), "data": [channels.get(k, 0) for k, _l in groups],
                 "links": [cases_url(channel=k, **day) for k, _l in groups]}]),
            chart("intake_hour", _("今日登记（按时段）"), [f"{h}:00" for h in hours], [
                {"name": _("今日"), "data": [by_hour.get(h, 0) for h in hours], "links": None}]),
        ],
    }


# ---------------------------------------------------------------- handler

def handler(user, today):
    buckets, soonest, counts = deadlines.handler_deadlines(user, today)
    return {
        "buckets": buckets, "soonest": soonest, "pending": counts["pending"] or 0, "accepted": counts["accepted"] or 0,
        "charts": [chart("deadlines", _("本单位承办件期限"), [str(b["label"]) for b in buckets], [
            {"name": _("件数"), "data": [b["n"] for b in buckets], "links": [b["url"] for b in buckets]}])],
    }


def backlog_lists(j, today):
    overdue, overdue_total = backlog.overdue_matters(j, today)
    repeats, repeats_total = backlog.repeat_matters(j, today)
    return {"overdue": overdue, "overdue_total": overdue_total, "repeats": repeats, "repeats_total": repeats_total,
            "repeat_min": backlog.REPEAT_MIN, "repeat_days": backlog.REPEAT_DAYS}
