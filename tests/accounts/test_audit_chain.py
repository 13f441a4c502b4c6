"""The audit log is append-only (model, admin, database triggers) and chained with a keyed MAC;
signed checkpoints outside the database catch what a consistent chain cannot show.

Each attack of "Security, second round" item 3 is a test: rows updated or deleted through the
application's connection (refused), TRUNCATE (refused on PostgreSQL), a chain recomputed without the
key (detected), a tail deleted with the head moved back (detected by a checkpoint), a truncated table
(detected by a checkpoint), a chain recomputed with the key (detected by a checkpoint) and a forged
checkpoint (detected). "The owner" below is whoever can switch the triggers off (rolled back with the
test).
"""
import hashlib
import json
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from accounts import chain
from accounts.audit import GENESIS_HASH, audit_record, compute_hash, verify_chain
from accounts.checkpoints import checkpoint_files, key_generate, public_key_text, signing_key
from accounts.models import AuditLog, ChainHead


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    """Each test starts without checkpoints (they would describe another test's rolled-back rows)."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


@pytest.fixture
def rows(sysadmin):
    return [audit_record(action=f"test.event{i}", actor=sysadmin, summary=f"第{i}条", data={"i": i})
            for i in range(5)]


def owner_disables_triggers(*tables):
    """What only a database owner can do: switch the protection off (rolled back with the test)."""
    with connection.cursor() as cursor:
        for table in tables or ("accounts_auditlog", "accounts_chainhead"):
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                # A partitioned log's partitions have TRUNCATE triggers of their own (accounts/partitioning.py).
                cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass",
                               [table])
                for (partition,) in cursor.fetchall():
                    cursor.execute(f"ALTER TABLE {partition} DISABLE TRIGGER USER")
            else:
                for what in ("update", "delete", "replace"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS xf_guard_{table}_{what}")


def owner_moves_head(name, row):
    """Point the chain head at ``row`` (or at the empty chain)."""
    seq, last_hash, last_id = (row.seq, row.row_hash, row.id) if row is not None else (0, GENESIS_HASH, 0)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_chainhead SET seq = %s, last_hash = %s, last_id = %s WHERE chain = %s",
                       [seq, last_hash, last_id, name])


def run_verify(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


# --- the chain -------------------------------------------------------------------------------------

def test_append_links_each_row_to_the_previous_one(rows):
    assert rows[0].prev_hash == GENESIS_HASH or AuditLog.objects.filter(id__lt=rows[0].id).exists()
    for previous, row in zip(rows, rows[1:]):
        assert row.seq == previous.seq + 1 and row.prev_hash == previous.row_hash
        assert row.row_hash == compute_hash(previous.row_hash, AuditLog.objects.get(pk=row.pk))
    head = ChainHead.objects.get(chain="audit")
    assert (head.seq, head.last_hash, head.last_id) == (rows[-1].seq, rows[-1].row_hash, rows[-1].id)
    assert verify_chain() is None


def test_the_mac_is_keyed_and_the_key_is_not_in_the_database(rows, settings):
    row = AuditLog.objects.get(pk=rows[2].pk)
    fields = AuditLog.CHAIN_FIELDS
    assert row.row_hash == chain.row_mac("audit", row.seq, row.prev_hash, row, fields)
    assert row.row_hash != hashlib.sha256((row.prev_hash + chain.canonical(row, fields)).encode()).hexdigest()
    settings.AUDIT_HMAC_KEY = "ab" * 32
    assert not row.mac_matches()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            assert not any(("0f1e2d3c4b5a6978" in str(value)) for record in cursor.fetchall() for value in record)


def test_audit_row_records_actor_org_and_address(sysadmin):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    row = audit_record(action="test.ip", actor=sysadmin, target=sysadmin, request=request)
    assert (row.actor_username, row.actor_org_code, row.ip_address) == ("admin", "53390001", "192.0.2.10")
    assert (row.object_type, row.object_id) == ("User", str(sysadmin.pk))


def test_verify_audit_passes_on_an_intact_chain_and_writes_a_signed_checkpoint(rows, checkpoint_dir):
    code, output = run_verify()
    assert code == 0 and "audit chain OK" in output and "caseview chain OK" in output
    [path] = checkpoint_files()
    document = json.loads(path.read_text())
    assert document["checkpoint"]["chains"]["audit"] == {"seq": rows[-1].seq, "hash": rows[-1].row_hash}
    assert document["public_key"] == public_key_text(signing_key().public_key())
    code, output = run_verify()
    assert code == 0 and "consistent with 1 checkpoint(s)" in output and len(checkpoint_files()) == 2


def test_audit_checkpoint_command_writes_one_file_per_run(rows):
    for _ in range(2):
        call_command("audit_checkpoint", stdout=StringIO())
    files = checkpoint_files()
    assert len(files) == 2 and len({f.name for f in files}) == 2
    assert all(f.stat().st_mode & 0o222 == 0 for f in files)  # written once, read-only
    assert run_verify()[0] == 0


def test_audit_checkpoint_refuses_to_sign_a_head_that_does_not_match_its_row(rows):
    owner_disables_triggers()
    owner_moves_head("audit", rows[1])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_chainhead SET last_hash = %s WHERE chain = 'audit'", ["f" * 64])
    with pytest.raises(CommandError, match="does not match"):
        call_command("audit_checkpoint", stdout=StringIO())
    assert checkpoint_files() == []


def test_keygen_prints_the_public_key_and_refuses_to_overwrite(settings, tmp_path):
    settings.AUDIT_SIGNING_KEY_PATH = tmp_path / "k" / "audit.key"
    out = StringIO()
    call_command("audit_checkpoint", "--keygen", stdout=out)
    assert settings.AUDIT_SIGNING_KEY_PATH.stat().st_mode & 0o077 == 0
    assert public_key_text(signing_key().public_key()) in out.getvalue()
    with pytest.raises(CommandError, match="exists"):
        call_command("audit_checkpoint", "--keygen", stdout=StringIO())


def test_production_never_creates_a_missing_key(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_CREATE_MISSING_KEYS = False
    settings.AUDIT_SIGNING_KEY_PATH = tmp_path / "missing.key"
    with pytest.raises(ImproperlyConfigured, match="--keygen"):
        signing_key()
    settings.AUDIT_HMAC_KEY = None
    with pytest.raises(ImproperlyConfigured, match="DJANGO_AUDIT_HMAC_KEY"):
        chain.hmac_key()


# --- append-only through the application's connection -------------------------------------------

def test_model_refuses_update_and_delete(rows):
    row = AuditLog.objects.get(pk=rows[1].pk)
    row.summary = "改过"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.bulk_create([AuditLog(action="x")])


@pytest.mark.parametrize("sql", [
    "UPDATE accounts_auditlog SET summary = 'altered' WHERE id = %s",
    "DELETE FROM accounts_auditlog WHERE id = %s",
])
def test_database_trigger_refuses_raw_update_and_delete(rows, sql):
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [rows[2].pk])
    assert AuditLog.objects.get(pk=rows[2].pk).summary == "第2条"


def test_queryset_update_and_delete_are_refused_by_the_database(rows):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=rows[0].pk).update(summary="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=rows[0].pk).delete()
    assert AuditLog.objects.count() >= 5


@pytest.mark.parametrize("sql", [
    "UPDATE accounts_chainhead SET seq = seq - 1 WHERE chain = 'audit'",
    "UPDATE accounts_chainhead SET last_hash = 'x' WHERE chain = 'audit'",
    "DELETE FROM accounts_chainhead WHERE chain = 'audit'",
])
def test_the_head_cannot_be_moved_back_or_removed(rows, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert ChainHead.objects.get(chain="audit").seq == rows[-1].seq


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize("table", ["accounts_auditlog", "accounts_chainhead"])
def test_truncate_is_refused(rows, table):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditLog.objects.count() >= 5


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the switch was SQLite's")
def test_there_is_no_switch_that_turns_the_sqlite_triggers_off(rows):
    """The first version skipped its triggers while the table xf_maintenance had a row."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS xf_maintenance (flag integer)")
        cursor.execute("INSERT INTO xf_maintenance (flag) VALUES (1)")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlog WHERE id = %s", [rows[0].pk])
    assert AuditLog.objects.filter(pk=rows[0].pk).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="INSERT OR REPLACE is SQLite's")
