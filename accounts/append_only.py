"""Helpers for the append-only trigger set (used by migrations of accounts and petitions)."""

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION xf_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def protect_table(schema_editor, table):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION xf_append_only();"
        )
    elif vendor == "sqlite":
        schema_editor.execute("CREATE TABLE IF NOT EXISTS xf_maintenance (flag integer)")
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"WHEN NOT EXISTS (SELECT 1 FROM xf_maintenance) "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}'); END;"
            )


def unprotect_table(schema_editor, table):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    elif vendor == "sqlite":
        for op in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};")
