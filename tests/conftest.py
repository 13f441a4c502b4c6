"""Shared fixtures: the organization tree and a fixed cast of named users.

Cast (org codes from accounts.demo): prefecture bureau 53390001; 石门县 bureau 53392201;
石门镇 533922101 (township of 石门县); 云溪镇 533923101 (township of another county);
州人社局 53390003 (prefecture department).
"""
import pytest
from django.db import connections
from django.db.backends.base.creation import BaseDatabaseCreation

from tests.factories import enrol_otp, make_org_tree, make_user

_create_test_db = BaseDatabaseCreation.create_test_db


def _create_test_db_as_default(self, *args, **kwargs):
    """Create a second test database (the ``county`` instance of tests/petitions/instance_helpers.py)
    with the alias ``default`` pointing at it for the duration: the data migrations read and write
    through the default manager, as they do in every single-database deployment."""
    if self.connection.alias == "default":
        return _create_test_db(self, *args, **kwargs)
    original = connections["default"]
    connections["default"] = self.connection
    try:
        return _create_test_db(self, *args, **kwargs)
    finally:
        connections["default"] = original


BaseDatabaseCreation.create_test_db = _create_test_db_as_default


@pytest.fixture
def orgs(db):
    return make_org_tree()


@pytest.fixture
def sysadmin(orgs):
    # The 三员 must use two-factor login (OTP_REQUIRED_PERMISSIONS): the fixtures have enrolled,
    # as every administrator has after his first login, so force_login sessions are not diverted.
    user = make_user("admin", roles=["sysadmin"])
    enrol_otp(user)
    return user


@pytest.fixture
def auditor(orgs):
    user = make_user("auditor", roles=["auditor"])
    enrol_otp(user)
    return user


@pytest.fixture
def clerk(orgs):
    return make_user("clerk", roles=["clerk"])


@pytest.fixture
def triage(orgs):
    return make_user("triage", roles=["triage"])


@pytest.fixture
def leader(orgs):
    return make_user("leader", roles=["leader"])


@pytest.fixture
def supervisor(orgs):
    return make_user("supervisor", roles=["supervisor"])


@pytest.fixture
def statistician(orgs):
    return make_user("statistician", roles=["statistician"])


@pytest.fixture
def county_clerk(orgs):
    return make_user("county_clerk", org_code="53392201", roles=["clerk"])


@pytest.fixture
def county_triage(orgs):
    return make_user("county_triage", org_code="53392201", roles=["triage"])


@pytest.fixture
def township_handler(orgs):
    return make_user("township_handler", org_code="533922101", roles=["handler"])


@pytest.fixture
def other_township_handler(orgs):
    return make_user("other_township_handler", org_code="533923101", roles=["handler"])


@pytest.fixture
def dept_handler(orgs):
    return make_user("dept_handler", org_code="53390003", roles=["handler"])
