"""The access log (CaseView: who opened whose personal data, from where) is append-only and chained
like the audit log: the model and the database refuse changes, its chain verifies, tampering shows."""
import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from accounts.audit import verify_log
from accounts.models import ChainHead
from petitions.models import CaseView
from petitions.services.access_log import case_view_record
from tests.petitions.intake_factories import dicts, register

__all__ = ["dicts"]

pytestmark = pytest.mark.usefixtures("dicts")


@pytest.fixture
def views(clerk, triage):
    case = register(clerk)
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    return [case_view_record(case=case, user=user, action=action, request=request)
            for user, action in ((clerk, "view"), (triage, "download"), (clerk, "export"))]


def test_a_row_says_who_whose_data_and_from_where(views, clerk):
    row = CaseView.objects.get(pk=views[0].pk)
    assert (row.user, row.org, row.ip_address, row.action) == (clerk, clerk.organization, "198.51.100.7", "view")
    assert row.subject == row.case.number


def test_rows_are_chained_and_verify(views):
    assert [v.seq for v in views] == list(range(views[0].seq, views[0].seq + 3))
    assert [v.prev_hash for v in views[1:]] == [v.row_hash for v in views[:-1]]
    head = ChainHead.objects.get(chain="caseview")
    assert (head.seq, head.last_hash) == (views[-1].seq, views[-1].row_hash)
    assert verify_log(CaseView)[1] is None


def test_opening_a_case_page_appends_a_chained_row_with_the_address(client, clerk):
    case = register(clerk)
    client.force_login(clerk)
    client.get(case.get_absolute_url(), REMOTE_ADDR="203.0.113.5")
    row = CaseView.objects.get(case=case)
    assert (row.action, row.ip_address, row.subject) == ("view", "203.0.113.5", case.number) and row.mac_matches()


def test_the_model_refuses_update_and_delete(views):
    row = CaseView.objects.get(pk=views[0].pk)
    row.action = "download"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()


@pytest.mark.parametrize("sql", [
    "UPDATE petitions_caseview SET user_id = user_id WHERE id = %s",
    "DELETE FROM petitions_caseview WHERE id = %s",
])
def test_the_database_refuses_update_and_delete(views, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [views[0].pk])
    assert CaseView.objects.filter(pk=views[0].pk).exists()


def test_a_case_with_an_access_log_cannot_be_deleted(views):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        views[0].case.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize("sql", ["TRUNCATE petitions_caseview CASCADE", "TRUNCATE petitions_caseevent CASCADE",
                                 "TRUNCATE petitions_case CASCADE"])
def test_truncate_is_refused(views, sql):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the rows' deferred foreign-key checks, done now
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert CaseView.objects.count() == 3


def test_an_altered_row_is_detected(views, triage):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE petitions_caseview DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER xf_guard_petitions_caseview_update")
        # Hide who downloaded the file: attribute it to the clerk.
        cursor.execute("UPDATE petitions_caseview SET user_id = %s WHERE id = %s", [views[0].user_id, views[1].pk])
    broken = verify_log(CaseView)[1]
    assert broken is not None and broken.row_id == views[1].pk and "MAC" in broken.reason


def test_case_events_refuse_update_and_delete(clerk):
    event = register(clerk).events.get()
    for sql in ("UPDATE petitions_caseevent SET note = 'x' WHERE id = %s", "DELETE FROM petitions_caseevent WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
