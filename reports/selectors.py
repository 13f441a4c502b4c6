"""Statistics: the population of a report and its aggregations, all in SQL.

Counting principle (docs/reports.md §1): a case counts once, for the organization that
registered it (登记机构, 属地统计), in the period that contains its registration time
(``registered_at`` in ``[start 00:00, end + 1 day 00:00)`` Asia/Shanghai). Assignments and
transfers never count a case again, so county figures add up to the prefecture's.

Every function here starts from ``statistics_cases`` (scope + period + source) and groups with
``values().annotate()``; Python only adds up the handful of group rows (one per area or per
dictionary entry), never iterates over cases.
"""
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PATH_STEP, OrgKind, OrgUnit
from accounts.selectors import org_scope_choices
from petitions import clock
from petitions.models import ROUTED_OUTCOMES, Case, CaseEvent, Channel, DictEntry, Evaluation
from petitions.models.dictionary import DictKind
from petitions.domain.deadlines import EVALUATION_DAYS
from petitions.models.workflow import EvaluationSource, Satisfaction
from petitions.selectors import case_statistics_qs
from petitions.workflow import DONE_STATUSES, OPEN_STATUSES, REFUSED_STATUSES, Status
from reports.models import ReportSigners

SOURCE_DIRECT = "direct"
SOURCE_REFERRAL = "referral"
SOURCE_ALL = "all"
SOURCE_CHOICES = [
    (SOURCE_DIRECT, _("来信来访（含网上信访）")),
    (SOURCE_REFERRAL, _("上级交办")),
    (SOURCE_ALL, _("全部")),
]
SOURCE_LABELS = dict(SOURCE_CHOICES)

# Channel groups as the tables show them (信访形式). Phone, fax and e-mail are letters in the
# 2005 sense but offices report 来电 separately; fax and e-mail are rare and go with 来信.
CHANNEL_GROUPS = (
    ("letter", _("来信"), (Channel.LETTER, Channel.FAX, Channel.EMAIL)),
    ("visit", _("来访"), (Channel.VISIT,)),
    # 短信 is written and electronic and offices handle it with the online petitions (docs/reports.md §2).
    ("online", _("网上信访"), (Channel.ONLINE, Channel.SMS)),
    ("phone", _("来电"), (Channel.PHONE,)),
    ("referral", _("上级交办"), (Channel.REFERRAL,)),
)
TERRITORIAL_KINDS = (OrgKind.PREFECTURE, OrgKind.COUNTY, OrgKind.TOWNSHIP)

