"""Database-level protection of the audit trail: UPDATE and DELETE are refused by triggers,
so not even the Django admin, a shell or a raw query through the application role can
rewrite history (and the hash chain detects what a database owner does outside the app).
PostgreSQL's TRUNCATE (used by ``flush``) is not a row operation and is left to the owner."""
from django.db import migrations

from accounts.append_only import protect_table, unprotect_table


def forwards(apps, schema_editor):
    protect_table(schema_editor, "accounts_auditlog")


def backwards(apps, schema_editor):
    unprotect_table(schema_editor, "accounts_auditlog")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
