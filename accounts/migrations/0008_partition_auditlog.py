"""The audit log becomes partitioned by year on PostgreSQL (accounts/partitioning.py,
docs/architecture.md §4.4, docs/performance.md "Partitions"); nothing changes on SQLite.

No row is copied: the existing table becomes the partition of everything up to the end of the
current year, behind a new partitioned parent of the same name. Not atomic: the unique index
(id, created_at) is built CONCURRENTLY and the range CHECK validated while the table stays writable;
the swap is one short transaction. It runs after petitions 0021 (``run_before`` there), which drops
the one foreign key that referenced the audit log's id (``CaseEvent.audit``). Irreversible on
PostgreSQL (undoing it would copy every row).
"""
from django.db import migrations

from accounts.partitioning import partition_existing, refuse_unpartition


def forwards(apps, schema_editor):
    partition_existing(schema_editor.connection, "accounts_auditlog", "created_at")


def backwards(apps, schema_editor):
    refuse_unpartition(schema_editor.connection, "accounts_auditlog")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0007_reminder_remind_at"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
