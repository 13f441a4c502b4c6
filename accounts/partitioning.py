"""Yearly RANGE partitions of the append-only logs on PostgreSQL (docs/architecture.md §4.4,
docs/performance.md "Partitions").

The audit log, the case trail (``petitions_caseevent``) and the personal-data view log
(``petitions_caseview``) are partitioned by RANGE of ``created_at``, one partition per calendar year
in the office's time zone (``settings.TIME_ZONE``, Asia/Shanghai: a year's partition holds exactly
the rows a search "from 1 January to 31 December" of that year reads), plus a DEFAULT partition so
that an insert never fails. Names: ``<table>_y2027`` (one year), ``<table>_upto2026`` (the table as it
was before partitioning: every row up to the end of 2026, attached whole instead of copied) and
``<table>_default``.

What a partitioned table changes, and how it is handled here:

- the primary key must contain the partition key: in the database it is ``(id, created_at)``, while
  Django keeps ``id`` as the model's pk (ids come from one sequence, owned by the parent's ``id``);
- a foreign key cannot reference ``id`` alone any more: the links to these tables are
  ``db_constraint=False`` (rows are append-only, so what they point to is never deleted except by an
  archiving of old years, docs/architecture.md §4.4);
- the single-column UNIQUE constraints (``seq`` and ``row_hash`` of the chains, ``audit_id`` of the
  trail) cannot exist on the parent; each partition keeps them as its own constraints (the chain's
  order is guarded by its head row lock and checked by ``verify_audit``, which reports a duplicated
  ``seq``);
- the append-only guard: the row trigger on the parent propagates to every partition; a TRUNCATE
  trigger does not, so every partition gets its own (``accounts.append_only``).

SQLite has no partitions: everything here is PostgreSQL-only and the callers check the vendor.
"""
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.append_only import pg_protect_partition, pg_protect_partitioned, pg_unguard

log = logging.getLogger(__name__)

DEFAULT = "default"
_NAME = re.compile(r"^(?P<parent>.+)_(?P<kind>y|upto)(?P<year>\d{4})$")
_BOUND = re.compile(r"FOR VALUES FROM \((?P<start>[^)]*)\) TO \((?P<end>[^)]*)\)")
MAX_NAME = 63  # PostgreSQL identifiers


def year_start(year):
    """1 January of ``year``, 00:00 in the office's time zone (a partition boundary)."""
    return datetime(year, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def local_year(moment=None):
    return timezone.localtime(moment or timezone.now()).year


def current_year():
    """This year in the office's time zone (what ``--ensure`` and ``--detach`` count from)."""
    return local_year()


def _literal(moment):
    return f"'{moment.isoformat()}'"


def _q(connection, name):
    return connection.ops.quote_name(name)


@dataclass
class Partition:
    """One partition of a partitioned log: ``start``/``end`` are aware datetimes (None for
    MINVALUE/MAXVALUE), ``default`` for the DEFAULT partition, ``attached`` False for a table left
    detached by an archiving that did not finish."""

    name: str
    parent: str
    start: datetime = None
    end: datetime = None
    default: bool = False
    attached: bool = True

    @property
    def first_year(self):
        return None if self.default or self.start is None else local_year(self.start)

    @property
    def last_year(self):
        """The last calendar year the partition holds (its end is 1 January of the next)."""
        return None if self.default or self.end is None else local_year(self.end - timedelta(microseconds=1))

    def covers(self, year):
        if self.default:
            return False
        return ((self.start is None or self.start <= year_start(year))
                and (self.end is None or self.end >= year_start(year + 1)))

    def label(self):
        if self.default:
            return "DEFAULT"
        if self.start is None:
            return f"… – {self.last_year}"
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year} – {self.last_year}"


def _bound_value(text):
    text = text.strip()
    if text.upper() in ("MINVALUE", "MAXVALUE"):
        return None
    return datetime.fromisoformat(text.strip("'"))


def is_partitioned(connection, table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                       "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace)", [table])
        return cursor.fetchone()[0]


