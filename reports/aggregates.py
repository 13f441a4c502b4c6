"""The statistics aggregates: kept exact in the transaction of every change to a case.

Every figure of the six reports, the charts and the KPI table is a sum of *cells* (``reports.models``:
``RegistrationCell``, ``ClassCell``, ``DeadlineCell``, ``EvaluationCell``), one per day (and one per
calendar month) and combination of the dimensions the reports use. What one case contributes is its
*facts* (``CaseFacts``): its dimensions evaluated by ``facts_queryset`` with the reports' own predicates
(``reports.selectors``), in SQL. The cells of a facts row follow from ``PROJECTIONS`` (column picks,
nothing computed), in Python for a few cases and in SQL for all of them.

- ``statistics_refresh(case_ids)``: every writer of cases calls it, through
  ``accounts.hooks.CASES_CHANGED`` (``petitions.services.events.cases_changed``), as the last step of its
  transaction: the facts of those cases are computed afresh and compared with the stored ones (row
  locked), and the difference of their cells is added with ``INSERT … ON CONFLICT DO UPDATE SET n = n +
  excluded.n``, so concurrent transactions never lose an increment. Cells are written in key order and
  after the audit chain's head row, so writers never wait for each other in opposite orders.
- ``statistics_add_sql`` / ``statistics_rebuild``: the same facts and cells set-based in SQL, for a bulk
  load (the benchmark generator, in its own transaction) and for ``manage.py rebuild_statistics``, which
  also checks (``--check``) that the stored aggregates equal the from-scratch computation.

docs/reports.md §8 has the design and its reasons.
"""
import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import (
    BooleanField, Case, CharField, DateField, DateTimeField, Exists, ExpressionWrapper, F, FilteredRelation,
    IntegerField, OuterRef, Q, Subquery, Value, When,
)
from django.db.models.functions import Coalesce, TruncDate

from petitions import clock
from petitions.models import Case as CaseModel
from petitions.models import CaseEvent, EvaluationTarget
from petitions.workflow import VOIDED_STATUSES, Status

from reports.models import (
    DUE_LATE, DUE_ON_TIME, DUE_OPEN, NO_DAY, NO_ID, RATED_NO, RATED_SINCE, RATED_YES, CaseBehaviourFacts, CaseFacts,
    ClassCell, DeadlineCell, EvaluationCell, RegistrationCell, Span, StatisticsBuild,
)
from reports.selectors import (
    DONE_STATUSES, PERSONS, REFUSAL_ACTIONS, REFUSED_STATUSES, STATUS_GROUPS, abnormal_q, referral_q,
)

# Bump when the facts of a case would be computed differently: ``migrate`` then rebuilds (``statistics_ensure``).
FACTS_VERSION = 1

# Refusals and routing decide acceptance at the time of their first event when the case was never
# accepted and is (still) refused, routed out or archived (reports.selectors.kpi_counts, query 2).
REFUSAL_DECIDED_STATUSES = (*REFUSED_STATUSES, Status.ROUTED_OUT, Status.ARCHIVED)

CHUNK = 1000  # cases per facts query of a refresh
UPSERT_ROWS = 400  # cells per INSERT … ON CONFLICT statement (SQLite's limit of bound variables)
CELL_MODELS = (RegistrationCell, ClassCell, DeadlineCell, EvaluationCell)
FACT_FIELDS = [f.column for f in CaseFacts._meta.fields]


def _bool(q):
    """``q`` as a column, true or false: a condition on a NULL column is NULL in SQL, which a filter
    treats as false, and so do the facts."""
    return Coalesce(ExpressionWrapper(q, output_field=BooleanField()), Value(False), output_field=BooleanField())


