"""Demo data: loaded only when asked, and loading it twice changes nothing."""
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.db import router

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import OrgKind, OrgUnit, User


def table_counts():
    """Rows per table of this (the staff) database; the internet-side portal's tables live elsewhere."""
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()
            if m._meta.managed and not m._meta.proxy and router.db_for_read(m) == "default"}


def test_loading_twice_changes_nothing(db):
    call_command("load_demo", stdout=StringIO())
    first = table_counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert table_counts() == first
    assert "orgs +0" in out.getvalue() and "users +0" in out.getvalue()


def test_demo_tree_and_accounts(db):
    call_command("load_demo", stdout=StringIO())
    prefecture = OrgUnit.objects.get(code="533900")
    assert prefecture.name == "青峰州" and prefecture.kind == OrgKind.PREFECTURE
    counties = OrgUnit.objects.filter(parent=prefecture, kind=OrgKind.COUNTY)
    assert counties.count() >= 3
    for county in counties:
        assert OrgUnit.objects.filter(parent=county, kind=OrgKind.TOWNSHIP).count() >= 2
        assert OrgUnit.objects.filter(parent=county, kind__in=[OrgKind.BUREAU, OrgKind.DEPARTMENT]).count() >= 4
    assert OrgUnit.objects.filter(parent=prefecture, kind__in=[OrgKind.BUREAU, OrgKind.DEPARTMENT]).count() >= 4
    for username, real_name, _role, org_code in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD) and not user.must_change_password
        assert (user.real_name, user.organization.code) == (real_name, org_code)
        assert user.groups.count() == 1


def test_demo_accounts_log_in(client, db):
    call_command("load_demo", stdout=StringIO())
    for username, *_ in DEMO_USERS:
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD},
                               REMOTE_ADDR="10.1.1.1")
        assert response.status_code == 302 and response.url == "/", username
        client.post("/accounts/logout/")


def test_migrate_alone_loads_no_demo_data(db):
    assert not OrgUnit.objects.exists()
    assert not User.objects.exists()
