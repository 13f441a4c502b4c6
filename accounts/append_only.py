"""The database triggers that keep logs append-only (used by migrations of accounts and petitions).

Every trigger is named ``xf_guard_<table>_<what>``, so the set can be listed (``guards``) and
checked by the tests. There is no switch that turns them off at run time: the only code that
removes them is a migration and the test suite's ``flush`` (``AUDIT_FLUSH_ALLOWED``, test settings
only). Whoever can drop triggers (the database owner) is caught by the keyed chain and the signed
checkpoints instead (``accounts/chain.py``, ``accounts/checkpoints.py``).

PostgreSQL: a row trigger refuses UPDATE and DELETE, a statement trigger refuses TRUNCATE (row
triggers do not fire for it), also when another table's ``TRUNCATE … CASCADE`` reaches the table.
The partitioned logs (accounts/partitioning.py) have both on the parent, whose row trigger is
cloned onto each partition, and a TRUNCATE trigger on each partition (not inherited).
SQLite has no TRUNCATE; besides UPDATE and DELETE an INSERT that would replace an existing row
(``INSERT OR REPLACE`` deletes without firing delete triggers) is refused.

On SQLite, a migration that alters a protected table rebuilds it and the triggers are lost with
the old table: such a migration must call ``protect_table`` again (tests/accounts/test_append_only.py
fails otherwise).
"""

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION xf_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

PG_HEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION xf_chain_head_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.chain = OLD.chain AND NEW.seq = OLD.seq + 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'chain head %: a head only advances by one row', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

PREFIX = "xf_guard_"


def _sqlite_raise(message):
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def protect_table(schema_editor, table, unique=("id",)):
    """Refuse UPDATE, DELETE and TRUNCATE on ``table``; on SQLite also an INSERT that would replace
    a row with the same value in one of the ``unique`` columns."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {PREFIX}{table}_row BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION xf_append_only();", params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {PREFIX}{table}_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION xf_append_only();", params=None)
    elif vendor == "sqlite":
        message = f"append-only table {table}"
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER {PREFIX}{table}_{op.lower()} BEFORE {op} ON {table} {_sqlite_raise(message)}",
                params=None)
        clash = " OR ".join(f"{column} = NEW.{column}" for column in unique)
        schema_editor.execute(
            f"CREATE TRIGGER {PREFIX}{table}_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) {_sqlite_raise(message)}", params=None)


def protect_chain_head(schema_editor, table):
    """The chain-head table: a row may only advance (``seq`` + 1, same chain); no DELETE, no
    TRUNCATE, no replacing INSERT. Inserting the head of a new chain stays possible."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        schema_editor.execute(PG_HEAD_FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {PREFIX}{table}_row BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION xf_chain_head_guard();", params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {PREFIX}{table}_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION xf_append_only();", params=None)
    elif vendor == "sqlite":
        message = f"chain head {table}: a head only advances by one row"
        schema_editor.execute(
            f"CREATE TRIGGER {PREFIX}{table}_update BEFORE UPDATE ON {table} "
            f"WHEN NEW.chain <> OLD.chain OR NEW.seq <> OLD.seq + 1 {_sqlite_raise(message)}", params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {PREFIX}{table}_delete BEFORE DELETE ON {table} {_sqlite_raise(message)}", params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {PREFIX}{table}_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE chain = NEW.chain) {_sqlite_raise(message)}", params=None)


def _pg_trigger_exists(cursor, table, name):
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s)",
                   [table, name])
    return cursor.fetchone()[0]


def pg_protect_partitioned(cursor, table):
    """A partitioned table (accounts/partitioning.py): the row trigger on the parent is cloned onto
    every partition, present and future; its TRUNCATE trigger fires for a TRUNCATE of the parent."""
    cursor.execute(PG_FUNCTION)
    cursor.execute(f"CREATE TRIGGER {PREFIX}{table}_row BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION xf_append_only()")
    cursor.execute(f"CREATE TRIGGER {PREFIX}{table}_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION xf_append_only()")


def pg_protect_partition(cursor, partition, *, if_missing=False):
    """One partition: TRUNCATE triggers are not inherited, and a partition can be truncated by
    name, so each has its own (also fired when the parent is truncated)."""
    name = f"{PREFIX}{partition}_truncate"
    if if_missing and _pg_trigger_exists(cursor, partition, name):
        return
    cursor.execute(PG_FUNCTION)
    cursor.execute(f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {partition} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION xf_append_only()")


def pg_protect_detached(cursor, table):
    """A partition just detached for archiving: it loses the parent's row trigger, so it gets one
    of its own until it is dropped (``accounts/partition_archive.py``)."""
    name = f"{PREFIX}{table}_row"
    if not _pg_trigger_exists(cursor, table, name):
        cursor.execute(f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION xf_append_only()")
    pg_protect_partition(cursor, table, if_missing=True)


def pg_unguard(cursor, partition, *, old_table):
    """The table ``old_table``, renamed ``partition`` and about to become a partition: its row trigger
    goes (the parent's is cloned onto it), its TRUNCATE trigger takes the partition's name."""
    cursor.execute(f"DROP TRIGGER IF EXISTS {PREFIX}{old_table}_row ON {partition}")
    if _pg_trigger_exists(cursor, partition, f"{PREFIX}{old_table}_truncate"):
        cursor.execute(f"ALTER TRIGGER {PREFIX}{old_table}_truncate ON {partition} "
                       f"RENAME TO {PREFIX}{partition}_truncate")


def unprotect_table(schema_editor, table):
    """Drop the triggers of ``table``, including those of the first version (before accounts 0006)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for name in (f"{table}_append_only", f"{PREFIX}{table}_row", f"{PREFIX}{table}_truncate"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};", params=None)
    elif vendor == "sqlite":
        for name in (f"{table}_no_update", f"{table}_no_delete", f"{PREFIX}{table}_update",
                     f"{PREFIX}{table}_delete", f"{PREFIX}{table}_replace"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};", params=None)


def guards(connection):
    """The guard triggers present: a list of ``(name, table, definition)``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                # Not the clones of a partitioned table's row trigger on its partitions (tgparentid):
                # they come and go with the parent's.
                "WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgname LIKE 'xf!_guard!_%' ESCAPE '!' "
                "ORDER BY 1")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master "
                           "WHERE type = 'trigger' AND name LIKE 'xf!_guard!_%' ESCAPE '!' ORDER BY 1")
        else:
            return []
        return [tuple(row) for row in cursor.fetchall()]


def drop_guards(connection):
    """Drop every guard trigger and return them for ``restore_guards``. Only the test suite's
    ``flush`` calls this, inside the transaction that restores them."""
    found = guards(connection)
    with connection.cursor() as cursor:
        for name, table, _definition in found:
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER {connection.ops.quote_name(name)} ON {connection.ops.quote_name(table)}')
            else:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    return found


def restore_guards(connection, found):
    with connection.cursor() as cursor:
        for _name, _table, definition in found:
            cursor.execute(definition)
