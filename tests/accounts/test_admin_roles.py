"""三员分立: the three administrator roles are never combined, nor combined with business roles."""
import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import services
from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog, User
from accounts.roles import ROLE_BY_KEY
from tests.factories import org


def role(key):
    return Group.objects.get(name=ROLE_BY_KEY[key].name)


def perm(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def create(actor, *role_keys, username="newbie"):
    return services.user_create(actor=actor, username=username, password="Strong#Pass2026",
                                organization=org("53390001"), groups=[role(k) for k in role_keys], real_name="新人")


# --- user create ----------------------------------------------------------------------------

@pytest.mark.parametrize("keys, code", [
    (("sysadmin", "auditor"), "admin_roles_combined"),
    (("sysadmin", "secadmin"), "admin_roles_combined"),
    (("secadmin", "auditor"), "admin_roles_combined"),
    (("sysadmin", "clerk"), "admin_with_business"),
    (("auditor", "statistician"), "admin_with_business"),
    (("secadmin", "handler"), "admin_with_business"),
])
def test_forbidden_combination_refused_on_create_and_nothing_written(sysadmin, keys, code):
    audit_before = AuditLog.objects.count()
    with pytest.raises(ServiceError) as exc:
        create(sysadmin, *keys)
    assert exc.value.code == code and exc.value.field == "groups"
    assert "兼任" in str(exc.value.message)
    assert not User.objects.filter(username="newbie").exists()
    assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("keys", [("sysadmin",), ("auditor",), ("secadmin",), ("clerk", "triage"),
                                  ("leader", "statistician"), ()])
def test_allowed_combinations(sysadmin, keys):
    user = create(sysadmin, *keys)
    assert set(user.groups.values_list("name", flat=True)) == {ROLE_BY_KEY[k].name for k in keys}
    assert user.must_change_password
    row = AuditLog.objects.get(action="user.create")
    assert row.actor == sysadmin and row.object_id == str(user.pk)


# --- user update ----------------------------------------------------------------------------

def test_adding_an_admin_role_to_a_business_user_is_refused(sysadmin, clerk):
    with pytest.raises(ServiceError) as exc:
        services.user_update(actor=sysadmin, user=clerk, groups=[role("clerk"), role("auditor")], title="科长")
    assert exc.value.code == "admin_with_business"
    clerk.refresh_from_db()
    assert list(clerk.groups.values_list("name", flat=True)) == ["登记员"]
    assert clerk.title == ""
    assert not AuditLog.objects.filter(action="user.update").exists()


def test_adding_a_second_admin_role_is_refused(sysadmin, auditor):
    with pytest.raises(ServiceError) as exc:
        services.user_update(actor=sysadmin, user=auditor, groups=[role("auditor"), role("secadmin")])
    assert exc.value.code == "admin_roles_combined"
    assert list(auditor.groups.values_list("name", flat=True)) == ["安全审计员"]


def test_only_a_user_manager_may_create_users(clerk):
    with pytest.raises(NotAllowed):
        create(clerk, "clerk")


# --- role edits -----------------------------------------------------------------------------

def test_role_may_not_hold_two_admin_markers(sysadmin):
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=sysadmin, name="超级管理员",
                           permissions=[perm("accounts.role_sysadmin"), perm("accounts.role_auditor")])
    assert exc.value.code == "role_two_markers"
    assert not Group.objects.filter(name="超级管理员").exists()


def test_admin_role_may_not_gain_business_permissions(sysadmin):
    auditor_role = role("auditor")
    before = set(auditor_role.permissions.values_list("codename", flat=True))
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=sysadmin, role=auditor_role, name=auditor_role.name,
                           permissions=[*auditor_role.permissions.all(), perm("petitions.register_case")])
    assert exc.value.code == "role_admin_business"
    assert set(role("auditor").permissions.values_list("codename", flat=True)) == before


def test_role_edit_refused_when_a_member_would_end_up_with_a_forbidden_mix(sysadmin, auditor):
    duty = services.role_save(actor=sysadmin, name="值班", permissions=[])
    services.user_update(actor=sysadmin, user=auditor, groups=[role("auditor"), duty])
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=sysadmin, role=duty, name="值班", permissions=[perm("petitions.register_case")])
    assert "auditor" in str(exc.value.message) and exc.value.code == "admin_with_business"
    assert not Group.objects.get(name="值班").permissions.exists()


def test_role_create_and_update_are_audited_with_the_permission_diff(sysadmin):
    new = services.role_save(actor=sysadmin, name="信访查询员", permissions=[perm("petitions.export_case")])
    services.role_save(actor=sysadmin, role=new, name="信访查询员",
                       permissions=[perm("reports.view_statistics")])
    created, updated = AuditLog.objects.filter(action__startswith="role.").order_by("id")
    assert created.action == "role.create" and created.data["added"] == ["petitions.export_case"]
    assert updated.data == {"added": ["reports.view_statistics"], "removed": ["petitions.export_case"]}


def test_duplicate_role_name_refused(sysadmin):
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=sysadmin, name="登记员", permissions=[])
    assert exc.value.code == "role_name_taken"


# --- through the pages ----------------------------------------------------------------------

def test_user_page_shows_the_combination_message_and_creates_nothing(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:user_create"), {
        "username": "mixed", "real_name": "混合", "organization": org("53390001").pk,
        "groups": [role("sysadmin").pk, role("clerk").pk], "password": "Strong#Pass2026",
    })
    assert response.status_code == 200
    assert "管理员角色不能与业务角色" in response.content.decode()
    assert not User.objects.filter(username="mixed").exists()


def test_role_page_shows_the_message_and_changes_nothing(client, sysadmin):
    client.force_login(sysadmin)
    auditor_role = role("auditor")
    response = client.post(reverse("accounts:role_edit", args=[auditor_role.pk]), {
        "name": auditor_role.name,
        "permissions": [perm("accounts.role_auditor").pk, perm("accounts.role_sysadmin").pk],
    })
    assert response.status_code == 200
    assert "一个角色不能同时包含两种三员管理权限" in response.content.decode()
    assert not role("auditor").permissions.filter(codename="role_sysadmin").exists()