# Case predicates shared by every report (docs/reports.md §2).
VISIT_Q = Q(channel=Channel.VISIT)
# 上访层次 and 异常访 also count visits that a superior referred down (a 进京访 reaches the
# county as a 上级交办 carrying its visit level).
VISIT_LIKE_Q = Q(channel=Channel.VISIT) | Q(visit_level__isnull=False)
COLLECTIVE_Q = Q(is_collective=True)
REPEAT_Q = Q(is_repeat=True)
FIRST_Q = Q(is_repeat=False)
SKIP_Q = Q(is_skip_level=True)
ONLINE_Q = Q(channel__in=(Channel.ONLINE, Channel.SMS))
DONE_STATUSES = tuple(sorted(DONE_STATUSES))
REFUSED_STATUSES = tuple(sorted(REFUSED_STATUSES))
# A refused case (不予受理/不再受理) is often archived later, and stays a refusal in the statistics.
# An archived case was refused exactly when it was never answered: 已办结 follows only 已答复 (and
# 当面答复 at registration), both of which set ``answered_at``, while a refusal ends the matter
# without an answer. ``answered_at`` is in the statistics index, so the test needs no join with the
# events (docs/reports.md §2, 办理情况).
# A matter routed out of the petition procedure (转送政法机关、纪检监察机关, 导入法定途径) is not
# answered either; its ``outcome`` (also in the statistics index) tells it apart.
ARCHIVED_REFUSAL_Q = Q(status=Status.ARCHIVED, answered_at__isnull=True, outcome="")
REFUSED_Q = Q(status__in=REFUSED_STATUSES) | ARCHIVED_REFUSAL_Q
ROUTED_Q = Q(status=Status.ROUTED_OUT) | Q(status=Status.ARCHIVED, outcome__in=sorted(ROUTED_OUTCOMES))
STATUS_GROUPS = (
    ("open", _("在办"), Q(status__in=sorted(OPEN_STATUSES))),
    ("answered", _("已答复"), Q(status=Status.ANSWERED)),
    ("closed", _("已办结（含归档）"), Q(status=Status.CLOSED) | Q(status=Status.ARCHIVED, answered_at__isnull=False)),
    ("rejected", _("不予受理/不再受理"), REFUSED_Q),
    ("routed", _("转出其他途径"), ROUTED_Q),
)
# Groups shown only when some case is in them (the 总表 keeps its usual rows otherwise).
OPTIONAL_STATUS_GROUPS = frozenset({"routed"})
# Decisions on acceptance made by an event rather than by an organization's 受理: the refusals and
# routing out of the petition procedure (条例第二十二条: 15 days to route).
REFUSAL_ACTIONS = ("reject", "not_reaccept", "route_legal", "route_discipline", "guide_procedure")
# 人次 of a visit: the number of visitors, 1 when not recorded (an individual visit).
PERSONS = Coalesce("visitor_count", Value(1))


def aware_midnight(day):
    """00:00 of ``day`` in the project time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """Inclusive calendar days ``start`` … ``end``; as instants ``[start 00:00, end+1 00:00)``."""

    start: date
    end: date

    @property
    def start_dt(self):
        return aware_midnight(self.start)

    @property
    def end_dt(self):
        return aware_midnight(self.end + timedelta(days=1))

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def previous(self):
        """The period of equal length just before this one (环比)."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self):
        return f"{self.start:%Y年%m月%d日}至{self.end:%Y年%m月%d日}"


@dataclass(frozen=True)
class Scope:
    """What a report covers: an organization's subtree, a period and a source filter."""

    org: OrgUnit
    period: Period
    source: str = SOURCE_ALL

    def label(self):
        return f"{self.org.name}（{SOURCE_LABELS.get(self.source, '')}）"

    @cached_property
    def subtree(self):
        """(id, path, kind, name, sort_order) of every organization in scope: one query per report."""
        return list(OrgUnit.objects.filter(path__startswith=self.org.path).order_by("sort_order", "path")
                    .values_list("id", "path", "kind", "name", "sort_order"))

    @property
    def org_ids(self):
        return [row[0] for row in self.subtree]


@dataclass(frozen=True)
class Area:
    """One row of a per-organization table: the scope's own level or one territorial child."""

    key: str  # path of the child (or of the scope org for 本级)
    label: str
    org: OrgUnit
    is_self: bool


def can_view_statistics(user):
    return user.is_authenticated and user.has_perm("reports.view_statistics")


@dataclass(frozen=True)
class Signers:
    """The sign-off names under a user's reports: 单位负责人 and 填表人."""

    unit_head: str = ""
    preparer: str = ""


def report_signers(user):
    """The names ``user`` saved for his reports; before he saves any, 填表人 is his own name."""
    row = ReportSigners.objects.filter(user_id=user.pk).first()
    if row is None:
        return Signers(preparer=user.display_name)
    return Signers(unit_head=row.unit_head, preparer=row.preparer)


def statistics_root(user):
    """The organization whose subtree the user's statistics cover (his jurisdiction), or None:
    his own unit, or for a petition bureau the government it serves (``jurisdiction_path``)."""
    org = getattr(user, "organization", None)
    if org is None:
        return None
    return org.parent if org.jurisdiction_path != org.path else org