def facts_queryset(*, few=False):
    """Every case with its facts as annotations ``x_<CaseFacts field>``: one definition, evaluated in SQL,
    for one case and for ten million alike.

    ``few``: the caller filters a handful of cases (``statistics_refresh``, in every writer's transaction).
    异常访 is then tested per case (``EXISTS`` on the link table's case index) instead of as
    ``abnormal_q``'s hashed list of the whole link table, which is right for all cases at once but made
    each registration read every link row (3,700 at 300,000 cases, linear in the table;
    docs/performance.md §14). The same predicate either way.

    The predicates are the reports' own (``reports.selectors``: the status groups, 办结, the source filter,
    visit-like, 人次); the KPI states follow ``kpi_counts`` (acceptance decided by the first 受理 or, for a
    case never accepted and now refused, routed out or archived, by its first refusal or routing event;
    the answer against the handling deadline; the latest evaluation against the answer)."""
    refused_at = Subquery(CaseEvent.objects.filter(case_id=OuterRef("pk"), action__in=REFUSAL_ACTIONS)
                          .order_by("created_at").values("created_at")[:1])
    evb, evu = "x_evb", "x_evu"
    last_eval = Case(
        When(**{f"{evb}__evaluated_at__isnull": True}, then=F(f"{evu}__evaluated_at")),
        When(**{f"{evu}__evaluated_at__isnull": True}, then=F(f"{evb}__evaluated_at")),
        When(**{f"{evb}__evaluated_at__gte": F(f"{evu}__evaluated_at")}, then=F(f"{evb}__evaluated_at")),
        default=F(f"{evu}__evaluated_at"), output_field=DateTimeField())
    qs = CaseModel.objects.order_by().annotate(**{
        evb: FilteredRelation("evaluations", condition=Q(evaluations__target=EvaluationTarget.BUREAU)),
        evu: FilteredRelation("evaluations", condition=Q(evaluations__target=EvaluationTarget.UNIT)),
    }).alias(
        _accepted_day=TruncDate("accepted_at"),
        _refused_day=TruncDate(Case(When(Q(accepted_at__isnull=True, status__in=REFUSAL_DECIDED_STATUSES),
                                         then=refused_at), output_field=DateTimeField())),
        _ans_day=TruncDate("answered_at"),
        _last_eval_day=TruncDate(last_eval),
    ).alias(
        _rated=Case(
            When(answered_at__isnull=True, then=Value(RATED_NO)),
            When(_last_eval_day__isnull=True, then=Value(RATED_NO)),
            When(_last_eval_day__gte=F("_ans_day"), then=Value(RATED_YES)),
            default=Value(RATED_SINCE), output_field=IntegerField()),
    )
    status_groups = {f"x_st_{key}": _bool(q) for key, _label, q in STATUS_GROUPS}
    return qs.annotate(
        x_case_id=F("pk"),
        x_counted=_bool(~Q(status__in=VOIDED_STATUSES)),
        x_reg_day=TruncDate("registered_at"),
        x_org_id=F("registered_org_id"),
        x_referral=_bool(referral_q()),
        x_channel=F("channel"),
        x_visit_level_id=Coalesce("visit_level_id", Value(NO_ID)),
        x_purpose_id=Coalesce("purpose_id", Value(NO_ID)),
        x_problem_id=Coalesce("problem_id", Value(NO_ID)),
        x_is_repeat=F("is_repeat"),
        x_is_collective=F("is_collective"),
        x_is_skip_level=F("is_skip_level"),
        x_abnormal=_bool(Q(Exists(CaseModel.abnormal_behaviors.through.objects.filter(case_id=OuterRef("pk"))))
                         if few else abnormal_q()),
        **status_groups,
        x_done=_bool(Q(status__in=DONE_STATUSES)),
        x_persons=PERSONS,
        x_acc_day=F("acceptance_due"),
        x_acc_state=Case(
            When(accepted_at__isnull=False, then=Case(
                When(_accepted_day__lte=F("acceptance_due"), then=Value(DUE_ON_TIME)), default=Value(DUE_LATE))),
            When(_refused_day__isnull=False, then=Case(
                When(_refused_day__lte=F("acceptance_due"), then=Value(DUE_ON_TIME)), default=Value(DUE_LATE))),
            default=Value(DUE_OPEN), output_field=IntegerField()),
        x_hdl_day=F("handling_due"),
        x_hdl_state=Case(
            When(answered_at__isnull=False, then=Case(
                When(_ans_day__lte=F("handling_due"), then=Value(DUE_ON_TIME)), default=Value(DUE_LATE))),
            default=Value(DUE_OPEN), output_field=IntegerField()),
        x_ans_day=F("_ans_day"),
        x_rated=F("_rated"),
        x_rated_day=Case(When(_rated=RATED_SINCE, then=F("_last_eval_day")), default=Value(NO_DAY),
                         output_field=DateField()),
        x_evb_day=TruncDate(f"{evb}__evaluated_at"),
        x_evb_value=Coalesce(f"{evb}__value", Value(""), output_field=CharField()),
        x_evb_source=Coalesce(f"{evb}__source", Value(""), output_field=CharField()),
        x_evu_day=TruncDate(f"{evu}__evaluated_at"),
        x_evu_value=Coalesce(f"{evu}__value", Value(""), output_field=CharField()),
        x_evu_source=Coalesce(f"{evu}__source", Value(""), output_field=CharField()),
    )


