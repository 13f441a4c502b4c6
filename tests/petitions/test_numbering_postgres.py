"""Concurrent registration on PostgreSQL: gap-free numbers and one case per double post.

Real threads, each with its own database connection, registering at the same moment for the
same organization and year (docs/performance.md §R5.1 / §R7). Skipped on SQLite, where writers are
serialised by BEGIN IMMEDIATE anyway.
"""
import threading
import uuid

import pytest
from django.db import connection, connections

from petitions.models import Case, CaseCounter
from tests.petitions.intake_factories import dicts, person, register, visit_data

__all__ = ["dicts"]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("dicts")]

THREADS = 12


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent transactions)")


def run_at_once(count, work):
    """Run ``work(i)`` in ``count`` threads released together; return results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_concurrent_registrations_get_gap_free_numbers(clerk):
    data = visit_data()
    results, errors = run_at_once(THREADS, lambda i: register(
        clerk, data=data, petitioners=[person(f"来访人{i}", seq=2 * i + 1, phone=f"1380000{i:04d}")]).pk)
    assert errors == []
    cases = Case.objects.filter(pk__in=results)
    assert sorted(cases.values_list("seq", flat=True)) == list(range(1, THREADS + 1))
    assert len(set(cases.values_list("number", flat=True))) == THREADS
    assert CaseCounter.objects.get(org=clerk.organization).last_seq == THREADS


def test_concurrent_double_post_creates_one_case(clerk):
    token = uuid.uuid4().hex
    data = visit_data()
    results, errors = run_at_once(4, lambda i: register(clerk, data=data, token=token).pk)
    assert errors == []
    assert len(set(results)) == 1
    assert Case.objects.count() == 1
    assert CaseCounter.objects.get(org=clerk.organization).last_seq == 1  # losers gave their number back