def statistics_org_choices(user):
    """Organizations a user may pick as report scope: his jurisdiction root and the territorial
    units (县/市, 乡/镇) below it. A prefecture may pick a county; a county a township."""
    root = statistics_root(user)
    if root is None or not can_view_statistics(user):
        return OrgUnit.objects.none()
    return org_scope_choices(user).filter(path__startswith=root.path).filter(
        Q(pk=root.pk) | Q(kind__in=TERRITORIAL_KINDS)).order_by("path")


def scope_allowed(user, org):
    root = statistics_root(user)
    return root is not None and can_view_statistics(user) and org.path.startswith(root.path)


REG_SOURCE_REFERRAL = "2"  # 登记来源 上级交办 (petitions/seed.py REG_SOURCE)


def referral_q(prefix=""):
    """上级交办: registered on the referral form, or a letter whose 登记来源 is 上级交办.

    ``prefix`` (e.g. "case__") applies the condition to a related case."""
    ids = list(DictEntry.objects.filter(kind=DictKind.REG_SOURCE, code=REG_SOURCE_REFERRAL).values_list(
        "id", flat=True))
    return Q(**{f"{prefix}channel": Channel.REFERRAL}) | Q(**{f"{prefix}registration_source_id__in": ids})


def source_q(source, prefix=""):
    if source == SOURCE_DIRECT:
        return ~referral_q(prefix)
    if source == SOURCE_REFERRAL:
        return referral_q(prefix)
    return Q()


def scoped_cases(user, scope):
    """Cases registered in the scope's subtree matching the source filter, any time.

    Confidential cases are counted (numbers only; no content or identity leaves this module):
    a report that left out 检举控告 cases would under-report to the level above. Users without
    ``reports.view_statistics`` or asking outside their jurisdiction get nothing. The subtree
    is given as registering-organization ids so that the statistics index (migration
    0005_rep_statistics_index) answers the whole query without reading the table.
    """
    if not scope_allowed(user, scope.org):
        return Case.objects.none()
    return case_statistics_qs(user, scope.org, org_ids=scope.org_ids).filter(source_q(scope.source))


def statistics_cases(user, scope):
    """The report population: ``scoped_cases`` registered within the period."""
    return scoped_cases(user, scope).filter(
        registered_at__gte=scope.period.start_dt, registered_at__lt=scope.period.end_dt)


# ---------------------------------------------------------------- areas (rows per organization)

def scope_areas(scope):
    """Rows of a per-organization table and the map from organization id to row key.

    The scope's own level (本级: the org itself, its bureau and departments) is one row; every
    territorial child (county under a prefecture, township under a county) is its own row
    with its whole subtree.
    """
    org = scope.org
    areas = [Area(key=org.path, label=f"{org.short_name or org.name}本级", org=org, is_self=True)]
    width = len(org.path) + PATH_STEP
    territorial = set()
    for pk, path, kind, name, _sort in scope.subtree:
        if len(path) == width and kind in TERRITORIAL_KINDS:
            areas.append(Area(key=path, label=name, org=OrgUnit(pk=pk, path=path, kind=kind, name=name),
                              is_self=False))
            territorial.add(path)
    area_of = {pk: (path[:width] if path[:width] in territorial else org.path)
               for pk, path, _kind, _name, _sort in scope.subtree}
    return areas, area_of


def aggregate_by_area(qs, scope, measures, *, field="registered_org_id"):
    """``{area key: {measure: value}}`` from one GROUP BY registering organization (a few dozen
    groups, added up here per area); zero for areas without cases."""
    areas, area_of = scope_areas(scope)
    result = {a.key: {m: 0 for m in measures} for a in areas}
    for row in qs.values(field).annotate(**measures).order_by():
        key = area_of.get(row[field], scope.org.path)
        for m in measures:
            result[key][m] += row[m] or 0
    return areas, result


def aggregate_by(qs, field, measures):
    """``{value of field: {measure: value}}`` with one GROUP BY."""
    out = {}
    for row in qs.values(field).annotate(**measures).order_by():
        out[row[field]] = {m: row[m] or 0 for m in measures}
    return out


