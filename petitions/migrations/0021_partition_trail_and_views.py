"""The case trail (``CaseEvent``) and the personal-data view log (``CaseView``) become partitioned by
year on PostgreSQL (accounts/partitioning.py, docs/architecture.md §4.4, docs/performance.md
"Partitions"); nothing changes on SQLite.

No row is copied: each existing table becomes the partition of everything up to the end of the
current year, behind a new partitioned parent of the same name. Not atomic: the unique index
(id, created_at) is built CONCURRENTLY and the range CHECK validated while the tables stay writable;
each swap is one short transaction.

The links to these tables and to the audit log (partitioned by accounts 0008, which runs after
this one) lose their database constraint (``db_constraint=False``): a foreign key cannot reference a
partitioned table's id alone. Dropped here: ``CaseEvent.audit`` explicitly, and, by the swap, every
constraint that referenced the trail (``Attachment.event``, ``PeerOutboxItem.event`` and the
documents app's ``CaseDocument.event``, whose table documents 0002 must have made first).
Irreversible on PostgreSQL (undoing it would copy every row).
"""
import django.db.models.deletion
from django.db import migrations, models

from accounts.partitioning import drop_foreign_keys, partition_existing, refuse_unpartition

TABLES = ("petitions_caseevent", "petitions_caseview")


def drop_audit_link(apps, schema_editor):
    drop_foreign_keys(schema_editor.connection, "petitions_caseevent", "audit_id")


def forwards(apps, schema_editor):
    for table in TABLES:
        partition_existing(schema_editor.connection, table, "created_at")


def backwards(apps, schema_editor):
    for table in TABLES:
        refuse_unpartition(schema_editor.connection, table)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0007_reminder_remind_at"),
        ("petitions", "0020_exchange_resync_limits_refusals"),
        # documents 0001 created a foreign key to the trail: it must exist before the swap drops it.
        ("documents", "0002_routing_out_kinds"),
    ]
    run_before = [
        ("accounts", "0008_partition_auditlog"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attachment",
                    name="event",
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="attachments",
                                            to="petitions.caseevent"),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="audit",
                    field=models.OneToOneField(blank=True, db_constraint=False, null=True,
                                               on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                               to="accounts.auditlog"),
                ),
                migrations.AlterField(
                    model_name="peeroutboxitem",
                    name="event",
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                            to="petitions.caseevent"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_audit_link, migrations.RunPython.noop)],
        ),
        migrations.RunPython(forwards, backwards),
    ]
