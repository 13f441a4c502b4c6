"""The audit log is append-only (model, admin, database trigger) and hash-chained (verify_audit)."""
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from accounts.audit import GENESIS_HASH, audit_record, compute_hash, verify_chain
from accounts.models import AuditLog, ChainHead


@pytest.fixture
def rows(sysadmin):
    return [audit_record(action=f"test.event{i}", actor=sysadmin, summary=f"第{i}条", data={"i": i})
            for i in range(5)]


def disable_append_only_triggers():
    """What only a database owner can do: switch the protection off (rolled back with the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_auditlog DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER xf_guard_accounts_auditlog_update")
            cursor.execute("DROP TRIGGER xf_guard_accounts_auditlog_delete")


def run_verify():
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_append_links_each_row_to_the_previous_one(rows):
    assert rows[0].prev_hash == GENESIS_HASH or AuditLog.objects.filter(id__lt=rows[0].id).exists()
    for previous, row in zip(rows, rows[1:]):
        assert row.prev_hash == previous.row_hash
        assert row.row_hash == compute_hash(previous.row_hash, AuditLog.objects.get(pk=row.pk))
    head = ChainHead.objects.get(chain="audit")
    assert (head.last_hash, head.last_id) == (rows[-1].row_hash, rows[-1].id)
    assert verify_chain() is None


def test_audit_row_records_actor_org_and_address(sysadmin):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    row = audit_record(action="test.ip", actor=sysadmin, target=sysadmin, request=request)
    assert (row.actor_username, row.actor_org_code, row.ip_address) == ("admin", "53390001", "192.0.2.10")
    assert (row.object_type, row.object_id) == ("User", str(sysadmin.pk))


def test_verify_audit_command_passes_on_an_intact_chain(rows):
    code, output = run_verify()
    assert code == 0 and "audit chain OK" in output


def test_model_refuses_update_and_delete(rows):
    row = AuditLog.objects.get(pk=rows[1].pk)
    row.summary = "改过"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()


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


def test_tampering_with_one_row_is_detected(rows):
    disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditlog SET summary = %s WHERE id = %s", ["篡改", rows[2].pk])
    broken = verify_chain()
    assert broken is not None and broken.row_id == rows[2].pk and "altered" in broken.reason
    code, output = run_verify()
    assert code == 1 and f"row {rows[2].pk}" in output


def test_tampering_with_the_data_field_is_detected(rows):
    disable_append_only_triggers()
    AuditLog.objects.filter(pk=rows[3].pk).update(data={"i": 99})
    assert verify_chain().row_id == rows[3].pk


def test_removing_a_row_is_detected(rows):
    disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlog WHERE id = %s", [rows[1].pk])
    broken = verify_chain()
    assert broken.row_id == rows[2].pk and "removed" in broken.reason
    code, output = run_verify()
    assert code == 1 and f"row {rows[2].pk}" in output


def test_removing_the_last_row_is_detected(rows):
    disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditlog WHERE id = %s", [rows[-1].pk])
    broken = verify_chain()
    assert broken is not None and "end" in broken.reason
    assert run_verify()[0] == 1


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
