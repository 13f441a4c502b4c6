"""The numbers of the reports: from the aggregates, and from the case tables.

A report asks for *measures*: 件次 or 人次 of the cases matching a predicate (``Pred``), per area
(``by_area``), per dictionary entry (``by_entry``) and so on. Each predicate is written twice, side by side:
as a condition on a case (``Pred.case``, the from-scratch definition of docs/reports.md) and as a condition
on the cells of the aggregates that can answer it (``Pred.cells``). Two sources answer the same questions:

- ``CELLS`` (what the pages, exports and charts read): sums of cells (``reports.aggregates``), a few
  hundred rows for a year of a prefecture whatever the number of cases;
- ``CASES``: the same measures counted from the case tables (``reports.selectors``), the computation the
  aggregates must equal at every moment (tests/reports/test_aggregates.py compares every report built
  from both).
"""
import calendar
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import TruncMonth

from petitions import clock
from petitions.domain.deadlines import EVALUATION_DAYS
from petitions.models import Channel
from petitions.models.workflow import EvaluationSource, Satisfaction
from petitions.workflow import DONE_STATUSES as DONE

from reports import selectors as s
from reports.models import (
    DUE_ON_TIME, DUE_OPEN, NO_ID, RATED_SINCE, RATED_YES, ClassCell, DeadlineCell, EvaluationCell, RegistrationCell,
    Span,
)

CUBES = ("reg", "problem", "purpose", "abnormal")
ENTRY_CUBES = ("problem", "purpose")


# ---------------------------------------------------------------- predicates and measures

@dataclass(frozen=True)
class Pred:
    """A condition on a case (``case``: a Q over ``petitions.Case``, or a function returning one) and the
    same condition on the cells of each cube able to evaluate it (``cells``: cube name → Q)."""

    case: object
    cells: dict = field(default_factory=dict)

    def case_q(self):
        return self.case() if callable(self.case) else self.case

    def __and__(self, other):
        return Pred(lambda: self.case_q() & other.case_q(),
                    {c: self.cells[c] & other.cells[c] for c in self.cells.keys() & other.cells.keys()})

    def __invert__(self):
        return Pred(lambda: ~self.case_q(), {c: ~q for c, q in self.cells.items()})


def _on(cubes, q):
    return {c: q for c in cubes}


ALL = Pred(Q(), _on(CUBES, Q()))
VISIT = Pred(s.VISIT_Q, _on(("reg", *ENTRY_CUBES), Q(channel=Channel.VISIT)))
# A referral carrying a visit level counts as a visit in 上访层次 and 异常访 (docs/reports.md §2).
VISIT_LIKE = Pred(s.VISIT_LIKE_Q, {"reg": Q(channel=Channel.VISIT) | ~Q(visit_level_id=NO_ID)})
COLLECTIVE = Pred(s.COLLECTIVE_Q, {"reg": Q(is_collective=True)})
REPEAT = Pred(s.REPEAT_Q, _on(("reg", *ENTRY_CUBES), Q(is_repeat=True)))
FIRST = Pred(s.FIRST_Q, _on(("reg", *ENTRY_CUBES), Q(is_repeat=False)))
SKIP = Pred(s.SKIP_Q, {"reg": Q(is_skip_level=True)})
ABNORMAL = Pred(s.abnormal_q, {"reg": Q(abnormal=True)})
DONE_PRED = Pred(Q(status__in=sorted(DONE)), {"reg": Q(done=True)})
NO_VISIT_LEVEL = Pred(Q(visit_level__isnull=True), {"reg": Q(visit_level_id=NO_ID)})


def channel_group(key):
    """信访形式 group ``key`` of ``selectors.CHANNEL_GROUPS``."""
    channels = next(channels for k, _label, channels in s.CHANNEL_GROUPS if k == key)
    return Pred(s.channel_q(key), _on(("reg", *ENTRY_CUBES), Q(channel__in=channels)))


def visit_level(pk):
    return Pred(Q(visit_level_id=pk), {"reg": Q(visit_level_id=pk)})


def status_group(key):
    """办理情况 group ``key`` of ``selectors.STATUS_GROUPS``."""
    q = next(q for k, _label, q in s.STATUS_GROUPS if k == key)
    return Pred(q, {"reg": Q(**{f"st_{key}": True})})