def count(q=None):
    """件次 (cases), optionally only those matching ``q``."""
    return Count("pk", filter=q) if q is not None else Count("pk")


def batches(q=None):
    """来访批次: visit cases (a collective visit is one 批次)."""
    return Count("pk", filter=VISIT_Q & q if q is not None else VISIT_Q)


def persons(q=None):
    """来访人次: visitors of visit cases (``visitor_count``; 1 when not recorded)."""
    return Sum(PERSONS, filter=VISIT_Q & q if q is not None else VISIT_Q)


def visit_like_batches(q=None):
    return Count("pk", filter=VISIT_LIKE_Q & q if q is not None else VISIT_LIKE_Q)


def channel_q(group_key):
    for key, _label, channels in CHANNEL_GROUPS:
        if key == group_key:
            return Q(channel__in=channels)
    raise KeyError(group_key)


def abnormal_q():
    """Cases with at least one 异常行为: ``id IN (SELECT case_id FROM <link table>)``.

    The link table is small (only visits with a behaviour), so PostgreSQL hashes it once
    (hashed SubPlan) instead of probing it per case."""
    return Q(pk__in=Case.abnormal_behaviors.through.objects.values("case_id"))


def abnormal_by_behaviour(cases, scope):
    """``{(area key, behaviour id): cases}`` over the link table of ``cases`` (one GROUP BY)."""
    through = Case.abnormal_behaviors.through
    org = scope.org
    areas, area_of = scope_areas(scope)
    out = {}
    rows = through.objects.filter(case__in=cases).values("case__registered_org_id", "dictentry_id").annotate(
        n=Count("case_id", distinct=True)).order_by()
    for row in rows:
        key = (area_of.get(row["case__registered_org_id"], org.path), row["dictentry_id"])
        out[key] = out.get(key, 0) + row["n"]
    return out


# ---------------------------------------------------------------- dictionaries

def dict_entries(kind, *, top_level_only=False):
    """Entries of a coded list in display order, inactive ones included (old cases use them)."""
    qs = DictEntry.objects.filter(kind=kind)
    if top_level_only:
        qs = qs.filter(parent__isnull=True)
    return list(qs.order_by("sort_order", "code"))


def problem_top_map():
    """``{problem entry id: id of its first-level ancestor}`` for the whole 所属问题 tree."""
    parents = dict(DictEntry.objects.filter(kind=DictKind.PROBLEM).values_list("id", "parent_id"))
    top = {}
    for pk in parents:
        node = pk
        while parents.get(node):
            node = parents[node]
        top[pk] = node
    return top


