"""Loading generated cases: PostgreSQL through COPY, SQLite through executemany.

The whole load is ONE transaction: if anything fails (or the user presses Ctrl-C) nothing
is left behind — no half-loaded batch, no dropped index, no counter out of step.

PostgreSQL path (measured in docs/performance.md, "Generator"):
- ``COPY … FROM STDIN`` per table per batch, from an in-memory buffer, on a connection of
  its own driven by a writer thread, so that Python builds batch n+1 while the server
  parses and stores batch n (psycopg2 releases the GIL while it waits on the socket);
- ``session_replication_role = replica`` for the load, which skips the per-row foreign-key
  triggers (about ten lookups per case row); referential integrity is then checked once per
  foreign key with a set-based anti-join before commit, and the load is rolled back if any
  row points nowhere;
- for large loads the secondary indexes of the loaded tables (including the GIN search
  index) are dropped at the start and rebuilt at the end with ``maintenance_work_mem`` raised,
  which is faster than maintaining them row by row; primary keys and unique constraints stay.
- ``petitions_case.search_vector`` is a generated column: it is not in the COPY column
  list and PostgreSQL computes it from ``search_tokens``.
- The append-only trigger of ``petitions_caseevent`` guards UPDATE and DELETE only; COPY
  inserts are not affected. On PostgreSQL the table is partitioned by year (accounts/partitioning.py):
  COPY into the parent routes each row to its year's partition, and an index dropped for the load is
  the parent's partitioned index, rebuilt on every partition.
"""
import io
import os
import queue
import threading
import time

from django.apps import apps
from django.db import connection, transaction

from bench.generator.core import TABLES

BIG_LOAD = 50000  # cases; at or above this, ``auto`` drops indexes for the load (AUTO_BIG)
AUTO_BIG = "rebuild"


def _model_table(label):
    """(db_table, model) for 'app.Model' or the auto-created M2M through model 'app.Model_field'."""
    app_label, name = label.split(".")
    if "_" in name:
        model_name, field = name.split("_", 1)
        through = apps.get_model(app_label, model_name)._meta.get_field(field).remote_field.through
        return through._meta.db_table, through
    model = apps.get_model(app_label, name)
    return model._meta.db_table, model


def _extra_columns(model, columns, now_text):
    """Columns the generator does not produce: constant defaults, or omitted when nullable.

    Fields added to the models after the generator was written are filled with their
    default (NULL, or "" for optional text) instead of breaking COPY; a required field without a
    default raises.
    """
    extra = []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.primary_key or getattr(field, "generated", False):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            extra.append((field, now_text))
        elif field.has_default():
            value = field.get_default()
            if isinstance(value, bool):
                value = "t" if value else "f"
            elif isinstance(value, (dict, list)):
                import json

                value = json.dumps(value)
            extra.append((field, "\\N" if value is None else str(value)))
        elif field.null:
            continue
        elif field.blank and field.get_internal_type() in ("CharField", "TextField"):
            extra.append((field, ""))  # an optional text without a default: Django's own empty value
        else:
            raise RuntimeError(f"generate_cases does not know how to fill {model.__name__}.{field.name}")
    return extra


class TableSpec:
    def __init__(self, key, label, columns, now_text):
        self.key = key
        self.table, self.model = _model_table(label)
        extra = _extra_columns(self.model, columns, now_text)
        self.columns = tuple(columns) + tuple(f.column for f, _v in extra)
        self.suffix = "".join("\t" + v for _f, v in extra)
        types = {f.column: f.get_internal_type() for f in self.model._meta.concrete_fields}
        self.types = [types.get(c, "") for c in self.columns]


def table_specs(now_text):
    return [TableSpec(key, label, columns, now_text) for key, label, columns in TABLES]


# --- PostgreSQL ---------------------------------------------------------------------------------