def purpose(pk):
    """信访目的 ``pk`` (None: not given)."""
    return Pred(Q(purpose_id=pk) if pk else Q(purpose__isnull=True), {"purpose": Q(entry_id=pk or NO_ID)})


@dataclass(frozen=True)
class Measure:
    """件次 (``what`` "n": cases, a visit being one 批次) or 人次 ("persons": ``visitor_count``, 1 when not
    recorded) of the cases matching ``pred``."""

    what: str
    pred: Pred

    def for_cases(self):
        q = self.pred.case_q()
        if self.what == "n":
            return Count("pk", filter=q) if q else Count("pk")
        return Sum(s.PERSONS, filter=q) if q else Sum(s.PERSONS)

    def for_cells(self, cube, sign=None):
        q = self.pred.cells[cube]
        return _signed_sum(self.what, sign, filter=q if q else None)


def _signed_sum(column, sign=None, filter=None):
    """SUM of ``column``, each row's value times ``sign`` (an expression, ``CellFigures.signed_parts``)."""
    return Sum(column if sign is None else F(column) * sign, filter=filter)


def cases(pred=ALL):
    return Measure("n", pred)


def persons(pred=ALL):
    return Measure("persons", pred)


# ---------------------------------------------------------------- which cells cover a period

def _month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def span_plan(start, end, cuts=()):
    """How the days ``start`` … ``end`` are read: (first days of the calendar months read as month cells,
    [(first, last) day ranges read as day cells]). A month is read whole when it lies inside the period and
    no ``cut`` falls after its first day (the KPI compares days with today: a month cell must lie wholly
    before or after it); adjacent day ranges are merged."""
    months, ranges = [], []
    day = start
    while day <= end:
        last = _month_end(day)
        if day.day == 1 and last <= end and not any(day < cut <= last for cut in cuts):
            months.append(day)
        elif ranges and ranges[-1][1] == day - timedelta(days=1):
            ranges[-1] = (ranges[-1][0], min(last, end))
        else:
            ranges.append((day, min(last, end)))
        day = last + timedelta(days=1)
    return months, ranges


def signed_plan(start, end, *, today):
    """Like ``span_plan``, for sums that may subtract: (months read as month cells, days read as day cells,
    days whose day cells are subtracted). A calendar month only partly inside the period is read as its
    month cell minus the day cells of its days outside the period when those days, not counting the ones
    after ``today`` (which hold no registrations yet), are fewer than its days inside: a month cell is the
    sum of its month's day cells (``aggregates.facts_cells`` writes both), so the figures are the same,
    read from far fewer rows (docs/performance.md §14: a year's ends were ~31 days of day cells, more rows
    than the 11 whole months). Only for cells by registration day, which need no cuts (``CellFigures.by_entry``,
    ``by_form``, ``by_month``)."""
    months, plus, minus = [], [], []
    day = start
    while day <= end:
        first, last = day.replace(day=1), _month_end(day)
        inside = [day + timedelta(days=i) for i in range((min(last, end) - day).days + 1)]
        outside = [first + timedelta(days=i) for i in range((day - first).days)]
        outside += [end + timedelta(days=i) for i in range(1, (last - end).days + 1)]
        if not outside:
            months.append(first)
        elif len([d for d in outside if d <= today]) < len(inside):
            months.append(first)
            minus += outside
        else:
            plus += inside
        day = last + timedelta(days=1)
    return months, plus, minus


def span_q(start, end, cuts=()):
    """The cells that count the days ``start`` … ``end`` exactly once (``span_plan``)."""
    months, ranges = span_plan(start, end, cuts)
    q = Q(pk__in=[])
    if months:
        q |= Q(span=Span.MONTH, day__in=months)
    for first, last in ranges:
        q |= Q(span=Span.DAY, day__gte=first, day__lte=last)
    return q


# ---------------------------------------------------------------- the two sources