def partitioned_tables(connection):
    """The partitioned tables of the current schema, by name."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                       "WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


def partitions(connection, parent):
    """The partitions of ``parent``, oldest first, the DEFAULT partition last."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass", [parent])
        found = []
        for name, bound in cursor.fetchall():
            if bound.strip().upper() == "DEFAULT":
                found.append(Partition(name, parent, default=True))
                continue
            match = _BOUND.search(bound)
            found.append(Partition(name, parent, _bound_value(match["start"]), _bound_value(match["end"])))
    minimum = datetime.min.replace(tzinfo=ZoneInfo("UTC"))
    return sorted(found, key=lambda p: (p.default, p.start or minimum))


def detached_leftovers(connection, parent):
    """Tables named like a year partition of ``parent`` that are attached to nothing: what an
    archiving that stopped after DETACH left behind (``partition_archive`` resumes from them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
            "AND c.relkind = 'r' AND c.relname LIKE %s AND NOT c.relispartition", [f"{parent}\\_%"])
        names = [row[0] for row in cursor.fetchall()]
    left = []
    for name in names:
        match = _NAME.match(name)
        if match and match["parent"] == parent:
            year = int(match["year"])
            start = None if match["kind"] == "upto" else year_start(year)
            left.append(Partition(name, parent, start, year_start(year + 1), attached=False))
    return left


def partition_name(parent, year, *, upto=False):
    return f"{parent}_{'upto' if upto else 'y'}{year}"


def _local_uniques(cursor, parent):
    """Single-table UNIQUE constraints the partitions carry on their own (not inherited from the
    parent, which cannot have them): their column lists, from the partitions already there."""
    cursor.execute(
        "SELECT DISTINCT (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(num, ord) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num) "
        "FROM pg_constraint c JOIN pg_inherits i ON i.inhrelid = c.conrelid "
        "WHERE i.inhparent = %s::regclass AND c.contype = 'u' AND c.conparentid = 0", [parent])
    return sorted(tuple(row[0]) for row in cursor.fetchall())


def _add_local_uniques(cursor, connection, partition, uniques):
    for columns in uniques:
        name = _fit(f"{partition}_{'_'.join(columns)}_key")
        cols = ", ".join(_q(connection, c) for c in columns)
        cursor.execute(f"ALTER TABLE {_q(connection, partition)} ADD CONSTRAINT {_q(connection, name)} UNIQUE ({cols})")


def _fit(name, taken=()):
    """``name`` cut to PostgreSQL's 63 characters, made unique against ``taken``."""
    base, n = name[:MAX_NAME], 1
    while base in taken:
        n += 1
        suffix = f"_{n}"
        base = name[:MAX_NAME - len(suffix)] + suffix
    return base


def _partition_column(cursor, parent):
    cursor.execute("SELECT a.attname FROM pg_partitioned_table p JOIN pg_attribute a "
                   "ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] WHERE p.partrelid = %s::regclass",
                   [parent])
    return cursor.fetchone()[0]


def create_partition(connection, parent, year=None, *, default=False, upto=False):
    """Create the partition of ``parent`` for ``year`` (``upto``: for everything up to the end of
    ``year``; or the DEFAULT partition) with the local UNIQUE constraints of its siblings and its own
    TRUNCATE guard. Returns ``(name, None)`` when created, ``(name, reason)`` when not (already
    covered; overlapping another partition; or rows of that year already sit in the DEFAULT
    partition, which append-only rows cannot leave)."""
    name = f"{parent}_default" if default else partition_name(parent, year, upto=upto)
    existing = partitions(connection, parent)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if default:
            if any(p.default for p in existing):
                return name, "exists"
            bound = "DEFAULT"
        else:
            if not upto and any(p.covers(year) for p in existing):
                return next(p.name for p in existing if p.covers(year)), "exists"
            start, end = (None if upto else year_start(year)), year_start(year + 1)
            if any(not p.default and (p.start is None or p.start < end)
                   and (p.end is None or start is None or p.end > start) for p in existing):
                return name, "overlaps"
            column = _partition_column(cursor, parent)
            for p in existing:
                if p.default:
                    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(connection, p.name)} "
                                   f"WHERE {_q(connection, column)} >= %s AND {_q(connection, column)} < %s)",
                                   [start or datetime(1, 1, 2, tzinfo=ZoneInfo("UTC")), end])
                    if cursor.fetchone()[0]:
                        return name, "default_has_rows"
            bound = f"FOR VALUES FROM ({'MINVALUE' if start is None else _literal(start)}) TO ({_literal(end)})"
        uniques = _local_uniques(cursor, parent)
        cursor.execute(f"CREATE TABLE {_q(connection, name)} PARTITION OF {_q(connection, parent)} {bound}")
        _add_local_uniques(cursor, connection, name, uniques)
        pg_protect_partition(cursor, name)
    return name, None


