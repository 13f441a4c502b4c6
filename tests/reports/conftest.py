"""The report data set is built once per test module inside a transaction that is rolled back
afterwards; each test still runs in its own nested transaction (pytest-django ``db``)."""
import pytest
from django.db import transaction

from tests.factories import make_org_tree
from tests.reports.dataset import build_dataset


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            make_org_tree()
            ds = build_dataset()
            yield ds
            transaction.set_rollback(True)
