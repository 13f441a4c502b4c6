"""The guard triggers are where they must be, with no switch: a migration that rebuilds a protected
table on SQLite (and loses its triggers) fails here; only the test suite's flush may drop them."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.append_only import guards

pytestmark = pytest.mark.django_db

PROTECTED = ("accounts_auditlog", "accounts_chainhead", "petitions_caseevent", "petitions_caseview")


def test_every_append_only_table_is_guarded():
    found = {(table, name) for name, table, _definition in guards(connection)}
    if connection.vendor == "postgresql":
        expected = {(t, f"xf_guard_{t}_{what}") for t in PROTECTED for what in ("row", "truncate")}
    else:
        expected = {(t, f"xf_guard_{t}_{what}") for t in PROTECTED for what in ("update", "delete", "replace")}
    assert expected <= found


def test_no_trigger_consults_a_switch():
    with connection.cursor() as cursor:
        assert "xf_maintenance" not in connection.introspection.table_names(cursor)
    assert not [name for name, _table, definition in guards(connection) if "xf_maintenance" in definition
                or (connection.vendor == "sqlite" and " WHEN " in definition and "_replace" not in name
                    and "chainhead" not in name)]


def test_flush_is_refused_outside_the_test_suite(settings):
    settings.AUDIT_FLUSH_ALLOWED = False
    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", interactive=False, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_suites_flush_restores_the_guards_and_the_empty_heads():
    from accounts.models import ChainHead

    before = guards(connection)
    call_command("flush", interactive=False, verbosity=0)
    assert guards(connection) == before
    assert set(ChainHead.objects.values_list("chain", "seq")) == {("audit", 0), ("caseview", 0)}