def descendant_ids(entry):
    """Ids of a dictionary entry and all entries below it."""
    ids = {entry.pk}
    frontier = [entry.pk]
    while frontier:
        frontier = list(DictEntry.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids.update(frontier)
    return ids


# ---------------------------------------------------------------- chart series
# Seven charts from four groupings: (形式, 集体, 重复), (目的), (所属问题), (登记机构, 月份)
# (reports.definitions.CHART_QUERIES). Each has at most a few hundred groups, added up here per chart.

def _fold(groups, key):
    out = {}
    for g in groups:
        out[key(g)] = out.get(key(g), 0) + g["n"]
    return out


def series_by_purpose(groups):
    counts = _fold(groups, lambda g: g["purpose_id"])
    out = [(e.name, counts.get(e.pk, 0)) for e in dict_entries(DictKind.PURPOSE)]
    if counts.get(None):
        out.append((str(_("未填写")), counts[None]))
    return out


def series_by_channel(groups):
    group_of = {c: key for key, _label, channels in CHANNEL_GROUPS for c in channels}
    counts = _fold(groups, lambda g: group_of.get(g["channel"]))
    return [(str(label), counts.get(key, 0)) for key, label, _channels in CHANNEL_GROUPS]


def series_by_visit_nature(groups):
    """来访性质: 个体访 / 集体访 as (label, 批次, 人次)."""
    out = []
    for label, collective in ((_("个体访"), False), (_("集体访"), True)):
        rows = [g for g in groups if g["channel"] == Channel.VISIT and bool(g["is_collective"]) == collective]
        out.append((str(label), sum(g["n"] for g in rows), sum(g["p"] or 0 for g in rows)))
    return out


def series_by_repeat(groups):
    counts = _fold(groups, lambda g: bool(g["is_repeat"]))
    return [(str(_("初信初访")), counts.get(False, 0)), (str(_("重复信访")), counts.get(True, 0))]


def series_by_problem(qs):
    """所属问题, first level (children add to their parent), of the cases of ``qs``."""
    return problem_series({row["problem_id"]: row["n"] for row in qs.values("problem_id").annotate(n=count())
                           .order_by()})


def problem_series(counts):
    """所属问题, first level, from ``{registered problem id or None: cases}``."""
    top = problem_top_map()
    by_top = {}
    for problem_id, n in counts.items():
        key = top.get(problem_id) if problem_id is not None else None
        by_top[key] = by_top.get(key, 0) + n
    out = [(e.name, by_top.get(e.pk, 0)) for e in dict_entries(DictKind.PROBLEM, top_level_only=True)]
    if by_top.get(None):
        out.append((str(_("未分类")), by_top[None]))
    return out


def chart_time_groups(qs):
    """Cases per (registering organization, calendar month in Asia/Shanghai)."""
    out = []
    for row in qs.annotate(m=TruncMonth("registered_at")).values("registered_org_id", "m").annotate(
            n=count()).order_by():
        month = row["m"]
        if isinstance(month, datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        out.append({"org": row["registered_org_id"], "month": (month.year, month.month), "n": row["n"]})
    return out


def series_by_area(groups, scope):
    areas, area_of = scope_areas(scope)
    counts = _fold(groups, lambda g: area_of.get(g["org"], scope.org.path))
    return [(a.label, counts.get(a.key, 0)) for a in areas]


def series_by_month(groups, period):
    """Every month of the period, with its count."""
    counts = _fold(groups, lambda g: g["month"])
    out = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        out.append((f"{y}-{m:02d}", counts.get((y, m), 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# ---------------------------------------------------------------- KPIs

def kpi_counts(user, scope, *, today=None):
    """Numerators and denominators of the KPIs per area (docs/reports.md §4), four queries.

    Populations differ by indicator: acceptance by acceptance deadline in the period, handling
    by handling deadline (extensions included) in the period, participation by answer time,
    satisfaction by evaluation time, the rest by registration time. A case whose deadline is
    in the period but still running and undecided is not yet due and is left out.

    Queries: (1) one pass over the cases with conditional aggregates, read from the statistics
    index alone; (2) refusals (不予受理/不再受理), which decide acceptance at the time of their
    event; (3) cases answered in the period that have an evaluation (参评率); (4) evaluations
    made in the period (满意率).
    """
    today = today or clock.today()
    p = scope.period
    in_period = Q(registered_at__gte=p.start_dt, registered_at__lt=p.end_dt)
    acc_period = Q(acceptance_due__gte=p.start, acceptance_due__lte=p.end)
    hdl_period = Q(handling_due__gte=p.start, handling_due__lte=p.end)
    answered = Q(answered_at__gte=p.start_dt, answered_at__lt=p.end_dt)
    hdl_due = hdl_period & (Q(answered_at__isnull=False) | Q(handling_due__lt=today))
    scoped = scoped_cases(user, scope)
    qs = scoped.filter(in_period | acc_period | hdl_period | answered).annotate(
        _acc_day=TruncDate("accepted_at"), _ans_day=TruncDate("answered_at"))
    measures = {
        # Accepted, or overdue and not accepted; refused cases are added from query (2).
        "acc_due": count(acc_period & (Q(accepted_at__isnull=False) | Q(acceptance_due__lt=today))),
        "acc_ok": count(acc_period & Q(_acc_day__lte=F("acceptance_due"))),
        "hdl_due": count(hdl_due),
        "hdl_ok": count(hdl_due & Q(_ans_day__lte=F("handling_due"))),
        "answered": count(answered),
        "total": count(in_period),
        "repeat": count(in_period & REPEAT_Q),
        "visits": visit_like_batches(in_period),
        "skip": visit_like_batches(in_period & SKIP_Q),
        "online": count(in_period & ONLINE_Q),
    }
    areas, result = aggregate_by_area(qs, scope, measures)

    # (2) A refused case was never accepted; it may since have been archived. Its acceptance
    # deadline is 15 days after registration, so its registration lies in the year before the
    # period end (a bound for the index range scan, not a change of population).
    candidates = scoped.filter(
        acc_period, accepted_at__isnull=True, status__in=REFUSED_STATUSES + (Status.ROUTED_OUT, Status.ARCHIVED),
        registered_at__gte=p.start_dt - timedelta(days=366), registered_at__lt=p.end_dt,
    ).annotate(_refused_day=TruncDate(Subquery(CaseEvent.objects.filter(
        case_id=OuterRef("pk"), action__in=REFUSAL_ACTIONS).order_by("created_at").values("created_at")[:1])))
    refusal_measures = {"ok": count(Q(_refused_day__lte=F("acceptance_due")))}
    if p.end >= today:  # refused cases not yet past their deadline are due too (decided)
        refusal_measures["not_overdue"] = count(Q(_refused_day__isnull=False, acceptance_due__gte=today))
    _areas, refused = aggregate_by_area(candidates, scope, refusal_measures)

    # (3) 参评: cases answered in the period with an evaluation. An evaluation judges the answer,
    # so it is never older than the answer: only evaluations since the period start can match.
    # 超期未评价: answered in the period, never evaluated, and the evaluation window has passed.
    evaluated_ids = Evaluation.objects.filter(evaluated_at__gte=p.start_dt).values("case_id")
    window_closed = timezone.make_aware(datetime.combine(today - timedelta(days=EVALUATION_DAYS), time.min))
    rated = scoped.filter(answered).annotate(_rated=Exists(evaluated_ids.filter(case_id=OuterRef("pk"))))
    _areas, rated = aggregate_by_area(rated, scope, {
        "rated": count(Q(_rated=True)),
        "eval_overdue": count(Q(_rated=False, answered_at__lt=window_closed)),
    })

    # (4) 满意率: evaluations made in the period, by the area and source of their case (a voided case's
    # evaluations leave the statistics with it, as case_statistics_qs leaves the case).
    evaluations = Evaluation.objects.none()
    if scope_allowed(user, scope.org):
        evaluations = Evaluation.objects.filter(
            evaluated_at__gte=p.start_dt, evaluated_at__lt=p.end_dt,
            case__registered_org_id__in=scope.org_ids).filter(source_q(scope.source, "case__")).exclude(
            case__status=Status.VOIDED)
    _areas, ev = aggregate_by_area(evaluations, scope, {
        "ev_total": count(),
        "ev_satisfied": count(Q(value=Satisfaction.SATISFIED)),
        "ev_basic": count(Q(value=Satisfaction.BASIC)),
        "ev_unsatisfied": count(Q(value=Satisfaction.UNSATISFIED)),
        "ev_portal": count(Q(source=EvaluationSource.PORTAL)),
        "ev_recorded": count(Q(source=EvaluationSource.RECORDED)),
    }, field="case__registered_org_id")
    for key in result:
        result[key]["acc_due"] += refused[key].get("not_overdue", 0)
        result[key]["acc_ok"] += refused[key]["ok"]
        result[key].update(rated[key])
        result[key].update(ev[key])
    return areas, result
