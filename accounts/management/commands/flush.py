"""``flush``, refused on the append-only logs except by the test suite.

The audit log, the access log, the case events and the chain heads refuse DELETE and TRUNCATE
(accounts/append_only.py), so Django's flush cannot empty them, and there is no switch that would
let it. The test runner empties the database between transactional tests with this command: with
``AUDIT_FLUSH_ALLOWED`` (test settings only) it drops the guard triggers, flushes and restores them
in one transaction, so a failure leaves them in place, and recreates the empty chain heads. Anywhere else it refuses: a database that
must be emptied is dropped and migrated again.
"""
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections, transaction

from accounts import chain
from accounts.append_only import drop_guards, guards, restore_guards
from accounts.audit import chained_models
from accounts.models import ChainHead


class Command(FlushCommand):
    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        if not guards(connection):
            return super().handle(**options)
        if not getattr(settings, "AUDIT_FLUSH_ALLOWED", False):
            raise CommandError("The audit log, the access log and the case events are append-only: flush is "
                               "refused. Drop the database and migrate again instead.")
        with transaction.atomic(using=database):
            found = drop_guards(connection)
            result = super().handle(**options)
            restore_guards(connection, found)
            # The empty heads, as the migrations left them: the first append then costs what every
            # later one does.
            for model in chained_models():
                ChainHead.objects.using(database).get_or_create(chain=model.CHAIN,
                                                                defaults={"last_hash": chain.GENESIS_HASH})
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    # Virtual tables are not models, so the base flush leaves them alone.
                    if "petitions_case_fts" in connection.introspection.table_names(cursor):
                        cursor.execute("DELETE FROM petitions_case_fts")
        return result