def _facts_values(qs):
    return qs.values(*(f"x_{name}" for name in FACT_FIELDS))


# ---------------------------------------------------------------- projections: facts → cells

@dataclass(frozen=True)
class Const:
    value: object


BEHAVIOUR = object()  # the key column of a behaviour cell: CaseBehaviourFacts.behaviour_id


@dataclass(frozen=True)
class Projection:
    """The cells one facts row contributes to ``model``: none when its ``day`` column is empty, else one
    per span with the key columns taken from the facts (a column name) or fixed (``Const``), and the
    measures ``n`` (1 per case) and, where the model has it, ``persons``. ``BEHAVIOUR`` keys give one
    cell per 异常行为 of the case."""

    model: type
    day: str
    keys: tuple  # ((cell column, facts column | Const | BEHAVIOUR), ...)
    persons: bool = True

    @property
    def key_columns(self):
        return [column for column, _source in self.keys]

    @property
    def per_behaviour(self):
        return any(source is BEHAVIOUR for _column, source in self.keys)

    @property
    def measure_columns(self):
        return ["n", "persons"] if self.persons else ["n"]


_AREA = (("org_id", "org_id"), ("referral", "referral"))
PROJECTIONS = (
    Projection(RegistrationCell, "reg_day", _AREA + tuple((c, c) for c in (
        "channel", "visit_level_id", "is_repeat", "is_collective", "is_skip_level", "abnormal", "st_open",
        "st_answered", "st_closed", "st_rejected", "st_routed", "done"))),
    Projection(ClassCell, "reg_day", _AREA + (("dim", Const("problem")), ("entry_id", "problem_id"),
                                              ("channel", "channel"), ("is_repeat", "is_repeat"))),
    Projection(ClassCell, "reg_day", _AREA + (("dim", Const("purpose")), ("entry_id", "purpose_id"),
                                              ("channel", "channel"), ("is_repeat", "is_repeat"))),
    Projection(ClassCell, "reg_day", _AREA + (("dim", Const("abnormal")), ("entry_id", BEHAVIOUR),
                                              ("channel", Const("")), ("is_repeat", Const(False)))),
    Projection(DeadlineCell, "acc_day", _AREA + (("kind", Const("acc")), ("state", "acc_state"),
                                                 ("aux_day", Const(NO_DAY))), persons=False),
    Projection(DeadlineCell, "hdl_day", _AREA + (("kind", Const("hdl")), ("state", "hdl_state"),
                                                 ("aux_day", Const(NO_DAY))), persons=False),
    Projection(DeadlineCell, "ans_day", _AREA + (("kind", Const("ans")), ("state", "rated"),
                                                 ("aux_day", "rated_day")), persons=False),
    Projection(EvaluationCell, "evb_day", _AREA + (("value", "evb_value"), ("source", "evb_source")), persons=False),
    Projection(EvaluationCell, "evu_day", _AREA + (("value", "evu_value"), ("source", "evu_source")), persons=False),
)


def month_start(day):
    return day.replace(day=1)


