"""The audit log, the case trail and the personal-data view log, partitioned by year on PostgreSQL
(accounts/partitioning.py, docs/architecture.md §4.4): the migrations' layout, routing of inserts,
the DEFAULT partition, the append-only guards on every partition, the chains verified across
partitions, the nightly ``partitions --ensure`` and the archiving of a year
(``partitions --detach YEAR --to DIR``) after which ``verify_audit`` still passes, from the archive
checkpoint. SQLite has no partitions: the command refuses there, with the reason.
"""
import hashlib
import json
import subprocess
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accounts import partitioning
from accounts.audit import verify_chain, verify_log
from accounts.management import partition_archive
from accounts.models import AuditLog
from petitions.models import CaseEvent, CaseView
from tests.petitions.intake_factories import dicts, register

__all__ = ["dicts"]

LOGS = ("accounts_auditlog", "petitions_caseevent", "petitions_caseview")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="partitions are PostgreSQL's; SQLite keeps plain tables")


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


def upto_year():
    """The last year of the migration's first partition (the table as it was, or empty)."""
    [first] = [p for p in partitioning.partitions(connection, "accounts_auditlog") if p.start is None and not p.default]
    return first.last_year


def at(year, month=6, day=15, hour=12, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(settings.TIME_ZONE))


def home(table, pk):
    """The partition a row lives in."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def audit_at(moment, i=0):
    row = AuditLog(created_at=moment, actor_username="tester", action="test.partition", summary=f"第{i}条",
                   data={"i": i})
    row.save()
    return row


def view_at(case, user, moment):
    row = CaseView(case=case, user=user, org=user.organization, created_at=moment)
    row.save()
    return row


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


# --- SQLite -----------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the refusal is SQLite's")
def test_the_command_refuses_on_sqlite_in_chinese():
    for args in (["--list"], ["--ensure"], ["--detach", "2020", "--to", "/tmp"]):
        with pytest.raises(CommandError, match="分区只用于 PostgreSQL 数据库：当前数据库是 sqlite"):
            call_command("partitions", *args, stdout=StringIO())
    assert partitioning.partitioned_tables(connection) == []


# --- the layout the migrations leave ------------------------------------------------------------------

@postgres_only
@pytest.mark.django_db
def test_the_three_logs_are_partitioned_by_year_with_a_default_partition():
    assert set(LOGS) <= set(partitioning.partitioned_tables(connection))
    first = upto_year()
    with connection.cursor() as cursor:
        for table in LOGS:
            cursor.execute("SELECT p.partstrat, a.attname FROM pg_partitioned_table p JOIN pg_attribute a "
                           "ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] WHERE p.partrelid = %s::regclass",
                           [table])
            assert cursor.fetchone() == ("r", "created_at")
            cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                           "WHERE i.inhparent = %s::regclass", [table])
            names = {row[0] for row in cursor.fetchall()}
            assert {f"{table}_upto{first}", f"{table}_y{first + 1}", f"{table}_y{first + 2}",
                    f"{table}_default"} <= names
            # The primary key holds the partition key; Django's id still comes from one sequence.
            cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                           "AND contype = 'p'", [table])
            assert cursor.fetchone()[0] == "PRIMARY KEY (id, created_at)"
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            assert cursor.fetchone()[0] == f"public.{table}_id_seq"
            # No foreign key may reference a partitioned table's id alone: none is left.
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass",
                           [table])
            assert cursor.fetchone()[0] == 0
    # Boundaries at midnight of 1 January in the office's time zone.
    year_part = next(p for p in partitioning.partitions(connection, "accounts_auditlog") if p.first_year == first + 1)
    assert year_part.start == at(first + 1, 1, 1, 0) and year_part.end == at(first + 2, 1, 1, 0)


@postgres_only
@pytest.mark.django_db
def test_every_partition_keeps_the_chains_unique_columns():
    with connection.cursor() as cursor:
        for table, columns in (("accounts_auditlog", {"seq", "row_hash"}), ("petitions_caseview", {"seq", "row_hash"}),
                               ("petitions_caseevent", {"audit_id"})):
            for part in partitioning.partitions(connection, table):
                cursor.execute("SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                               "AND a.attnum = c.conkey[1] WHERE c.conrelid = %s::regclass AND c.contype = 'u'",
                               [part.name])
                assert {row[0] for row in cursor.fetchall()} == columns, part.name


# --- routing and the DEFAULT partition -----------------------------------------------------------------

@postgres_only
@pytest.mark.django_db
def test_inserts_route_to_the_partition_of_their_year(clerk, triage):
    first = upto_year()
    case = register(clerk)
    for year, suffix in ((first - 3, f"upto{first}"), (first, f"upto{first}"), (first + 1, f"y{first + 1}"),
                         (first + 2, f"y{first + 2}")):
        assert home("accounts_auditlog", audit_at(at(year)).pk) == f"accounts_auditlog_{suffix}"
        assert home("petitions_caseview", view_at(case, triage, at(year)).pk) == f"petitions_caseview_{suffix}"
        event = CaseEvent.objects.create(case=case, action="note", created_at=at(year))
        assert home("petitions_caseevent", event.pk) == f"petitions_caseevent_{suffix}"
    # The boundary is local midnight: 23:59:59 on 31 December belongs to the old year.
    last_second = audit_at(at(first + 1, 12, 31, 23, 59, 59))
    assert home("accounts_auditlog", last_second.pk) == f"accounts_auditlog_y{first + 1}"
    assert home("accounts_auditlog", audit_at(at(first + 2, 1, 1, 0, 0, 0)).pk) == f"accounts_auditlog_y{first + 2}"
    # The services' rows (now) and the trail of a registration land in this year's partition.
    this_year = partitioning.local_year()
    assert home("petitions_caseevent", case.events.get(action="register").pk).endswith(
        f"_y{this_year}" if this_year > first else f"_upto{first}")
    assert verify_chain() is None and verify_log(CaseView)[1] is None


@postgres_only
@pytest.mark.django_db
def test_the_default_partition_catches_rows_beyond_the_partitions(clerk):
    first = upto_year()
    far = at(first + 30)
    row = audit_at(far)
    assert home("accounts_auditlog", row.pk) == "accounts_auditlog_default"
    case = register(clerk)
    assert home("petitions_caseevent", CaseEvent.objects.create(case=case, action="note", created_at=far).pk) \
        == "petitions_caseevent_default"
    assert AuditLog.objects.filter(created_at=far).count() == 1  # readable through the parent
    # That year's partition cannot be created any more (its row cannot leave the DEFAULT partition),
    # and the nightly job says so and exits 1.
    assert partitioning.create_partition(connection, "accounts_auditlog", first + 30) == (
        f"accounts_auditlog_y{first + 30}", "default_has_rows")
    from unittest import mock

    with mock.patch.object(partitioning, "current_year", return_value=first + 30):
        code, output = run("partitions", "--ensure")
    assert code == 1 and f"accounts_auditlog 不能新建{first + 30}年的分区" in output
    assert home("accounts_auditlog", row.pk) == "accounts_auditlog_default"
    assert verify_chain() is None


# --- append-only on every partition ----------------------------------------------------------------------

@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("table", LOGS)
def test_a_partition_refuses_update_delete_and_truncate(table, clerk, triage):
    first = upto_year()
    case = register(clerk)
    audit_at(at(first + 1))
    view_at(case, triage, at(first + 1))
    CaseEvent.objects.create(case=case, action="note", created_at=at(first + 1))
    part = f"{table}_y{first + 1}"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SELECT count(*) FROM {part}")
        rows = cursor.fetchone()[0]
    assert rows > 0
    for sql in (f"UPDATE {part} SET created_at = created_at", f"DELETE FROM {part}",
                f"UPDATE {table} SET created_at = created_at", f"DELETE FROM {table}",
                f"TRUNCATE {part}", f"TRUNCATE {table} CASCADE", f"TRUNCATE {table}_default",
                f"TRUNCATE {table}_upto{first}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {part}")
        assert cursor.fetchone()[0] == rows


# --- the chains across partitions --------------------------------------------------------------------------

@postgres_only
@pytest.mark.django_db
def test_verify_audit_passes_across_years_and_still_sees_tampering(clerk, triage):
    first = upto_year()
    case = register(clerk)
    rows = [audit_at(at(year), i) for i, year in enumerate((first - 1, first, first + 1, first + 2, first + 30))]
    for year in (first - 1, first + 1, first + 2):
        view_at(case, triage, at(year))
    assert len({home("accounts_auditlog", row.pk) for row in rows}) == 4
    code, output = run("verify_audit")
    assert code == 0 and "audit chain OK" in output and "caseview chain OK" in output
    # The owner alters a row inside a year partition: found as before.
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE accounts_auditlog_y{first + 1} DISABLE TRIGGER USER")
        cursor.execute(f"UPDATE accounts_auditlog_y{first + 1} SET summary = '篡改' WHERE id = %s", [rows[2].pk])
    broken = verify_chain()
    assert broken.row_id == rows[2].pk and "altered" in broken.reason


@postgres_only
@pytest.mark.django_db
def test_a_duplicated_chain_number_in_another_partition_is_reported(clerk):
    """seq is unique per partition only: a row inserted beside the chain with a number of another
    year's row is what the walk reports."""
    first = upto_year()
    old = audit_at(at(first))
    audit_at(at(first + 1))
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO accounts_auditlog (created_at, actor_username, actor_org_code, action, "
                       "object_type, object_id, summary, data, succeeded, prev_hash, row_hash, seq) SELECT %s, "
                       "actor_username, "
                       "actor_org_code, action, object_type, object_id, summary, data, succeeded, prev_hash, row_hash, "
                       "seq FROM accounts_auditlog WHERE id = %s", [at(first + 2), old.pk])
    broken = verify_chain()
    # Whichever of the two the walk meets second: a number seen twice, or (the copy first) a MAC that
    # does not match its time.
    assert broken is not None and broken.seq == old.seq
    assert f"row number {old.seq} occurs twice" in broken.reason or "MAC" in broken.reason
    # Within one partition the number stays unique.
    with pytest.raises(DatabaseError, match="duplicate key.*seq_key"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("INSERT INTO accounts_auditlog (created_at, actor_username, actor_org_code, action, "
                       "object_type, object_id, summary, data, succeeded, prev_hash, row_hash, seq) "
                       "SELECT created_at + interval '1 s', "
                       "actor_username, actor_org_code, action, object_type, object_id, summary, data, succeeded, "
                       "prev_hash, md5(row_hash), seq FROM accounts_auditlog WHERE id = %s", [old.pk])


# --- the nightly --ensure -------------------------------------------------------------------------------

@postgres_only
@pytest.mark.django_db
def test_the_nightly_ensure_creates_next_years_partitions_once(monkeypatch):
    first = upto_year()
    monkeypatch.setattr(partitioning, "current_year", lambda: first + 2)
    code, output = run("partitions", "--ensure")
    assert code == 0
    assert f"已新建分区 accounts_auditlog_y{first + 3}" in output and f"petitions_caseview_y{first + 3}" in output
    assert f"{first + 2}年已有分区 petitions_caseevent_y{first + 2}" in output
    created = AuditLog.objects.get(action="partition.create")
    assert set(created.data["created"]) == {f"{t}_y{first + 3}" for t in LOGS}
    assert created.actor_username == "manage.py partitions"
    # Idempotent: nothing more the second night, and nothing more audited.
    code, output = run("partitions", "--ensure")
    assert code == 0 and "已新建" not in output
    assert AuditLog.objects.filter(action="partition.create").count() == 1
    # The new partition is guarded and carries its local unique constraints; rows go there.
    from accounts.append_only import guards

    assert (f"xf_guard_accounts_auditlog_y{first + 3}_truncate", f"accounts_auditlog_y{first + 3}") in {
        (name, table) for name, table, _definition in guards(connection)}
    row = audit_at(at(first + 3))
    assert home("accounts_auditlog", row.pk) == f"accounts_auditlog_y{first + 3}"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE accounts_auditlog_y{first + 3}")
    code, output = run("partitions", "--list")
    assert f"accounts_auditlog_y{first + 3}" in output and str(first + 3) in output and "DEFAULT" in output


# --- archiving a year ----------------------------------------------------------------------------------------

@pytest.fixture
def restore_layout():
    """Archiving drops partitions the migrations made: put empty ones back afterwards (and drop what
    a failed archiving left detached), so the next tests see the layout they expect."""
    first = upto_year() if connection.vendor == "postgresql" else None
    yield first
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in LOGS:
            for left in partitioning.detached_leftovers(connection, table):
                cursor.execute(f"DROP TABLE {left.name}")
            partitioning.create_partition(connection, table, first, upto=True)


def _populate(first, clerk, triage):
    """Rows of four years in the three logs, one chain row straddling the year's end (numbered
    after a row of the next year), and a regular checkpoint taken while the head was in the year
    that is archived afterwards."""
    case = register(clerk)
    early = [audit_at(at(first - 1), 0), audit_at(at(first, 3), 1)]
    call_command("audit_checkpoint", stdout=StringIO())  # names a row that is archived later
    next_year = audit_at(at(first + 1, 1, 1, 0, 0, 1), 2)
    straddler = audit_at(at(first, 12, 31, 23, 59, 59), 3)
    late = [audit_at(at(first + 1), 4), audit_at(at(first + 2, 2), 5)]
    views = [view_at(case, triage, at(year)) for year in (first - 1, first, first + 1)]
    events = [CaseEvent.objects.create(case=case, action="note", created_at=at(year)) for year in (first - 1, first)]
    return {"early": early, "next_year": next_year, "straddler": straddler, "late": late, "views": views,
            "events": events, "case": case}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_detach_archives_a_year_drops_it_and_verify_audit_still_passes(restore_layout, clerk, triage, tmp_path,
                                                                        monkeypatch, dicts):
    first = restore_layout
    rows = _populate(first, clerk, triage)
    archive = tmp_path / "archive"
    monkeypatch.setattr(partitioning, "current_year", lambda: first + 2)
    code, output = run("partitions", "--detach", str(first), "--to", str(archive), "--user", clerk.username)
    assert code == 0, output
    for table in LOGS:
        assert f"已归档 {table}_upto{first}" in output
    # The year's partitions are gone from the database; the later ones stay.
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE %s", [f"%_upto{first}"])
        assert cursor.fetchall() == []
    assert not AuditLog.objects.filter(pk__in=[r.pk for r in rows["early"] + [rows["straddler"]]]).exists()
    assert AuditLog.objects.filter(pk=rows["next_year"].pk).exists()
    assert not CaseEvent.objects.filter(pk__in=[e.pk for e in rows["events"]]).exists()
    assert CaseView.objects.filter(pk=rows["views"][2].pk).exists()
    # The archive: one dump per table, a manifest, checksums that sha256sum accepts, dumps that read back.
    [target] = list(archive.iterdir())
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["year"] == first and {t["table"] for t in manifest["tables"]} == {f"{t}_upto{first}" for t in LOGS}
    for entry in manifest["tables"]:
        dump = target / entry["file"]
        assert hashlib.sha256(dump.read_bytes()).hexdigest() == entry["sha256"]
        assert dump.stat().st_mode & 0o077 == 0
        listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True)
        assert f"TABLE DATA public {entry['table']}" in listing.stdout
    counts = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert counts[f"petitions_caseevent_upto{first}"] == 2 and counts[f"petitions_caseview_upto{first}"] == 2
    assert counts[f"accounts_auditlog_upto{first}"] >= 3
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=target, capture_output=True).returncode == 0
    # The straddling row makes two archived runs of the audit chain.
    assert len(manifest["archived"]["audit"]) == 2 and len(manifest["archived"]["caseview"]) == 1
    # Audited: the detach with its ranges, then the archive with the manifest's hash.
    detach = AuditLog.objects.get(action="partition.detach")
    assert detach.data["archived"] == manifest["archived"] and detach.actor == clerk
    done = AuditLog.objects.get(action="partition.archive")
    assert done.data["manifest_sha256"] == hashlib.sha256((target / "manifest.json").read_bytes()).hexdigest()
    # verify_audit passes, from the archive checkpoint at the end of each archived range …
    code, output = run("verify_audit")
    assert code == 0, output
    audit_line = next(line for line in output.splitlines() if line.startswith("audit chain OK"))
    assert f"archived: verified from the checkpoint {manifest['checkpoint']}" in audit_line
    assert audit_line.count("archived") == 2
    # … and, without the checkpoint directory (a restored backup), from the keyed partition.detach row.
    code, output = run("verify_audit", "--no-checkpoint", "--checkpoint-dir", str(tmp_path / "none"))
    assert code == 0 and f"verified from the audit row {detach.seq}" in output
    # A remaining row removed by the owner right after the archived range is still a break.
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE accounts_auditlog_y{first + 1} DISABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM accounts_auditlog_y{first + 1} WHERE id = %s", [rows["next_year"].pk])
        cursor.execute(f"ALTER TABLE accounts_auditlog_y{first + 1} ENABLE TRIGGER USER")
    code, output = run("verify_audit", "--no-checkpoint")
    assert code == 1 and "sequence gap" in output


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_archive_whose_dump_does_not_read_back_drops_nothing_and_resumes(restore_layout, clerk, triage, tmp_path,
                                                                              monkeypatch, dicts):
    first = restore_layout
    _populate(first, clerk, triage)
    monkeypatch.setattr(partitioning, "current_year", lambda: first + 2)
    monkeypatch.setattr(partition_archive, "_dump_rows", lambda path, table: -1)
    with pytest.raises(CommandError, match="归档文件 .* 中有-1行"):
        call_command("partitions", "--detach", str(first), "--to", str(tmp_path / "a"), stdout=StringIO())
    # Detached (so no longer read through the parents) but kept, guarded, and listed as unfinished.
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, relispartition FROM pg_class WHERE relname = %s",
                       [f"accounts_auditlog_upto{first}"])
        assert cursor.fetchall() == [(f"accounts_auditlog_upto{first}", False)]
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(f"DELETE FROM accounts_auditlog_upto{first}")
    assert "已分离，未归档完" in run("partitions", "--list")[1]
    assert run("verify_audit", "--no-checkpoint")[0] == 0  # bridged by the recorded ranges
    monkeypatch.undo()
    monkeypatch.setattr(partitioning, "current_year", lambda: first + 2)
    # Second run: the dumps are written and read back, then the transaction that drops the tables fails.
    real_record = partition_archive.audit_record

    def failing_record(**kwargs):
        if kwargs["action"] == partition_archive.ARCHIVED_ACTION:
            raise RuntimeError("the database went away")
        return real_record(**kwargs)

    monkeypatch.setattr(partition_archive, "audit_record", failing_record)
    with pytest.raises(RuntimeError):
        call_command("partitions", "--detach", str(first), "--to", str(tmp_path / "a"), stdout=StringIO())
    [target] = list((tmp_path / "a").iterdir())
    manifest = (target / "manifest.json").read_bytes()
    assert len(partitioning.detached_leftovers(connection, "accounts_auditlog")) == 1
    # Third run: the checked archive is taken as it is (not written again) and the tables go.
    monkeypatch.setattr(partition_archive, "audit_record", real_record)
    code, output = run("partitions", "--detach", str(first), "--to", str(tmp_path / "a"))
    assert code == 0, output
    assert (target / "manifest.json").read_bytes() == manifest
    assert AuditLog.objects.filter(action="partition.detach").count() == 1
    assert AuditLog.objects.filter(action="partition.archive").count() == 1
    assert partitioning.detached_leftovers(connection, "accounts_auditlog") == []
    assert run("verify_audit")[0] == 0