class CaseFigures:
    """The measures counted from the case tables: the from-scratch computation (docs/reports.md)."""

    name = "cases"

    def by_area(self, user, scope, measures):
        return s.aggregate_by_area(s.statistics_cases(user, scope), scope,
                                   {k: m.for_cases() for k, m in measures.items()})

    def by_entry(self, user, scope, dim, measures):
        """``{entry id or None: {measure: value}}`` of 所属问题 (``dim`` "problem") or 信访目的 ("purpose")."""
        return s.aggregate_by(s.statistics_cases(user, scope), f"{dim}_id",
                              {k: m.for_cases() for k, m in measures.items()})

    def by_behaviour(self, user, scope):
        """``{(area key, 异常行为 id): cases}``."""
        return s.abnormal_by_behaviour(s.statistics_cases(user, scope), scope)

    def by_form(self, user, scope):
        """Groups of (channel, is_collective, is_repeat) with 件次 ``n`` and 人次 ``p`` (the charts)."""
        return list(s.statistics_cases(user, scope).values("channel", "is_collective", "is_repeat").annotate(
            n=Count("pk"), p=Sum(s.PERSONS)).order_by())

    def by_month(self, user, scope):
        """Cases per registering organization and calendar month: [{"org", "month": (y, m), "n"}]."""
        return s.chart_time_groups(s.statistics_cases(user, scope))

    def kpi(self, user, scope, *, today):
        return s.kpi_counts(user, scope, today=today)


def _source_q(source):
    if source == s.SOURCE_DIRECT:
        return Q(referral=False)
    if source == s.SOURCE_REFERRAL:
        return Q(referral=True)
    return Q()