def ensure(connection, years, tables=None):
    """Create the partitions of ``years`` for every partitioned log (idempotent) and the TRUNCATE
    guard of any partition that lacks it. Returns ``[(parent, year, name, reason or None)]``."""
    results = []
    for parent in tables or partitioned_tables(connection):
        for year in years:
            name, reason = create_partition(connection, parent, year)
            results.append((parent, year, name, reason))
        with connection.cursor() as cursor:
            for p in partitions(connection, parent):
                pg_protect_partition(cursor, p.name, if_missing=True)
    return results


# --- the migration: an existing table becomes the first partition ------------------------------------

def drop_foreign_keys(connection, table, column):
    """Drop the foreign-key constraints of ``table.column`` (PostgreSQL; the field becomes
    ``db_constraint=False``)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                       "AND a.attnum = ANY (c.conkey) WHERE c.contype = 'f' AND c.conrelid = %s::regclass "
                       "AND a.attname = %s", [table, column])
        for (name,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {_q(connection, table)} DROP CONSTRAINT {_q(connection, name)}")


def refuse_unpartition(connection, table):
    """Reverse of the partitioning migrations: undoing it would copy every row, so it is refused
    on a partitioned table (restore a backup taken before the migration instead)."""
    if connection.vendor == "postgresql" and is_partitioned(connection, table):
        raise RuntimeError(f"{table} is partitioned by year; the migration is not reversed (it would copy every "
                           f"row): restore a backup taken before it instead (docs/architecture.md §4.4).")


def boundary_year(connection, table, column, now=None):
    """The first year that gets a partition of its own: next year when the table has rows (they
    all stay where they are, in ``<table>_upto<this year>``), this year for an empty table. A run on
    the last day of a year counts as the next year, so that no row written meanwhile falls beyond
    the bound."""
    year = local_year((now or timezone.now()) + timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(connection, table)})")
        return year + 1 if cursor.fetchone()[0] else year


def partition_existing(connection, table, column="created_at", *, now=None):
    """Make ``table`` a partitioned table without copying a row (PostgreSQL; idempotent).

    The existing table becomes the partition ``<table>_upto<Y>`` for everything before 1 January of
    the boundary year (``boundary_year``), then that year and the next get their partitions, then
    the DEFAULT partition. Run outside a transaction (a migration with ``atomic = False``): the two
    slow steps, building the unique index ``(id, created_at)`` and validating the CHECK constraint
    that matches the partition's range, run CONCURRENTLY / under a SHARE UPDATE EXCLUSIVE lock while
    the table stays writable; the swap itself is one short transaction under an ACCESS EXCLUSIVE lock
    in which ATTACH skips its validation scan (the CHECK proves the range) and adopts the existing
    indexes instead of building them. Returns the seconds of each step."""
    timings = {}
    if connection.vendor != "postgresql":
        return timings
    if is_partitioned(connection, table):  # done; a run that stopped after the swap left partitions to make
        this_year = local_year(now)
        ensure(connection, [this_year, this_year + 1], tables=[table])
        create_partition(connection, table, default=True)
        return timings
    qt, qc = _q(connection, table), _q(connection, column)
    concurrently = not connection.in_atomic_block
    started = time.monotonic()
    first = boundary_year(connection, table, column, now)
    timings["boundary"] = time.monotonic() - started

    index, check = _fit(f"{table}_id_{column}_pk"), _fit(f"{table}_partition_bound")
    started = time.monotonic()
    with connection.cursor() as cursor:
        # A CONCURRENTLY build that failed leaves an invalid index behind: start again.
        cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace", [index])
        row = cursor.fetchone()
        if row is not None and not row[0]:
            cursor.execute(f"DROP INDEX {_q(connection, index)}")
            row = None
        if row is None:
            cursor.execute(f"CREATE UNIQUE INDEX {'CONCURRENTLY ' if concurrently else ''}{_q(connection, index)} "
                           f"ON {qt} (id, {qc})")
    timings["unique index (id, created_at)"] = time.monotonic() - started

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                       "AND conname = %s", [table, check])
        if cursor.fetchone() is not None:
            cursor.execute(f"ALTER TABLE {qt} DROP CONSTRAINT {_q(connection, check)}")
        checked = first > local_year((now or timezone.now()) + timedelta(days=1))
        if checked:
            # Rows: a CHECK matching the range lets ATTACH skip its scan. (An empty table's bound is the
            # start of this year, which a row written meanwhile would break: it gets no CHECK, and
            # ATTACH scans the nothing, or the few rows, there are.)
            cursor.execute(f"ALTER TABLE {qt} ADD CONSTRAINT {_q(connection, check)} "
                           f"CHECK ({qc} < {_literal(year_start(first))}) NOT VALID")
            # A separate statement: validating takes only a SHARE UPDATE EXCLUSIVE lock (reads and
            # writes go on). A row beyond the bound (a clock set wrong) makes the migration stop here.
            try:
                cursor.execute(f"ALTER TABLE {qt} VALIDATE CONSTRAINT {_q(connection, check)}")
            except IntegrityError as exc:
                raise RuntimeError(f"{table} has rows dated on or after {year_start(first):%Y-%m-%d}: the "
                                   f"partitioning migration stops (check the server clock and those rows)") from exc
    timings["validate range check"] = time.monotonic() - started

    started = time.monotonic()
    with transaction.atomic(using=connection.alias):
        first = _swap(connection, table, column, first, index, check, recheck=not checked)
    timings["swap (locked)"] = time.monotonic() - started

    started = time.monotonic()
    this_year = local_year(now)
    for year in range(first, max(first, this_year + 1) + 1):
        create_partition(connection, table, year)
    create_partition(connection, table, default=True)
    timings["new partitions"] = time.monotonic() - started
    log.info("partitioned %s: %s", table, ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    return timings


def _swap(connection, table, column, first, index, check, *, recheck):
    """Inside one transaction: the old table, renamed, becomes the first partition of a new
    partitioned table with the old name, its indexes, foreign keys, CHECKs and guards. Returns the
    first year after that partition."""
    qt = _q(connection, table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {qt} IN ACCESS EXCLUSIVE MODE")
        if recheck:  # the table was empty: rows of this year written since stay in it (a scan of a few rows)
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {qt} WHERE {_q(connection, column)} >= %s)",
                           [year_start(first)])
            if cursor.fetchone()[0]:
                first += 1
        part = partition_name(table, first - 1, upto=True)
        qp = _q(connection, part)
        # Foreign keys that reference the table: a partitioned table's id alone is not unique, so
        # they go (the models declare them db_constraint=False).
        cursor.execute("SELECT conname, conrelid::regclass::text FROM pg_constraint "
                       "WHERE contype = 'f' AND confrelid = %s::regclass", [table])
        for name, referencing in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {referencing} DROP CONSTRAINT {_q(connection, name)}")
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE contype = 'f' AND conrelid = %s::regclass ORDER BY conname", [table])
        foreign_keys = cursor.fetchall()
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE contype = 'c' AND conrelid = %s::regclass AND conname <> %s ORDER BY conname",
                       [table, check])
        checks = cursor.fetchall()
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid = %s::regclass", [table])
        primary = cursor.fetchone()
        # Privileges granted on the table to other roles (a reporting role, say) go to the parent too.
        cursor.execute("SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END "
                       "FROM pg_class c, aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee "
                       "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner", [table])
        grants = cursor.fetchall()
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'u' AND conrelid = %s::regclass "
                       "ORDER BY conname", [table])
        uniques = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class ci ON ci.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND ci.relname <> %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1", [table, index])
        indexes = cursor.fetchall()
        # The id sequence: an identity column's sequence would go with the old table; a plain
        # sequence owned by the parent's id takes its place, at the same value.
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id'), "
                       "(SELECT attidentity FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id')",
                       [table, table])
        sequence, identity = cursor.fetchone()
        last_value, is_called = 1, False
        if sequence:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
        if identity:
            cursor.execute(f"ALTER TABLE {qt} ALTER COLUMN id DROP IDENTITY")
        elif sequence:
            cursor.execute(f"ALTER TABLE {qt} ALTER COLUMN id DROP DEFAULT")
            cursor.execute(f"DROP SEQUENCE {sequence}")
        new_sequence = _fit(f"{table}_id_seq")
        cursor.execute(f"CREATE SEQUENCE {_q(connection, new_sequence)} AS bigint")
        cursor.execute("SELECT setval(%s::regclass, %s, %s)", [new_sequence, last_value, is_called])

        cursor.execute(f"ALTER TABLE {qt} RENAME TO {qp}")
        taken = {name for name, _definition in indexes} | set(uniques)
        for name, _definition in indexes:
            new = _fit(f"{part}_{name.removeprefix(table + '_')}", taken)
            taken.add(new)
            cursor.execute(f"ALTER INDEX {_q(connection, name)} RENAME TO {_q(connection, new)}")
        for name in uniques:
            new = _fit(f"{part}_{name.removeprefix(table + '_')}", taken)
            taken.add(new)
            cursor.execute(f"ALTER TABLE {qp} RENAME CONSTRAINT {_q(connection, name)} TO {_q(connection, new)}")
        if primary:
            cursor.execute(f"ALTER TABLE {qp} DROP CONSTRAINT {_q(connection, primary[0])}")
        cursor.execute(f"ALTER TABLE {qp} ADD CONSTRAINT {_q(connection, _fit(part + '_pkey'))} "
                       f"PRIMARY KEY USING INDEX {_q(connection, index)}")
        pg_unguard(cursor, part, old_table=table)

        cursor.execute(f"CREATE TABLE {qt} (LIKE {qp} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS) "
                       f"PARTITION BY RANGE ({_q(connection, column)})")
        cursor.execute(f"ALTER TABLE {qt} ALTER COLUMN id SET DEFAULT nextval(%s::regclass)", [new_sequence])
        cursor.execute(f"ALTER SEQUENCE {_q(connection, new_sequence)} OWNED BY {qt}.id")
        for name, definition in checks:
            cursor.execute(f"ALTER TABLE {qt} ADD CONSTRAINT {_q(connection, name)} {definition}")
        cursor.execute(f"ALTER TABLE {qt} ADD CONSTRAINT {_q(connection, table + '_pkey')} "
                       f"PRIMARY KEY (id, {_q(connection, column)})")
        for _name, definition in indexes:
            cursor.execute(definition)  # "CREATE INDEX <old name> ON <table> …": now the parent's
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {qt} ADD CONSTRAINT {_q(connection, name)} {definition}")
        for privilege, grantee in grants:
            cursor.execute(f"GRANT {privilege} ON {qt} TO {grantee}")
        pg_protect_partitioned(cursor, table)
        # The CHECK proves the range, so ATTACH does not scan; the indexes, the primary key and the
        # foreign keys match the parent's, so they are adopted, not built or validated again.
        cursor.execute(f"ALTER TABLE {qt} ATTACH PARTITION {qp} FOR VALUES FROM (MINVALUE) "
                       f"TO ({_literal(year_start(first))})")
        cursor.execute(f"ALTER TABLE {qp} DROP CONSTRAINT IF EXISTS {_q(connection, check)}")
        pg_protect_partition(cursor, part, if_missing=True)
    return first
