"""Concurrent issuing on PostgreSQL: gap-free 文号 per (organization, kind, year), one document per
record when the same notice is issued twice at once, and a refused issue gives its number back.

Real threads, each with its own connection, released together (docs/performance.md §R5.1). Skipped on
SQLite, where writers are serialised by BEGIN IMMEDIATE anyway."""
import pytest
from django.db import connection

from accounts.exceptions import ServiceError
from documents.kinds import DocumentKind
from documents.models import CaseDocument, DocumentCounter
from documents.services import document_issue
from tests.petitions.test_numbering_postgres import run_at_once
from tests.documents.helpers import make_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent transactions)")


def test_concurrent_issues_get_gap_free_numbers(clerk):
    cases = [make_case(clerk) for _ in range(THREADS)]
    results, errors = run_at_once(THREADS, lambda i: document_issue(
        actor=clerk, case=cases[i], kind=DocumentKind.RECEIPT).pk)
    assert errors == []
    documents = CaseDocument.objects.filter(pk__in=results)
    assert sorted(documents.values_list("seq", flat=True)) == list(range(1, THREADS + 1))
    assert len(set(documents.values_list("number", flat=True))) == THREADS
    assert DocumentCounter.objects.get(org=clerk.organization, kind=DocumentKind.RECEIPT).last_seq == THREADS


def test_the_same_notice_issued_twice_at_once_is_issued_once(clerk):
    case = make_case(clerk)
    results, errors = run_at_once(4, lambda i: document_issue(actor=clerk, case=case, kind=DocumentKind.RECEIPT).pk)
    assert len([r for r in results if r]) == 1
    assert len(errors) == 3 and all(isinstance(e, ServiceError) and e.code == "already_issued" for e in errors)
    assert CaseDocument.objects.count() == 1
    assert DocumentCounter.objects.get(org=clerk.organization, kind=DocumentKind.RECEIPT).last_seq == 1
