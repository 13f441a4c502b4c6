"""``flush`` that also works on SQLite's append-only triggers.

Wiping the whole database is an operator's act (and what the test runner does between
transactional tests); on SQLite the triggers are told so through the xf_maintenance table
for the duration of the wipe. PostgreSQL's flush uses TRUNCATE, which row triggers ignore.
"""
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS xf_maintenance (flag integer)")
            cursor.execute("INSERT INTO xf_maintenance (flag) VALUES (1)")
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM xf_maintenance")
                # Virtual tables are not models, so the base flush leaves them alone.
                tables = connection.introspection.table_names(cursor)
                if "petitions_case_fts" in tables:
                    cursor.execute("DELETE FROM petitions_case_fts")