class PostgresLoader:
    """COPY sink on a dedicated psycopg2 connection (one transaction for the whole load)."""

    vendor = "postgresql"

    def __init__(self, specs, *, index_mode, progress):
        import psycopg2

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self.conn = psycopg2.connect(**params)
        self.conn.autocommit = False
        self.specs = specs
        self.index_mode = index_mode
        self.progress = progress
        self.saved_indexes = []
        self.timings = {}
        self.queue = queue.Queue(maxsize=2)
        self.error = None
        self.thread = None
        self.fk_skipped = False
        self.backend_pid = None
        self.cpu_phases = {}
        self._cpu_mark = (0.0, None)

    # set-up, inside the transaction
    def cpu(self):
        """(this process's CPU seconds, the server backend's CPU seconds), when the server is
        on this machine (else None for the backend). On a busy machine wall time says little;
        CPU time per phase says what an idle machine would need."""
        usage = os.times()
        own = usage.user + usage.system
        try:
            with open(f"/proc/{self.backend_pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            backend = None
        return own, backend

    def mark(self, phase):
        """Record CPU seconds spent since the previous mark under ``phase``."""
        now = self.cpu()
        prev = self._cpu_mark
        self.cpu_phases[phase] = (now[0] - prev[0], None if now[1] is None or prev[1] is None else now[1] - prev[1])
        self._cpu_mark = now

    def begin(self):
        cur = self.conn.cursor()
        cur.execute("SELECT pg_backend_pid()")
        self.backend_pid = cur.fetchone()[0]
        self._cpu_mark = self.cpu()
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            cur.execute("SET LOCAL session_replication_role = replica")
            self.fk_skipped = True
        tables = ", ".join(s.table for s in self.specs)
        # Nobody else inserts while ids are handed out and indexes are away.
        cur.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        if self.index_mode != "keep":
            self._drop_indexes(cur, gin_only=self.index_mode == "gin")

    def _drop_indexes(self, cur, gin_only):
        started = time.monotonic()
        for spec in self.specs:
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = %s AND NOT EXISTS ("
                " SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)",
                [spec.table],
            )
            for name, definition in cur.fetchall():
                if gin_only and " using gin " not in definition.lower():
                    continue
                # A partitioned table's index (the yearly partitions of the trail, accounts/partitioning.py)
                # reads "ON ONLY <table>": rebuilt as such it would cover no partition and stay invalid.
                definition = definition.replace(" ON ONLY ", " ON ", 1)
                self.saved_indexes.append((spec.table, name, definition))
                cur.execute(f'DROP INDEX "{name}"')
        self.timings["drop indexes"] = time.monotonic() - started

    def next_ids(self):
        """First free id of petitions_case and petitions_assignment (past the sequence too)."""
        ids = {}
        cur = self.conn.cursor()
        for key in ("case", "assignment"):
            spec = self._spec(key)
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [spec.table])
            seq = cur.fetchone()[0]
            cur.execute(f"SELECT last_value, is_called FROM {seq}")
            last, called = cur.fetchone()
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {spec.table}")
            ids[key] = max(cur.fetchone()[0], last if called else last - 1) + 1
        return ids

    def existing_counters(self):
        cur = self.conn.cursor()
        cur.execute("SELECT registered_org_id, year, MAX(seq) FROM petitions_case GROUP BY 1, 2 "
                    "UNION ALL SELECT org_id, year, last_seq FROM petitions_casecounter")
        counters = {}
        for org_id, year, seq in cur.fetchall():
            counters[(org_id, year)] = max(counters.get((org_id, year), 0), seq)
        return counters

    def _spec(self, key):
        return next(s for s in self.specs if s.key == key)

    # the writer thread
    def start(self):
        self.thread = threading.Thread(target=self._writer, name="copy-writer", daemon=True)
        self.thread.start()

    def _writer(self):
        cur = self.conn.cursor()
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                for spec in self.specs:
                    lines = item.rows[spec.key]
                    if not lines:
                        continue
                    suffix = spec.suffix
                    text = ("".join(line + suffix + "\n" for line in lines) if suffix
                            else "\n".join(lines) + "\n")
                    buf = io.BytesIO(text.encode("utf-8"))
                    cur.copy_expert(
                        f"COPY {spec.table} ({', '.join(spec.columns)}) FROM STDIN", buf, size=1 << 20)
        except BaseException as exc:  # handed to the main thread, which rolls back
            self.error = exc
            while self.queue.get() is not None:  # drain so the producer never blocks
                pass

    def put(self, batch):
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def finish(self, counters, first_ids):
        """Flush the writer, rebuild indexes, check foreign keys, fix sequences and counters."""
        started = time.monotonic()
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        self.timings["copy tail"] = time.monotonic() - started
        self.mark("generate + COPY")
        cur = self.conn.cursor()
        if self.saved_indexes:
            started = time.monotonic()
            total = len(self.saved_indexes)
            for i, (table, name, definition) in enumerate(self.saved_indexes, start=1):
                self.progress.phase(f"rebuilding indexes {i}/{total} {name}")
                t = time.monotonic()
                cur.execute(definition)
                self.timings[f"index {name}"] = time.monotonic() - t
            self.timings["rebuild indexes"] = time.monotonic() - started
            self.mark("rebuild indexes")
        if self.fk_skipped:
            started = time.monotonic()
            self._check_foreign_keys(cur, first_ids)
            self.timings["check foreign keys"] = time.monotonic() - started
            self.mark("check foreign keys")
        for key in ("case", "assignment"):
            table = self._spec(key).table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"GREATEST((SELECT MAX(id) FROM {table}), 1))")
        _upsert_counters(cur, counters, "GREATEST(petitions_casecounter.last_seq, EXCLUDED.last_seq)")
        started = time.monotonic()
        self.progress.phase("statistics aggregates")
        _statistics_add(cur, first_ids)
        self.timings["statistics aggregates"] = time.monotonic() - started
        self.mark("statistics aggregates")
        started = time.monotonic()
        self.progress.phase("analyze")
        for spec in self.specs:
            cur.execute(f"ANALYZE {spec.table}")
        self.timings["analyze"] = time.monotonic() - started
        self.mark("sequences, counters, analyze")

    def _check_foreign_keys(self, cur, first_ids):
        """Referential integrity of this load's rows: one scan per table, every foreign key of
        the table checked in it by a LEFT JOIN to its parent (hash joins on the small
        parents), instead of one trigger lookup per key per row."""
        cur.execute("SET LOCAL work_mem = '256MB'")
        for spec in self.specs:
            cur.execute(
                "SELECT c.conname, a.attname, cf.relname, af.attname "
                "FROM pg_constraint c JOIN pg_class cf ON cf.oid = c.confrelid "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
                "WHERE c.contype = 'f' AND c.conrelid = %s::regclass ORDER BY c.conname", [spec.table])
            keys = cur.fetchall()
            if not keys:
                continue
            self.progress.phase(f"checking foreign keys of {spec.table}")
            joins = " ".join(f"LEFT JOIN {parent} p{i} ON p{i}.{pcol} = t.{col}"
                             for i, (_n, col, parent, pcol) in enumerate(keys))
            counts = ", ".join(f"COUNT(*) FILTER (WHERE t.{col} IS NOT NULL AND p{i}.{pcol} IS NULL)"
                               for i, (_n, col, _parent, pcol) in enumerate(keys))
            where = ""
            if spec.key == "case":
                where = f"WHERE t.id >= {first_ids['case']}"
            elif "case_id" in spec.columns:
                where = f"WHERE t.case_id >= {first_ids['case']}"
            elif spec.key == "grant":
                where = f"WHERE t.content_object_id >= {first_ids['case']}"
            elif spec.key == "extension":
                where = f"WHERE t.assignment_id >= {first_ids['assignment']}"
            cur.execute(f"SELECT {counts} FROM {spec.table} t {joins} {where}")
            for (conname, col, _parent, _pcol), broken in zip(keys, cur.fetchone()):
                if broken:
                    raise RuntimeError(f"{broken} rows of {spec.table}.{col} violate {conname}")

    def commit(self):
        started = time.monotonic()
        self.progress.phase("commit")
        self.conn.commit()
        self.timings["commit"] = time.monotonic() - started

    def rollback(self):
        if self.thread is not None and self.thread.is_alive():
            self.error = self.error or RuntimeError("aborted")
            try:
                self.queue.put_nowait(None)
            except queue.Full:
                pass
        try:
            self.conn.rollback()
        finally:
            self.conn.close()

    def close(self):
        self.conn.close()