def facts_cells(facts, behaviours=()):
    """Yield ``(model, (span, day, *key), measures)`` for one facts row (a dict of CaseFacts columns) and
    its 异常行为 ids."""
    if not facts["counted"]:
        return
    for p in PROJECTIONS:
        day = facts[p.day]
        if day is None:
            continue
        measures = (1, facts["persons"]) if p.persons else (1,)
        for behaviour in (sorted(behaviours) if p.per_behaviour else (None,)):
            key = tuple(source.value if isinstance(source, Const) else behaviour if source is BEHAVIOUR
                        else facts[source] for _column, source in p.keys)
            yield p.model, (Span.DAY, day, *key), measures
            yield p.model, (Span.MONTH, month_start(day), *key), measures


# ---------------------------------------------------------------- maintenance: one transaction's cases

def _normalise(row):
    """A facts dict with each value as the model field stores it (booleans from SQLite's 0/1 …)."""
    out = {}
    for field in CaseFacts._meta.fields:
        value = row[field.column]
        out[field.column] = None if value is None else field.to_python(value)
    return out


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def statistics_refresh(case_ids):
    """Bring the aggregates of ``case_ids`` up to date inside the caller's transaction.

    Called (``accounts.hooks.CASES_CHANGED``) by every writer of cases after its last write to them and
    after its audit row. Locks the cases' facts rows, computes their facts afresh, and for those that
    changed subtracts the old cells and adds the new ones. Idempotent: calling it again changes nothing.
    Returns the number of cases whose facts changed."""
    ids = sorted({int(pk) for pk in case_ids if pk is not None})
    if not ids:
        return 0
    delta = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    changed_total = 0
    with transaction.atomic():
        for chunk in _chunks(ids, CHUNK):
            old = {row["case_id"]: row for row in CaseFacts.objects.select_for_update().filter(case_id__in=chunk)
                   .order_by("case_id").values(*FACT_FIELDS)}
            old_b, new_b = defaultdict(set), defaultdict(set)
            for case_id, behaviour in CaseBehaviourFacts.objects.filter(facts_id__in=chunk).values_list(
                    "facts_id", "behaviour_id"):
                old_b[case_id].add(behaviour)
            new = {}
            for row in _facts_values(facts_queryset(few=True).filter(pk__in=chunk)):
                row = _normalise({name: row[f"x_{name}"] for name in FACT_FIELDS})
                new[row["case_id"]] = row
            through = CaseModel.abnormal_behaviors.through
            for case_id, behaviour in through.objects.filter(case_id__in=chunk).values_list("case_id",
                                                                                             "dictentry_id"):
                new_b[case_id].add(behaviour)
            changed = [pk for pk in chunk if old.get(pk) != new.get(pk) or old_b[pk] != new_b[pk]]
            if not changed:
                continue
            changed_total += len(changed)
            for pk in changed:
                if pk in old:
                    for model, key, measures in facts_cells(old[pk], old_b[pk]):
                        acc = delta[model][key]
                        for i, m in enumerate(measures):
                            acc[i] -= m
                if pk in new:
                    for model, key, measures in facts_cells(new[pk], new_b[pk]):
                        acc = delta[model][key]
                        for i, m in enumerate(measures):
                            acc[i] += m
            _facts_write(changed, old, new, new_b)
        for model in CELL_MODELS:
            cells = {key: values for key, values in delta.get(model, {}).items() if any(values)}
            if cells:
                _cells_add(model, cells)
    return changed_total


def _facts_write(changed, old, new, new_b):
    gone = [pk for pk in changed if pk not in new]  # a case that no longer exists counts nowhere
    if gone:
        CaseFacts.objects.filter(case_id__in=gone).delete()
    updated = [CaseFacts(**new[pk]) for pk in changed if pk in new and pk in old]
    if updated:
        CaseFacts.objects.bulk_update(updated, [f for f in FACT_FIELDS if f != "case_id"], batch_size=500)
    created = [CaseFacts(**new[pk]) for pk in changed if pk in new and pk not in old]
    if created:
        CaseFacts.objects.bulk_create(created, batch_size=500)
    CaseBehaviourFacts.objects.filter(facts_id__in=changed).delete()
    CaseBehaviourFacts.objects.bulk_create([CaseBehaviourFacts(facts_id=pk, behaviour_id=b)
                                            for pk in changed if pk in new for b in sorted(new_b[pk])],
                                           batch_size=500)


def _key_columns(model):
    return ["span", "day"] + next(p.key_columns for p in PROJECTIONS if p.model is model)


