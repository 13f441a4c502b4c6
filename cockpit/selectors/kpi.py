"""The KPIs with their trend, read from the snapshots the scan stores (``KpiSnapshot``), never
recomputed on the page: a KPI reads every case of the jurisdiction (docs/reports.md §9)."""
from datetime import date

from django.utils.translation import gettext_lazy as _

from reports.tables import pct, pct_text

from cockpit.models import KpiSnapshot

# (key, label, numerator, denominator, lower is better); the definitions are docs/reports.md §4.
KPIS = (
    ("acc_pct", _("及时受理率"), "acc_ok", "acc_due", False),
    ("hdl_pct", _("按期办结率"), "hdl_ok", "hdl_due", False),
    ("sat_pct", _("群众满意率"), "sat", "ev_total", False),
    ("rated_pct", _("参评率"), "rated", "rated_due", False),
    ("repeat_pct", _("重复信访率"), "repeat", "total", True),
    ("skip_pct", _("越级访占比"), "skip", "visits", True),
    ("online_pct", _("网信占比"), "online", "total", False),
)


def _derived(values):
    v = dict(values)
    v["sat"] = v.get("ev_satisfied", 0) + v.get("ev_basic", 0)
    v["rated_due"] = v.get("rated", 0) + v.get("eval_overdue", 0)
    return v


def kpi_trend(j, today, *, months=6):
    """``(rows, computed_at)``: per KPI its monthly values (oldest first), the latest and the change
    against the month before; ``computed_at`` of the newest snapshot (None when there is none)."""
    first = date(today.year, today.month, 1)
    wanted = []
    for i in range(months - 1, -1, -1):
        y, m = first.year, first.month - i
        while m < 1:
            y, m = y - 1, m + 12
        wanted.append(date(y, m, 1))
    snaps = {s.month: s for s in KpiSnapshot.objects.filter(org=j.org, month__in=wanted)}
    computed = max((s.computed_at for s in snaps.values()), default=None)
    rows = []
    for key, label, num, den, lower in KPIS:
        points = []
        for month in wanted:
            snap = snaps.get(month)
            value = None
            if snap is not None:
                v = _derived(snap.values)
                value = pct(v.get(num, 0), v.get(den, 0))
            points.append({"month": f"{month:%Y-%m}", "value": value})
        values = [p["value"] for p in points]
        latest = values[-1] if values else None
        previous = values[-2] if len(values) > 1 else None
        change = None if latest is None or previous is None else round((latest - previous) * 100, 1)
        better = None if change in (None, 0) else ((change < 0) == lower)
        rows.append({"key": key, "label": label, "points": points, "latest": latest, "previous": previous,
                     "change": change, "better": better, "lower_is_better": lower, "latest_text": pct_text(latest),
                     "change_text": "" if change is None else _("%(c)+.1f个百分点") % {"c": change},
                     "points_text": "，".join(f"{p['month']} {pct_text(p['value'])}" for p in points)})
    return rows, computed