@postgres_only
@pytest.mark.django_db
def test_detach_refuses_recent_years_gaps_and_years_inside_a_larger_partition(monkeypatch, tmp_path):
    first = upto_year()
    monkeypatch.setattr(partitioning, "current_year", lambda: first + 3)

    def refused(year):
        with pytest.raises(CommandError) as caught:
            call_command("partitions", "--detach", str(year), "--to", str(tmp_path), stdout=StringIO())
        return str(caught.value)

    assert "不能归档当年和上一年" in refused(first + 3) and "不能归档当年和上一年" in refused(first + 2)
    assert f"还有更早的分区 accounts_auditlog_upto{first}" in refused(first + 1)
    assert f"只能整体归档：待可以时执行 --detach {first}" in refused(first - 1)
    with pytest.raises(CommandError, match="--to"):
        call_command("partitions", "--detach", str(first), stdout=StringIO())
    assert not list(tmp_path.iterdir())
    assert not AuditLog.objects.filter(action__startswith="partition.").exists()


# --- the migration's function on a table with rows (the path a live database takes) --------------------------

@postgres_only
@pytest.mark.django_db(transaction=True)
def test_partitioning_a_table_with_rows_copies_nothing_and_skips_the_attach_scan():
    table, child = "xf_scratch_log", "xf_scratch_ref"
    from accounts.append_only import guards

    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {table} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                           f"created_at timestamptz NOT NULL, seq bigint NOT NULL UNIQUE, note text NOT NULL)")
            cursor.execute(f"CREATE INDEX {table}_note ON {table} (note)")
            cursor.execute(f"CREATE TABLE {child} (id serial PRIMARY KEY, log_id bigint REFERENCES {table} (id))")
            cursor.execute(f"INSERT INTO {table} (created_at, seq, note) "
                           f"SELECT now() - g * interval '1 day', g, 'n' || g FROM generate_series(1, 2000) g")
            cursor.execute(f"INSERT INTO {child} (log_id) VALUES (1)")
            cursor.execute(f"GRANT SELECT ON {table} TO PUBLIC")  # a grant to another role stays on the parent
            cursor.execute(f"SELECT pg_relation_filenode('{table}'::regclass)")
            filenode = cursor.fetchone()[0]
            cursor.execute("SET client_min_messages = debug1")
        from accounts.append_only import protect_table

        class Editor:
            def __init__(self):
                self.connection = connection

            def execute(self, sql, params=None):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)

        protect_table(Editor(), table)
        connection.connection.notices.clear()
        timings = partitioning.partition_existing(connection, table)
        notices = "".join(connection.connection.notices)
        with connection.cursor() as cursor:
            cursor.execute("RESET client_min_messages")
        [legacy] = [p for p in partitioning.partitions(connection, table) if p.start is None and not p.default]
        year = legacy.last_year + 1
        assert f'partition constraint for table "{table}_upto{year - 1}" is implied by existing constraints' in notices
        assert set(timings) >= {"unique index (id, created_at)", "validate range check", "swap (locked)"}
        with connection.cursor() as cursor:
            # The same storage, now a partition: not a row was copied.
            cursor.execute(f"SELECT pg_relation_filenode('{table}_upto{year - 1}'::regclass), count(*) FROM {table}")
            assert cursor.fetchone() == (filenode, 2000)
            cursor.execute(f"INSERT INTO {table} (created_at, seq, note) VALUES (now(), 2001, 'new') RETURNING id, "
                           f"tableoid::regclass::text")
            assert cursor.fetchone() == (2001, f"{table}_upto{year - 1}")
            cursor.execute(f"SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
            assert {row[0] for row in cursor.fetchall()} == {f"{table}_pkey", f"{table}_note"}
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass",
                           [child])
            assert cursor.fetchone()[0] == 0
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(f"DELETE FROM {table}_upto{year - 1}")
            with pytest.raises(DatabaseError, match="duplicate key"), transaction.atomic():  # seq: unique
                cursor.execute(f"INSERT INTO {table} (created_at, seq, note) VALUES (now(), 5, 'dup')")
        names = {(name, tab) for name, tab, _d in guards(connection)}
        assert {(f"xf_guard_{table}_row", table),
                (f"xf_guard_{table}_upto{year - 1}_truncate", f"{table}_upto{year - 1}"),
                (f"xf_guard_{table}_y{year}_truncate", f"{table}_y{year}")} <= names
        with connection.cursor() as cursor:
            cursor.execute("SELECT has_table_privilege('public', %s, 'SELECT')", [table])
            assert cursor.fetchone()[0] is True
            # Run again (a migration that stopped after the swap): nothing is redone, missing partitions come.
            cursor.execute(f"DROP TABLE {table}_default")
        assert partitioning.partition_existing(connection, table) == {}
        assert f"{table}_default" in {p.name for p in partitioning.partitions(connection, table)}
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET client_min_messages")
            cursor.execute(f"DROP TABLE IF EXISTS {child}, {table} CASCADE")
            cursor.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")