def _measure_columns(model):
    return ["n", "persons"] if any(f.name == "persons" for f in model._meta.fields) else ["n"]


def _upsert_tail(model, table=None):
    """``ON CONFLICT … DO UPDATE``: the measures of an existing cell grow by the new row's."""
    table = table or model._meta.db_table
    keys = ", ".join(_key_columns(model))
    sets = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in _measure_columns(model))
    return f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"


def _cells_add(model, cells):
    """Add ``{(span, day, *key): [n, persons]}`` to ``model``'s cells, in key order."""
    table = model._meta.db_table
    columns = _key_columns(model) + _measure_columns(model)
    width = len(_measure_columns(model))
    rows = sorted(cells.items(), key=lambda item: tuple(str(v) for v in item[0]))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cur:
        for chunk in _chunks(rows, UPSERT_ROWS):
            params = []
            for key, values in chunk:
                params.extend(key)
                params.extend(values[:width])
            cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                        + ", ".join([placeholders] * len(chunk)) + _upsert_tail(model), params)


# ---------------------------------------------------------------- set-based: a bulk load, a rebuild, a check

def _month_sql(column, vendor):
    if vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _facts_select(case_filter=None):
    """(sql, params) of the facts of every case (or those matching ``case_filter``, a Q over Case), with the
    columns in ``FACT_FIELDS`` order."""
    qs = facts_queryset()
    if case_filter is not None:
        qs = qs.filter(case_filter)
    sql, params = _facts_values(qs).query.sql_with_params()
    columns = ", ".join(f"s.x_{name}" for name in FACT_FIELDS)
    return f"SELECT {columns} FROM ({sql}) s", list(params)


def _projection_sql(p, span, *, facts_table, behaviours_table, cells_table, where="", params=(), vendor):
    """INSERT … SELECT of the cells of ``p`` for ``span`` from the facts rows of ``facts_table`` (alias f)
    matching ``where``, added to ``cells_table`` (ON CONFLICT: + n)."""
    day = f"f.{p.day}"
    day_expr = _month_sql(day, vendor) if span == Span.MONTH else day
    select, group, args = [f"{day_expr}"], [day_expr], []
    for _column, source in p.keys:
        if isinstance(source, Const):
            select.append("%s")
            args.append(source.value)
        else:
            expr = "b.behaviour_id" if source is BEHAVIOUR else f"f.{source}"
            select.append(expr)
            group.append(expr)
    select.append("COUNT(*)")
    if p.persons:
        select.append("SUM(f.persons)")
    join = f" JOIN {behaviours_table} b ON b.case_id = f.case_id" if p.per_behaviour else ""
    columns = ["span", "day"] + p.key_columns + p.measure_columns
    truth = "true" if vendor == "postgresql" else "1"
    sql = (f"INSERT INTO {cells_table} ({', '.join(columns)}) SELECT %s, {', '.join(select)} "
           f"FROM {facts_table} f{join} WHERE f.counted = {truth} AND {day} IS NOT NULL{where} "
           f"GROUP BY {', '.join(group)}" + _upsert_tail(p.model, cells_table))
    return sql, [span.value if hasattr(span, "value") else span] + args + list(params)


def statistics_add_sql(*, first_case_id, vendor=None):
    """The statements that add the cases with ``id >= first_case_id`` (none of which has facts yet) to the
    aggregates: their facts, their 异常行为, then their cells per projection and span. For a bulk load
    that runs them on its own connection in its own transaction (``bench.generator``)."""
    vendor = vendor or connection.vendor
    facts = CaseFacts._meta.db_table
    behaviours = CaseBehaviourFacts._meta.db_table
    select, params = _facts_select(Q(pk__gte=first_case_id))
    through = CaseModel.abnormal_behaviors.through._meta.db_table
    statements = [
        (f"INSERT INTO {facts} ({', '.join(FACT_FIELDS)}) {select}", params),
        (f"INSERT INTO {behaviours} (case_id, behaviour_id) SELECT case_id, dictentry_id FROM {through} "
         f"WHERE case_id >= %s", [first_case_id]),
    ]
    for p in PROJECTIONS:
        for span in (Span.DAY, Span.MONTH):
            statements.append(_projection_sql(
                p, span, facts_table=facts, behaviours_table=behaviours, cells_table=p.model._meta.db_table,
                where=" AND f.case_id >= %s", params=[first_case_id], vendor=vendor))
    return statements


