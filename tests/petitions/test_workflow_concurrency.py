"""Two (or more) users acting on the same case at once: exactly one wins, the others are told
"该信访件已被他人处理，请刷新后重试" and nothing else changes. Real concurrent transactions,
so PostgreSQL only (SQLite serialises writers and ignores SELECT … FOR UPDATE)."""
import threading

import pytest
from django.db import connection

from petitions.exceptions import CONCURRENT_MESSAGE, ConcurrentModification, TransitionNotAllowed
from petitions.models import Case, CaseEvent
from petitions.services.transitions import case_transition
from petitions.workflow import Status
from tests.factories import make_user
from tests.petitions.workflow_helpers import act, make_case, org

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def _race(case_pk, users, *, version):
    barrier = threading.Barrier(len(users))
    results = []
    lock = threading.Lock()

    def worker(user):
        try:
            barrier.wait(timeout=10)
            case_transition(case=Case(pk=case_pk), action="accept", actor=user, version=version)
            outcome = "ok"
        except ConcurrentModification as exc:
            assert exc.message == CONCURRENT_MESSAGE
            outcome = "conflict"
        except TransitionNotAllowed:
            outcome = "state"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def race_case(orgs):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrent transactions")
    clerk = make_user("clerk", roles=["clerk"])
    triage = make_user("triage", roles=["triage"])
    handlers = [make_user(f"handler{i}", org_code="533922101", roles=["handler"]) for i in range(THREADS)]
    case = act(make_case(clerk), "assign", triage, targets=[{"org": org("533922101")}])
    return case, handlers


def test_concurrent_accepts_with_the_form_version(race_case):
    case, handlers = race_case
    results = _race(case.pk, handlers, version=case.version)
    assert sorted(results) == ["conflict"] * (THREADS - 1) + ["ok"]
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.version == 3


def test_concurrent_accepts_without_version_are_serialised_by_the_row_lock(race_case):
    case, handlers = race_case
    results = _race(case.pk, handlers, version=None)
    assert results.count("ok") == 1 and results.count("state") == THREADS - 1
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
