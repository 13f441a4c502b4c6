"""Full-text search index over Case.search_tokens, and append-only case events.

PostgreSQL: a generated tsvector column with a GIN index; phrase queries on bigram tokens
(see petitions/text.py and docs/performance.md for the measurements behind the choice).
SQLite: an FTS5 table kept in step by triggers, so every write path (services, bulk loads of
the generator) indexes the same way.
"""
from django.db import migrations

from accounts.append_only import protect_table, unprotect_table


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE petitions_case ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_tokens)) STORED"
        )
        schema_editor.execute("CREATE INDEX case_search_vector_gin ON petitions_case USING GIN (search_vector)")
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE petitions_case_fts USING fts5(search_tokens, tokenize='unicode61')"
        )
        schema_editor.execute(
            "CREATE TRIGGER petitions_case_fts_ai AFTER INSERT ON petitions_case BEGIN "
            "DELETE FROM petitions_case_fts WHERE rowid = new.id; "
            "INSERT INTO petitions_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END"
        )
        schema_editor.execute(
            "CREATE TRIGGER petitions_case_fts_au AFTER UPDATE OF search_tokens ON petitions_case BEGIN "
            "DELETE FROM petitions_case_fts WHERE rowid = old.id; "
            "INSERT INTO petitions_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END"
        )
        schema_editor.execute(
            "CREATE TRIGGER petitions_case_fts_ad AFTER DELETE ON petitions_case BEGIN "
            "DELETE FROM petitions_case_fts WHERE rowid = old.id; END"
        )
    protect_table(schema_editor, "petitions_caseevent")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    unprotect_table(schema_editor, "petitions_caseevent")
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_search_vector_gin")
        schema_editor.execute("ALTER TABLE petitions_case DROP COLUMN IF EXISTS search_vector")
    elif vendor == "sqlite":
        for name in ("ai", "au", "ad"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS petitions_case_fts_{name}")
        schema_editor.execute("DROP TABLE IF EXISTS petitions_case_fts")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0002_seed_dictionaries"), ("accounts", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