def statistics_ensure():
    """After ``migrate`` (``accounts.hooks.BASE_DATA``): rebuild the aggregates when they were never built
    or were built by an older facts definition (``FACTS_VERSION``), once every migration is applied (the
    facts query reads the current schema; a partial ``migrate`` leaves them for the full one)."""
    from django.db.migrations.executor import MigrationExecutor

    if StatisticsBuild._meta.db_table not in connection.introspection.table_names():
        return
    build = StatisticsBuild.objects.first()
    if build is not None and build.version == FACTS_VERSION:
        return
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    statistics_rebuild()


@dataclass
class Difference:
    """What ``statistics_rebuild(check=True)`` found: cases whose stored facts differ from their facts
    computed now (their numbers, at most ``SAMPLE``), and cells that differ per table."""

    facts: int = 0
    facts_sample: tuple = ()
    cells: dict = None

    SAMPLE = 20

    @property
    def any(self):
        return bool(self.facts or any(self.cells.values()))


def _tables():
    return [CaseFacts._meta.db_table, CaseBehaviourFacts._meta.db_table] + [m._meta.db_table for m in CELL_MODELS]


def statistics_rebuild(*, check=False, start=None, end=None):
    """Recompute the aggregates from the case tables.

    Without a period: every case's facts and every cell are rebuilt (the tables locked against writers
    meanwhile). With ``start``/``end`` (local dates): the cases registered in those days are refreshed
    (``statistics_refresh``: their cells move by the difference). With ``check``: nothing is written; the
    facts of every case and every cell (within the period, when given) are computed from scratch into
    temporary tables and compared with the stored ones; returns a ``Difference``."""
    if check:
        return _check(start=start, end=end)
    if start is not None or end is not None:
        qs = CaseModel.objects.all()
        if start is not None:
            qs = qs.filter(registered_at__gte=_midnight(start))
        if end is not None:
            qs = qs.filter(registered_at__lt=_midnight(end + timedelta(days=1)))
        changed = 0
        for chunk in _chunks(list(qs.order_by("pk").values_list("pk", flat=True)), 20 * CHUNK):
            changed += statistics_refresh(chunk)
        return changed
    vendor = connection.vendor
    with transaction.atomic(), connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute(f"LOCK TABLE {', '.join(_tables())} IN EXCLUSIVE MODE")
            cur.execute(f"TRUNCATE {', '.join(_tables())}")
        else:
            for table in _tables():
                cur.execute(f"DELETE FROM {table}")
        for sql, params in statistics_add_sql(first_case_id=0, vendor=vendor):
            cur.execute(sql, params)
        StatisticsBuild.objects.all().delete()
        StatisticsBuild.objects.create(version=FACTS_VERSION, built_at=clock.now())
    return None


def _midnight(day):
    from reports.selectors import aware_midnight

    return aware_midnight(day)