def test_insert_or_replace_cannot_rewrite_a_row(rows):
    """SQLite's REPLACE deletes the old row without firing delete triggers."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT OR REPLACE INTO accounts_auditlog (id, seq, created_at, actor_username, actor_org_code, "
                       "action, object_type, object_id, summary, data, succeeded, prev_hash, row_hash) "
                       "SELECT id, seq, created_at, actor_username, actor_org_code, 'forged', object_type, object_id, "
                       "summary, data, succeeded, prev_hash, row_hash FROM accounts_auditlog WHERE id = %s",
                       [rows[1].pk])
    assert AuditLog.objects.get(pk=rows[1].pk).action == "test.event1"


def test_admin_site_is_read_only(rf, sysadmin):
    model_admin = admin.site._registry[AuditLog]
    request = rf.get("/")
    request.user = sysadmin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_writes_of_the_services_land_in_the_chain(client, sysadmin):
    client.force_login(sysadmin)
    client.post("/accounts/orgs/new/", {"code": "53390088", "name": "州测试办", "kind": "department",
                                        "sort_order": 0, "is_active": "on"})
    assert AuditLog.objects.filter(action="org.create", actor=sysadmin).exists()
    assert verify_chain() is None


# --- what the owner can do, and how it shows -------------------------------------------------------

def test_tampering_with_one_row_is_detected(rows):
    owner_disables_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditlog SET summary = %s WHERE id = %s", ["篡改", rows[2].pk])
    broken = verify_chain()
    assert broken is not None and broken.row_id == rows[2].pk and "altered" in broken.reason
    code, output = run_verify()
    assert code == 1 and f"row {rows[2].pk}" in output
    assert checkpoint_files() == []  # a broken chain is never signed


def test_tampering_with_the_data_field_is_detected(rows):
    owner_disables_triggers()
    AuditLog.objects.filter(pk=rows[3].pk).update(data={"i": 99})
    assert verify_chain().row_id == rows[3].pk


def test_removing_a_row_is_detected(rows):
    owner_disables_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlog WHERE id = %s", [rows[1].pk])
    broken = verify_chain()
    assert broken.row_id == rows[2].pk and "removed" in broken.reason
    code, output = run_verify()
    assert code == 1 and f"row {rows[2].pk}" in output


def test_removing_the_last_row_is_detected(rows):
    owner_disables_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlog WHERE id = %s", [rows[-1].pk])
    broken = verify_chain()
    assert broken is not None and "end" in broken.reason
    assert run_verify()[0] == 1


def test_a_head_moved_back_over_rows_that_remain_is_detected(rows):
    owner_disables_triggers()
    owner_moves_head("audit", AuditLog.objects.get(pk=rows[2].pk))
    broken = verify_chain()
    assert broken.row_id == rows[3].pk and "head was moved back" in broken.reason


def test_a_chain_recomputed_without_the_key_is_detected(rows):
    """The owner alters a row and recomputes the rest of the chain and the head with SHA-256, as the
    unkeyed chain was computed: everything links, nothing carries a valid MAC."""
    owner_disables_triggers()
    prev = AuditLog.objects.get(pk=rows[1].pk).row_hash
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditlog SET summary = %s WHERE id = %s", ["篡改", rows[2].pk])
        for original in rows[2:]:
            row = AuditLog.objects.get(pk=original.pk)
            forged = hashlib.sha256((prev + chain.canonical(row, AuditLog.CHAIN_FIELDS)).encode()).hexdigest()
            cursor.execute("UPDATE accounts_auditlog SET prev_hash = %s, row_hash = %s WHERE id = %s",
                           [prev, forged, row.pk])
            prev = forged
    owner_moves_head("audit", AuditLog.objects.get(pk=rows[-1].pk))
    broken = verify_chain()
    assert broken is not None and broken.row_id == rows[2].pk and "without the key" in broken.reason
    code, output = run_verify()
    assert code == 1 and "recomputed without the key" in output


def test_a_deleted_tail_with_the_head_moved_back_is_detected_by_the_checkpoint(rows):
    assert run_verify()[0] == 0  # the auditor's checkpoint: rows up to rows[-1]
    owner_disables_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlog WHERE id IN (%s, %s)", [rows[3].pk, rows[4].pk])
    owner_moves_head("audit", AuditLog.objects.get(pk=rows[2].pk))
    assert verify_chain() is None  # the chain itself is consistent again
    code, output = run_verify()
    assert code == 1
    assert f"the audit chain had row {rows[-1].seq}, it now ends at row {rows[2].seq}" in output
    assert "removed from the end" in output


def test_a_truncated_log_is_detected_by_the_checkpoint(rows):
    call_command("audit_checkpoint", stdout=StringIO())
    owner_disables_triggers("accounts_auditlog", "accounts_chainhead", "petitions_caseevent")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE accounts_auditlog, accounts_chainhead CASCADE")
        else:
            cursor.execute("DELETE FROM accounts_auditlog")
            cursor.execute("DELETE FROM accounts_chainhead")
    assert verify_chain() is None  # an empty log is a consistent one
    code, output = run_verify()
    assert code == 1 and "it now ends at row 0" in output and "truncated" in output


def test_a_chain_recomputed_with_the_key_is_detected_by_the_checkpoint(rows):
    """Even an owner who also stole the chain key cannot match the checkpoints, which only the
    signing key can write."""
    assert run_verify()[0] == 0
    owner_disables_triggers()
    prev = AuditLog.objects.get(pk=rows[1].pk).row_hash
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditlog SET summary = %s WHERE id = %s", ["篡改", rows[2].pk])
        for original in rows[2:]:
            row = AuditLog.objects.get(pk=original.pk)
            mac = chain.row_mac("audit", row.seq, prev, row, AuditLog.CHAIN_FIELDS)
            cursor.execute("UPDATE accounts_auditlog SET prev_hash = %s, row_hash = %s WHERE id = %s",
                           [prev, mac, row.pk])
            prev = mac
    owner_moves_head("audit", AuditLog.objects.get(pk=rows[-1].pk))
    assert verify_chain() is None
    code, output = run_verify()
    assert code == 1 and f"row {rows[-1].seq} of the audit chain no longer has the hash it had" in output
    assert "recomputed" in output


def test_a_forged_checkpoint_is_detected(rows):
    """The owner shortens the chain and rewrites the auditor's checkpoint to match: the signature fails."""
    assert run_verify()[0] == 0
    [path] = checkpoint_files()
    owner_disables_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlog WHERE id = %s", [rows[4].pk])
    short = AuditLog.objects.get(pk=rows[3].pk)
    owner_moves_head("audit", short)
    document = json.loads(path.read_text())
    document["checkpoint"]["chains"]["audit"] = {"seq": short.seq, "hash": short.row_hash}
    path.chmod(0o600)
    path.write_text(json.dumps(document))
    code, output = run_verify()
    assert code == 1 and f"checkpoint {path.name}: bad signature" in output


def test_a_checkpoint_signed_with_another_key_is_detected(rows, settings, tmp_path):
    settings.AUDIT_SIGNING_KEY_PATH = tmp_path / "forger.key"
    key_generate(settings.AUDIT_SIGNING_KEY_PATH)
    call_command("audit_checkpoint", stdout=StringIO())
    settings.AUDIT_SIGNING_KEY_PATH = tmp_path / "real.key"
    real = key_generate(settings.AUDIT_SIGNING_KEY_PATH)
    code, output = run_verify("--public-key", real)
    assert code == 1 and "signed by another key" in output


def test_the_auditor_checks_with_his_own_copy_of_the_public_key(rows, settings, tmp_path):
    public = public_key_text(signing_key().public_key())
    assert run_verify("--public-key", public)[0] == 0
    with pytest.raises(CommandError, match="public key"):
        call_command("verify_audit", "--public-key", "not-a-key", stdout=StringIO(), stderr=StringIO())
