"""Hot spots of a jurisdiction: the rule of ``cockpit.domain.hotspots`` over its areas × 所属问题.

One GROUP BY over the nine seven-day windows (63 days), read from the cockpit's day aggregate
(``RegistrationDayClass``) for the days it holds and from the statistics index for the others (today):
at most 9 × registering organizations × 所属问题 rows come back, however many cases there are.
"""
from dataclasses import dataclass

from django.db.models import Case as When_, Count, IntegerField, Sum, Value, When

from cockpit.domain import hotspots as rule
from cockpit.selectors.scope import cases_url, raw_rows
from cockpit.selectors.series import built_days, class_rows, problem_names, registered_between
from reports.selectors import aware_midnight

from cockpit.models import RegistrationDayClass, TextCluster


@dataclass
class Cell:
    area_key: str
    area_label: str
    problem_id: int
    problem_label: str
    problem_parent: str
    counts: list  # oldest window first, the current window last
    verdict: rule.Verdict
    url: str = ""

    @property
    def count(self):
        return self.counts[-1]

    @property
    def baseline(self):
        return round(self.verdict.expected, 1)

    @property
    def p_text(self):
        p = self.verdict.p_value
        return "<0.0001" if p < 0.0001 else f"{p:.4f}"

    @property
    def spark(self):
        """The nine weekly counts as bars of a 90 × 24 inline SVG: ``[(x, y, height, count, current)]``."""
        top = max(self.counts) or 1
        bars = []
        for i, n in enumerate(self.counts):
            h = max(1, round(22 * n / top)) if n else 0
            bars.append((i * 10, 24 - h, h, n, i == len(self.counts) - 1))
        return bars


def window_cells(j, today, *, n_windows=rule.BASELINE_WINDOWS + 1):
    """``{(area key, problem id): [count per window, newest first]}`` for the ``n_windows`` windows
    ending ``today``, and the windows themselves. The window is computed in SQL from the registration
    day (``RegistrationDayClass`` for the days it holds, the cases' registration time for the others);
    the rows come per registering organization (a few thousand at most) and are added up per area here."""
    wins = rule.windows(today, n_windows)

    def bucket(field, bound):
        return When_(*[When(**{f"{field}__gte": bound(start)}, then=Value(i)) for i, (start, _end) in enumerate(wins)],
                     default=Value(n_windows - 1), output_field=IntegerField())

    # The days the aggregate holds from RegistrationDayClass, the others (today) from the cases.
    built, live = built_days(j, wins[-1][0], wins[0][1], classes=True)
    rows = []
    if built is not None:
        rows += raw_rows(class_rows(j, *built, kind=RegistrationDayClass.PROBLEM).exclude(problem_id=None)
                         .annotate(w=bucket("day", lambda d: d))
                         .values_list("w", "org_id", "problem_id").annotate(n=Sum("n")).order_by())
    for a, b in live:
        rows += raw_rows(registered_between(j, a, b).exclude(problem_id=None)
                         .annotate(w=bucket("registered_at", aware_midnight))
                         .values_list("w", "registered_org_id", "problem_id").annotate(n=Count("pk")).order_by())
    area_of, own = j.area_of, j.org.path
    cells = {}
    for w, org_id, problem_id, n in rows:
        key = (area_of.get(org_id, own), problem_id)
        counts = cells.setdefault(key, [0] * n_windows)
        counts[w] += n
    return cells, wins


def hotspots(j, today, *, alpha=rule.ALPHA, min_count=rule.MIN_COUNT):
    """Flagged cells of the current window, most significant first, each with its nine counts."""
    cells, wins = window_cells(j, today)
    labels, _tops = problem_names()
    out = []
    for (area_key, problem_id), counts in cells.items():
        verdict = rule.judge(counts[0], counts[1:], alpha=alpha, min_count=min_count)
        if not verdict.flagged:
            continue
        area = j.area_by_key[area_key]
        name, parent = labels.get(problem_id, (str(problem_id), ""))
        out.append(Cell(
            area_key=area_key, area_label=area.label, problem_id=problem_id, problem_label=name,
            problem_parent=parent, counts=list(reversed(counts)), verdict=verdict,
            url=cases_url(area=area_key, self=area.is_self, problem=problem_id, **{"from": wins[0][0], "to": wins[0][1]}),
        ))
    out.sort(key=lambda c: (c.verdict.p_value, -c.count))
    return out, wins


def text_clusters(j, limit=30):
    """The jurisdiction's stored text clusters, most significant first, each with the link to its cases."""
    clusters = list(TextCluster.objects.filter(org=j.org).order_by("p_value", "-count")[:limit])
    for cluster in clusters:
        cluster.url = cases_url(cluster=cluster.pk)
    return clusters