class CellFigures:
    """The measures as sums of the aggregates' cells (``reports.aggregates``)."""

    name = "cells"

    def cells(self, model, user, scope, *, cuts=(), **filters):
        """``model``'s cells of the scope's organizations, source and period (``span_q``), or none when
        the user may not count the scope (``selectors.scope_allowed``, as ``case_statistics_qs``)."""
        if not s.scope_allowed(user, scope.org):
            return model.objects.none()
        return model.objects.filter(span_q(scope.period.start, scope.period.end, cuts), _source_q(scope.source),
                                    org_id__in=scope.org_ids, **filters)

    def signed_parts(self, model, user, scope, **filters):
        """The cells of ``signed_plan`` as (queryset, sign) pairs: the month cells (sign None: added), then
        the day cells with ``sign`` an expression, -1 on the subtracted days and 1 on the others. Two
        queries instead of one OR of the two spans, which PostgreSQL answers with a scan of the whole
        table; each of these is one range of the cells' key index."""
        if not s.scope_allowed(user, scope.org):
            return []
        base = model.objects.filter(_source_q(scope.source), org_id__in=scope.org_ids, **filters)
        months, plus, minus = signed_plan(scope.period.start, scope.period.end, today=clock.today())
        parts = []
        if months:
            parts.append((base.filter(span=Span.MONTH, day__in=months), None))
        if plus or minus:
            sign = Case(When(day__in=minus, then=Value(-1)), default=Value(1)) if minus else None
            parts.append((base.filter(span=Span.DAY, day__in=sorted(plus + minus)), sign))
        return parts

    def _cube_qs(self, cube, user, scope):
        if cube == "reg":
            return self.cells(RegistrationCell, user, scope)
        return self.cells(ClassCell, user, scope, dim=cube)

    def by_area(self, user, scope, measures):
        by_cube = {}
        for key, m in measures.items():
            cube = next(c for c in ("reg", *ENTRY_CUBES) if c in m.pred.cells)
            by_cube.setdefault(cube, {})[f"m_{key}"] = m.for_cells(cube)  # m_: the cells' own columns are n …
        areas = s.scope_areas(scope)[0]
        values = {a.key: {} for a in areas}
        for cube, compiled in by_cube.items():
            _areas, part = s.aggregate_by_area(self._cube_qs(cube, user, scope), scope, compiled, field="org_id")
            for key, row in part.items():
                values[key].update({name[2:]: v for name, v in row.items()})
        return areas, values

    def signed_groups(self, model, user, scope, group, sums, *, alias=None, **filters):
        """``{group values: {name: sum}}`` of ``model``'s cells of the scope (``signed_parts``), grouped by
        the columns ``group``; ``sums(sign)`` gives the aggregates by name; ``alias``: computed columns
        to group by. Each part is one GROUP BY; the parts are added here."""
        out = {}
        for qs, sign in self.signed_parts(model, user, scope, **filters):
            aggregates = sums(sign)
            for row in qs.annotate(**(alias or {})).values(*group).annotate(**aggregates).order_by():
                acc = out.setdefault(tuple(row[g] for g in group), dict.fromkeys(aggregates, 0))
                for name in aggregates:
                    acc[name] += row[name] or 0
        return out

    def by_entry(self, user, scope, dim, measures):
        groups = self.signed_groups(ClassCell, user, scope, ["entry_id"], lambda sign: {
            "cells_n": _signed_sum("n", sign), **{f"m_{k}": m.for_cells(dim, sign) for k, m in measures.items()}},
            dim=dim)
        # Only entries with cases, as a GROUP BY over cases has: a cell may be 0 once its cases have moved on.
        return {(None if entry_id == NO_ID else entry_id): {k: row[f"m_{k}"] for k in measures}
                for (entry_id,), row in groups.items() if row["cells_n"] > 0}

    def by_behaviour(self, user, scope):
        areas, area_of = s.scope_areas(scope)
        out = {}
        for row in self._cube_qs("abnormal", user, scope).values("org_id", "entry_id").annotate(
                m_n=Sum("n")).order_by():
            key = (area_of.get(row["org_id"], scope.org.path), row["entry_id"])
            out[key] = out.get(key, 0) + row["m_n"]
        return out

    def by_form(self, user, scope):
        group = ["channel", "is_collective", "is_repeat"]
        groups = self.signed_groups(RegistrationCell, user, scope, group, lambda sign: {
            "n": _signed_sum("n", sign), "p": _signed_sum("persons", sign)})
        return [{**dict(zip(group, key)), **row} for key, row in groups.items()]

    def by_month(self, user, scope):
        groups = self.signed_groups(RegistrationCell, user, scope, ["org_id", "m"],
                                    lambda sign: {"n": _signed_sum("n", sign)}, alias={"m": TruncMonth("day")})
        return [{"org": org, "month": (m.year, m.month), "n": row["n"]} for (org, m), row in groups.items()]

    def kpi(self, user, scope, *, today):
        """The KPI numerators and denominators per area (docs/reports.md §4) from three kinds of cells:
        registrations, deadlines and answers by their day, evaluations by theirs."""
        p = scope.period
        areas, result = self.by_area(user, scope, KPI_REGISTRATION)
        window = today - timedelta(days=EVALUATION_DAYS)  # answered before this day: the window has passed
        rated = Q(state=RATED_YES) | Q(state=RATED_SINCE, aux_day__gte=p.start)
        deadlines = self.cells(DeadlineCell, user, scope, cuts=(today, window))
        _areas, due = s.aggregate_by_area(deadlines, scope, {
            "acc_due": Sum("n", filter=Q(kind="acc") & (~Q(state=DUE_OPEN) | Q(day__lt=today))),
            "acc_ok": Sum("n", filter=Q(kind="acc", state=DUE_ON_TIME)),
            "hdl_due": Sum("n", filter=Q(kind="hdl") & (~Q(state=DUE_OPEN) | Q(day__lt=today))),
            "hdl_ok": Sum("n", filter=Q(kind="hdl", state=DUE_ON_TIME)),
            "answered": Sum("n", filter=Q(kind="ans")),
            "rated": Sum("n", filter=Q(kind="ans") & rated),
            "eval_overdue": Sum("n", filter=Q(kind="ans", day__lt=window) & ~rated),
        }, field="org_id")
        _areas, ev = s.aggregate_by_area(self.cells(EvaluationCell, user, scope), scope, {
            "ev_total": Sum("n"),
            "ev_satisfied": Sum("n", filter=Q(value=Satisfaction.SATISFIED)),
            "ev_basic": Sum("n", filter=Q(value=Satisfaction.BASIC)),
            "ev_unsatisfied": Sum("n", filter=Q(value=Satisfaction.UNSATISFIED)),
            "ev_portal": Sum("n", filter=Q(source=EvaluationSource.PORTAL)),
            "ev_recorded": Sum("n", filter=Q(source=EvaluationSource.RECORDED)),
        }, field="org_id")
        for key in result:
            result[key].update(due[key])
            result[key].update(ev[key])
        return areas, result


# The KPIs counted by registration time (重复信访率, 越级访占比, 网信占比; docs/reports.md §4).
KPI_REGISTRATION = {
    "total": cases(),
    "repeat": cases(REPEAT),
    "visits": cases(VISIT_LIKE),
    "skip": cases(VISIT_LIKE & SKIP),
    "online": cases(channel_group("online")),
}

CASES = CaseFigures()
CELLS = CellFigures()
