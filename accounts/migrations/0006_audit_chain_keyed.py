"""The audit chain becomes keyed and the append-only triggers lose their switch (README: 审计).

One-time conversion of the existing rows, in one transaction: the unkeyed SHA-256 chain is first
verified as it stood (rows, links, and the old head against the last row), then every row is
numbered (``seq``) and re-chained in id order with HMAC-SHA-256 under ``DJANGO_AUDIT_HMAC_KEY``
(so the key must be set when this runs), and a last row ``audit.chain_keyed`` records the
conversion: how many rows, the old chain's head hash and whether, and where, it was already broken.
A conversion therefore never hides earlier tampering. Irreversible: the old code cannot read the
keyed chain.

Triggers: the SQLite ones no longer consult the ``xf_maintenance`` table; PostgreSQL
also refuses TRUNCATE; the new chain-head table only advances (accounts/append_only.py).
"""
from django.db import migrations, models
from django.utils import timezone

from accounts import chain
from accounts.append_only import protect_chain_head, protect_table, unprotect_table

# The covered fields of both versions, frozen here (accounts.models.AuditLog.CHAIN_FIELDS).
FIELDS = ("created_at", "actor", "actor_username", "actor_org_code", "ip_address", "action", "object_type",
          "object_id", "summary", "data", "succeeded")


def drop_old_guards(apps, schema_editor):
    # The xf_maintenance table goes in petitions 0012, with the last triggers that read it.
    unprotect_table(schema_editor, "accounts_auditlog")


def _legacy_check(AuditLog, OldHead):
    """The old chain as it stood: (rows, head hash, first break or None)."""
    prev, count, last, broken = chain.GENESIS_HASH, 0, None, None
    for row in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if broken is None and row.prev_hash != prev:
            broken = {"row": row.id, "reason": "previous hash does not match"}
        elif broken is None and chain.legacy_hash(row.prev_hash, row, FIELDS) != row.row_hash:
            broken = {"row": row.id, "reason": "row content does not match its hash"}
        prev, last = row.row_hash, row
    head = OldHead.objects.filter(pk=1).first()
    if broken is None and last is not None and head is not None and (head.last_hash, head.last_id) != (prev, last.id):
        broken = {"row": last.id, "reason": "chain head does not match the last row"}
    return count, prev, broken


def rechain(apps, schema_editor):
    AuditLog = apps.get_model("accounts", "AuditLog")
    ChainHead = apps.get_model("accounts", "ChainHead")
    count, legacy_head, broken = _legacy_check(AuditLog, apps.get_model("accounts", "AuditChainHead"))
    chain.rechain_rows(AuditLog, ChainHead, "audit", FIELDS, ("id",))
    if count:
        chain.append_row(
            AuditLog, ChainHead, "audit", FIELDS, created_at=timezone.now(), actor_username="", actor_org_code="",
            ip_address=None, action="audit.chain_keyed", object_type="", object_id="",
            summary="审计链改为密钥哈希链（HMAC-SHA-256）",
            data={"rows": count, "legacy_head": legacy_head, "legacy_intact": broken is None, "legacy_break": broken},
            succeeded=True)


def install_guards(apps, schema_editor):
    protect_table(schema_editor, "accounts_auditlog", unique=("id", "seq", "row_hash"))
    protect_chain_head(schema_editor, "accounts_chainhead")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_reminder_topic"),
    ]

    operations = [
        migrations.RunPython(drop_old_guards),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("chain", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0)),
                ("last_id", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "审计链头"},
        ),
        migrations.AddField(
            model_name="auditlog",
            name="seq",
            field=models.BigIntegerField(null=True, editable=False, unique=True, verbose_name="序号"),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="prev_hash",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="row_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.RunPython(rechain),
        migrations.AlterField(
            model_name="auditlog",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True, verbose_name="序号"),
        ),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.RunPython(install_guards),
    ]