def _check(*, start, end):
    """Compute facts and cells from scratch into temporary tables and compare (see statistics_rebuild)."""
    vendor = connection.vendor
    result = Difference(cells={})
    facts, behaviours = CaseFacts._meta.db_table, CaseBehaviourFacts._meta.db_table
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cur:
        if vendor == "postgresql" and outermost:
            # One snapshot for the cases and the stored aggregates: a writer committing meanwhile cannot
            # make them look different.
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        temp = {table: f"tmp_{table}" for table in _tables()}
        for table, name in temp.items():
            cur.execute(f"DROP TABLE IF EXISTS {name}")
            cur.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT * FROM {table} WHERE 1 = 0")
        for model in CELL_MODELS:
            keys = ", ".join(_key_columns(model))
            cur.execute(f"CREATE UNIQUE INDEX {temp[model._meta.db_table]}_key ON {temp[model._meta.db_table]} "
                        f"({keys})")
        select, params = _facts_select()
        cur.execute(f"INSERT INTO {temp[facts]} ({', '.join(FACT_FIELDS)}) {select}", params)
        through = CaseModel.abnormal_behaviors.through._meta.db_table
        cur.execute(f"INSERT INTO {temp[behaviours]} (id, case_id, behaviour_id) "
                    f"SELECT id, case_id, dictentry_id FROM {through}")
        for p in PROJECTIONS:
            for span in (Span.DAY, Span.MONTH):
                sql, args = _projection_sql(p, span, facts_table=temp[facts], behaviours_table=temp[behaviours],
                                            cells_table=temp[p.model._meta.db_table], vendor=vendor)
                cur.execute(sql, args)

        # Facts: rows that differ either way, for cases registered in the period.
        where, args = _day_range("reg_day", start, end)
        columns = ", ".join(FACT_FIELDS)
        cur.execute(f"SELECT case_id FROM (SELECT {columns} FROM {facts} WHERE 1 = 1{where} EXCEPT "
                    f"SELECT {columns} FROM {temp[facts]} WHERE 1 = 1{where}) a UNION "
                    f"SELECT case_id FROM (SELECT {columns} FROM {temp[facts]} WHERE 1 = 1{where} EXCEPT "
                    f"SELECT {columns} FROM {facts} WHERE 1 = 1{where}) b", args * 4)
        ids = sorted(row[0] for row in cur.fetchall())
        behaviour_rows = (f"SELECT case_id, behaviour_id FROM {{t}} WHERE case_id IN "
                          f"(SELECT case_id FROM {facts} WHERE 1 = 1{where})")
        cur.execute(f"SELECT case_id FROM ({behaviour_rows.format(t=behaviours)} EXCEPT "
                    f"{behaviour_rows.format(t=temp[behaviours])}) a UNION SELECT case_id FROM "
                    f"({behaviour_rows.format(t=temp[behaviours])} EXCEPT {behaviour_rows.format(t=behaviours)}) b",
                    args * 4)
        ids = sorted(set(ids) | {row[0] for row in cur.fetchall()})
        result.facts = len(ids)
        result.facts_sample = tuple(CaseModel.objects.filter(pk__in=ids[:Difference.SAMPLE]).order_by("pk")
                                    .values_list("number", flat=True))

        # Cells: non-zero cells that differ either way, within the period.
        for model in CELL_MODELS:
            table = model._meta.db_table
            columns = ", ".join(_key_columns(model) + _measure_columns(model))
            nonzero = " OR ".join(f"{m} <> 0" for m in _measure_columns(model))
            where, args = _cells_range(start, end)
            stored = f"SELECT {columns} FROM {table} WHERE ({nonzero}){where}"
            fresh = f"SELECT {columns} FROM {temp[table]} WHERE ({nonzero}){where}"
            cur.execute(f"SELECT COUNT(*) FROM ({stored} EXCEPT {fresh}) a", args * 2)
            missing_or_wrong = cur.fetchone()[0]
            cur.execute(f"SELECT COUNT(*) FROM ({fresh} EXCEPT {stored}) a", args * 2)
            result.cells[model.__name__] = max(missing_or_wrong, cur.fetchone()[0])
        for name in temp.values():
            cur.execute(f"DROP TABLE {name}")
        transaction.set_rollback(True)
    return result


def _day_range(column, start, end):
    where, args = "", []
    if start is not None:
        where += f" AND {column} >= %s"
        args.append(start)
    if end is not None:
        where += f" AND {column} <= %s"
        args.append(end)
    return where, args


def _cells_range(start, end):
    """Cells of days in the period and of the calendar months wholly inside it."""
    if start is None and end is None:
        return "", []
    first = start or NO_DAY
    last = end or NO_DAY.replace(year=9999)
    month_from = first if first.day == 1 else (first.replace(day=calendar.monthrange(first.year, first.month)[1])
                                               + timedelta(days=1))
    month_to = last.replace(day=1)
    if last.day != calendar.monthrange(last.year, last.month)[1]:
        month_to = (month_to - timedelta(days=1)).replace(day=1)
    return (" AND ((span = 'd' AND day >= %s AND day <= %s) OR (span = 'm' AND day >= %s AND day <= %s))",
            [first, last, month_from, month_to])