def _upsert_counters(cur, counters, greatest):
    rows = sorted(counters.items())
    for i in range(0, len(rows), 500):
        chunk = rows[i:i + 500]
        values = ", ".join("(%s, %s, %s)" for _r in chunk)
        params = [v for (org_id, year), seq in chunk for v in (org_id, year, seq)]
        cur.execute(
            f"INSERT INTO petitions_casecounter (org_id, year, last_seq) VALUES {values} "
            f"ON CONFLICT (org_id, year) DO UPDATE SET last_seq = {greatest}", params)


# --- SQLite -------------------------------------------------------------------------------------

class SqliteLoader:
    """executemany sink on Django's connection; the FTS5 triggers index each inserted case."""

    vendor = "sqlite"

    def __init__(self, specs, *, index_mode, progress):
        self.specs = specs
        self.progress = progress
        self.timings = {}
        self.cpu_phases = {}
        self.atomic = None
        self.cur = None

    def begin(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.cur = connection.cursor()

    def next_ids(self):
        ids = {}
        for key in ("case", "assignment"):
            table = next(s for s in self.specs if s.key == key).table
            self.cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            ids[key] = self.cur.fetchone()[0] + 1
        return ids

    def existing_counters(self):
        self.cur.execute("SELECT registered_org_id, year, MAX(seq) FROM petitions_case GROUP BY 1, 2 "
                         "UNION ALL SELECT org_id, year, last_seq FROM petitions_casecounter")
        counters = {}
        for org_id, year, seq in self.cur.fetchall():
            counters[(org_id, year)] = max(counters.get((org_id, year), 0), seq)
        return counters

    def start(self):
        pass

    def put(self, batch):
        for spec in self.specs:
            lines = batch.rows[spec.key]
            if not lines:
                continue
            converters = [_sqlite_converter(t) for t in spec.types]
            suffix = spec.suffix
            rows = [
                tuple(None if v == "\\N" else conv(v) for v, conv in zip((line + suffix).split("\t"), converters))
                for line in lines
            ]
            marks = ", ".join("%s" for _c in spec.columns)
            self.cur.executemany(f"INSERT INTO {spec.table} ({', '.join(spec.columns)}) VALUES ({marks})", rows)

    def finish(self, counters, first_ids):
        _upsert_counters(self.cur, counters, "MAX(last_seq, excluded.last_seq)")
        self.progress.phase("statistics aggregates")
        _statistics_add(self.cur, first_ids)
        self.progress.phase("analyze")
        self.cur.execute("ANALYZE")

    def commit(self):
        self.atomic.__exit__(None, None, None)

    def rollback(self):
        import sys

        self.atomic.__exit__(*sys.exc_info())

    def close(self):
        pass


def _statistics_add(cur, first_ids):
    """The loaded cases into the statistics aggregates (docs/reports.md §8.1), set-based, in the load's own
    transaction: the reports read the aggregates, so a load without them would be measured over empty
    cells."""
    from reports.aggregates import statistics_add_sql

    for sql, params in statistics_add_sql(first_case_id=first_ids["case"]):
        cur.execute(sql, params)


def _identity(v):
    return v


def _sqlite_bool(v):
    return 1 if v == "t" else 0


def _sqlite_datetime(v):
    return v[:-3] if v.endswith("+00") else v  # Django keeps UTC datetimes naive in SQLite


def _sqlite_converter(internal_type):
    if internal_type == "BooleanField":
        return _sqlite_bool
    if internal_type == "DateTimeField":
        return _sqlite_datetime
    return _identity


INDEX_MODES = ("auto", "rebuild", "gin", "keep")


def loader_for(specs, *, count, index_mode, progress):
    """The sink for the default database.

    ``index_mode`` (PostgreSQL): ``rebuild`` drops every secondary index of the loaded tables
    and builds it again after the load; ``gin`` does that for the GIN search index only and
    maintains the b-trees during COPY; ``keep`` maintains everything; ``auto`` picks by the
    size of the load (docs/performance.md, "Generator", has the measurements).
    """
    if index_mode == "auto":
        index_mode = AUTO_BIG if count >= BIG_LOAD else "keep"
    cls = PostgresLoader if connection.vendor == "postgresql" else SqliteLoader
    return cls(specs, index_mode=index_mode, progress=progress)