# --- the walk over an archived range (both backends: the rule is the verifier's, not the database's) --------

def _owner_deletes(rows):
    """What archiving does to the database, done by hand: the rows are gone (triggers off, rolled back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_auditlog DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS xf_guard_accounts_auditlog_delete")
        cursor.execute(f"DELETE FROM accounts_auditlog WHERE id IN ({', '.join(str(r.pk) for r in rows)})")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_auditlog ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_the_walk_bridges_only_an_exactly_recorded_archive_range():
    from accounts.audit import ArchivedRange, audit_record

    rows = [audit_record(action=f"test.row{i}", summary=f"第{i}条") for i in range(6)]
    call_command("audit_checkpoint", stdout=StringIO())  # names rows[5], which stays
    gone = rows[1:4]
    _owner_deletes(gone)
    first, last = gone[0].seq, gone[-1].seq
    assert "sequence gap" in verify_log(AuditLog, archived=[])[1].reason

    def bridged(*ranges):
        return verify_log(AuditLog, archived=[ArchivedRange(chain, *r, "checkpoint x.json") for chain, *r in ranges])

    state, broken = bridged(("audit", first, last, gone[-1].row_hash))
    assert broken is None and [(r.first, r.last) for r in state.archived] == [(first, last)]
    assert "sequence gap" in bridged(("audit", first, last - 1, gone[-2].row_hash))[1].reason  # one row more gone
    assert "sequence gap" in bridged(("audit", first + 1, last, gone[-1].row_hash))[1].reason  # starts later
    assert "sequence gap" in bridged(("caseview", first, last, gone[-1].row_hash))[1].reason  # another chain's
    assert "does not match the archived row" in bridged(("audit", first, last, gone[-2].row_hash))[1].reason
    # Recorded by a keyed audit row (as ``partitions --detach`` records it): verify_audit passes, saying
    # where it started; the regular checkpoint naming a later row still compares.
    record = audit_record(action="partition.detach", data={"year": 2020, "archived": {
        "audit": [[first, last, gone[-1].row_hash]]}})
    code, output = run("verify_audit", "--no-checkpoint")
    assert code == 0, output
    assert f"rows {first}–{last} archived: verified from the audit row {record.seq} at row {last}" in output
    assert "consistent with 1 checkpoint(s)" in output
    # A record altered without the key vouches for nothing (and is itself a break).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_auditlog DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS xf_guard_accounts_auditlog_update")
        cursor.execute("UPDATE accounts_auditlog SET data = %s WHERE id = %s",
                       [json.dumps({"year": 2020, "archived": {"audit": [[first, last + 1, rows[4].row_hash]]}}),
                        record.pk])
    broken = verify_chain()
    assert broken is not None and "sequence gap" in broken.reason


# --- the benchmark generator on the partitioned trail ------------------------------------------------------

@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_generator_copies_into_the_year_partitions_and_rebuilds_their_indexes():
    """COPY into the parent routes rows by year; ``--indexes rebuild`` drops the parent's partitioned
    indexes and must build them again on every partition (pg_indexes reads them "ON ONLY")."""
    from datetime import date

    from bench.generator import generate

    generate(count=300, seed=5, years=2, end_date=date(partitioning.local_year(), 11, 30), index_mode="rebuild",
             stream=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT tableoid::regclass::text, min(created_at), max(created_at), count(*) "
                       "FROM petitions_caseevent GROUP BY 1")
        found = cursor.fetchall()
        assert sum(row[3] for row in found) == CaseEvent.objects.count() > 300
        for name, low, high, _count in found:
            part = next(p for p in partitioning.partitions(connection, "petitions_caseevent") if p.name == name)
            assert (part.start is None or part.start <= low) and (part.end is None or high < part.end)
        assert len(found) >= 2  # two years of history: more than one partition
        for part in partitioning.partitions(connection, "petitions_caseevent"):
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                           [part.name, "%(case_id)%"])
            assert cursor.fetchone()[0] == 1, part.name
