"""三员分立 by construction: the administrator roles are fixed, never combined with each other or
with business roles, user accounts are the 系统管理员's and roles the 安全管理员's, and no
sequence of administrator actions gives an administrator case content or personal data."""
import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import services
from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog, Reminder, User
from accounts.roles import ADMIN_PERMISSIONS, ROLE_BY_KEY
from accounts.seed import seed_roles
from tests.factories import enrol_otp, make_user, org

STRONG = "Strong#Pass2026"


def role(key):
    return Group.objects.get(name=ROLE_BY_KEY[key].name)


def perm(name):
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def perm_names(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.fixture
def secadmin(orgs):
    user = make_user("secadmin", roles=["secadmin"])
    enrol_otp(user)
    return user


@pytest.fixture
def secadmin2(orgs):
    user = make_user("secadmin2", roles=["secadmin"])
    enrol_otp(user)
    return user


def create(actor, username="newbie"):
    return services.user_create(actor=actor, username=username, password=STRONG, organization=org("53390001"),
                                real_name="新人")


def grant(actor, user, *role_keys):
    return services.user_roles_set(actor=actor, user=user, groups=[role(k) for k in role_keys])


def sees_case_content(user):
    from petitions.selectors import has_case_access

    user = User.objects.get(pk=user.pk)  # fresh permission cache
    return has_case_access(user) or user.has_perm("petitions.view_pii")


# --- who does what --------------------------------------------------------------------------

def test_the_system_administrator_creates_accounts_without_roles(sysadmin):
    user = create(sysadmin)
    assert not user.groups.exists() and user.must_change_password
    row = AuditLog.objects.get(action="user.create")
    assert row.actor == sysadmin and row.object_id == str(user.pk)


def test_the_system_administrator_cannot_assign_roles_or_edit_them(sysadmin, clerk):
    with pytest.raises(NotAllowed):
        grant(sysadmin, clerk, "clerk", "leader")
    with pytest.raises(NotAllowed):
        services.role_save(actor=sysadmin, name="新角色", permissions=[perm("petitions.register_case")])
    assert set(clerk.groups.values_list("name", flat=True)) == {"登记员"}
    assert not Group.objects.filter(name="新角色").exists()


def test_the_security_administrator_cannot_create_accounts_or_reset_passwords(secadmin, clerk):
    with pytest.raises(NotAllowed):
        create(secadmin)
    with pytest.raises(NotAllowed):
        services.user_reset_password(actor=secadmin, user=clerk, password=STRONG)


def test_the_security_administrator_assigns_roles_audited(secadmin, sysadmin):
    user = create(sysadmin)
    grant(secadmin, user, "clerk", "triage")
    assert set(user.groups.values_list("name", flat=True)) == {"登记员", "分流员"}
    row = AuditLog.objects.get(action="user.roles")
    assert row.actor == secadmin and row.data == {"before": [], "after": ["分流员", "登记员"]}


@pytest.mark.parametrize("keys, code", [
    (("sysadmin", "auditor"), "admin_roles_combined"),
    (("sysadmin", "secadmin"), "admin_roles_combined"),
    (("secadmin", "auditor"), "admin_roles_combined"),
    (("sysadmin", "clerk"), "admin_with_business"),
    (("auditor", "statistician"), "admin_with_business"),
    (("secadmin", "handler"), "admin_with_business"),
])
def test_forbidden_combination_refused_and_nothing_written(secadmin, sysadmin, keys, code):
    user = create(sysadmin)
    audit_before = AuditLog.objects.count()
    with pytest.raises(ServiceError) as exc:
        grant(secadmin, user, *keys)
    assert exc.value.code == code and exc.value.field == "groups"
    assert "兼任" in str(exc.value.message)
    assert not user.groups.exists()
    assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("keys", [("sysadmin",), ("auditor",), ("secadmin",), ("clerk", "triage"),
                                  ("leader", "statistician"), ()])
def test_allowed_combinations(secadmin, sysadmin, keys):
    user = create(sysadmin)
    grant(secadmin, user, *keys)
    assert set(user.groups.values_list("name", flat=True)) == {ROLE_BY_KEY[k].name for k in keys}


# --- the fixed administrator roles -------------------------------------------------------------

@pytest.mark.parametrize("key", ["sysadmin", "secadmin", "auditor"])
def test_administrator_roles_cannot_be_edited_or_deleted(secadmin2, key):
    target = role(key)
    before = perm_names(target)
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=secadmin2, role=target, name=target.name,
                           permissions=[p for p in target.permissions.all() if not p.codename.startswith("role_")])
    assert exc.value.code in ("role_fixed", "role_own")
    with pytest.raises(ServiceError):
        services.role_delete(actor=secadmin2, role=target)
    assert perm_names(role(key)) == before


def test_marker_removal_then_business_permissions_is_impossible(secadmin2):
    """The attack: strip the 系统管理员 marker from its role, then add case rights to it."""
    sysadmin_role = role("sysadmin")
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=secadmin2, role=sysadmin_role, name=sysadmin_role.name,
                           permissions=[perm("accounts.manage_user"), perm("petitions.view_pii"),
                                        perm("petitions.triage_case")])
    assert exc.value.code == "role_fixed"
    assert "petitions.view_pii" not in perm_names(role("sysadmin"))


@pytest.mark.parametrize("stolen", sorted(ADMIN_PERMISSIONS))
def test_no_other_role_may_hold_an_administrator_permission(secadmin, stolen):
    """The attack: put the audit view (or any 三员 right) on a new role, then join it."""
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=secadmin, name="影子角色", permissions=[perm(stolen)])
    assert exc.value.code == "role_admin_permission"
    assert not Group.objects.filter(name="影子角色").exists()


def test_the_auditor_keeps_the_audit_view(secadmin):
    assert "accounts.view_audit" in perm_names(role("auditor"))
    assert not Group.objects.exclude(pk=role("auditor").pk).filter(permissions=perm("accounts.view_audit")).exists()


def test_seeding_restores_the_fixed_roles_and_strips_strays(orgs):
    """Even rows changed behind the services' back (SQL) come back at the next migrate."""
    role("auditor").permissions.remove(perm("accounts.view_audit"))
    clerk_role = role("clerk")
    clerk_role.permissions.add(perm("accounts.view_audit"))
    seed_roles()
    assert "accounts.view_audit" in perm_names(role("auditor"))
    assert "accounts.view_audit" not in perm_names(role("clerk"))


def test_nobody_edits_a_role_he_holds(secadmin):
    custom = services.role_save(actor=secadmin, name="值班", permissions=[perm("petitions.register_case")])
    secadmin.groups.add(custom)  # as if another security administrator had assigned it
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=secadmin, role=custom, name="值班", permissions=[perm("petitions.view_pii")])
    assert exc.value.code == "role_own"


def test_nobody_assigns_roles_to_himself(secadmin):
    with pytest.raises(ServiceError) as exc:
        grant(secadmin, secadmin, "secadmin", "clerk")
    assert exc.value.code == "roles_own"
    assert set(secadmin.groups.values_list("name", flat=True)) == {"安全管理员"}


# --- every path by which an administrator could reach case content ------------------------------

def test_administrators_hold_no_case_rights(sysadmin, secadmin, auditor):
    for user in (sysadmin, secadmin, auditor):
        assert not sees_case_content(user)


def test_a_business_account_created_by_the_system_administrator_cannot_act(client, sysadmin):
    """The attack: create an account, log in as it with the initial password."""
    user = create(sysadmin, "shadow")
    assert not sees_case_content(user)
    assert client.login(username="shadow", password=STRONG)
    assert client.get(reverse("petitions:search")).status_code in (302, 403)  # password change first, then nothing


def test_a_password_reset_suspends_business_roles_until_the_security_administrator_confirms(
        sysadmin, secadmin, clerk, django_capture_on_commit_callbacks):
    """The attack: reset a clerk's password and log in as the clerk."""
    with django_capture_on_commit_callbacks(execute=True):
        services.user_reset_password(actor=sysadmin, user=clerk, password=STRONG)
    clerk = User.objects.get(pk=clerk.pk)
    assert clerk.must_change_password and not clerk.groups.exists()
    assert not sees_case_content(clerk)
    row = AuditLog.objects.get(action="user.reset_password")
    assert row.data["roles_withdrawn"] == ["登记员"]
    assert Reminder.objects.filter(user=secadmin, topic="accounts.roles", target=f"user:{clerk.pk}").exists()
    grant(secadmin, clerk, "clerk")
    assert sees_case_content(clerk)


def test_a_password_reset_keeps_an_administrator_role(sysadmin, auditor):
    services.user_reset_password(actor=sysadmin, user=auditor, password=STRONG)
    assert set(User.objects.get(pk=auditor.pk).groups.values_list("name", flat=True)) == {"安全审计员"}
    assert User.objects.get(pk=auditor.pk).otp_enabled  # the second factor still guards it


def test_no_administrator_resets_his_own_password_through_the_admin_page(sysadmin):
    with pytest.raises(ServiceError):
        services.user_reset_password(actor=sysadmin, user=sysadmin, password=STRONG)


def test_the_admin_site_offers_no_role_editing(client, sysadmin):
    client.force_login(sysadmin)
    assert client.get("/django-admin/auth/group/").status_code in (302, 404)


# --- role edits (business roles) -----------------------------------------------------------------

def test_role_edit_refused_when_a_member_would_end_up_with_a_forbidden_mix(secadmin, sysadmin, auditor):
    duty = services.role_save(actor=secadmin, name="值班", permissions=[])
    grant(secadmin, auditor, "auditor")
    auditor.groups.add(duty)
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=secadmin, role=duty, name="值班", permissions=[perm("petitions.register_case")])
    assert "auditor" in str(exc.value.message) and exc.value.code == "admin_with_business"
    assert not Group.objects.get(name="值班").permissions.exists()


def test_role_create_and_update_are_audited_with_the_permission_diff(secadmin):
    new = services.role_save(actor=secadmin, name="信访查询员", permissions=[perm("petitions.export_case")])
    services.role_save(actor=secadmin, role=new, name="信访查询员",
                       permissions=[perm("reports.view_statistics")])
    created, updated = AuditLog.objects.filter(action__startswith="role.").order_by("id")
    assert created.action == "role.create" and created.data["added"] == ["petitions.export_case"]
    assert updated.data == {"added": ["reports.view_statistics"], "removed": ["petitions.export_case"]}


def test_duplicate_role_name_refused(secadmin):
    with pytest.raises(ServiceError) as exc:
        services.role_save(actor=secadmin, name="登记员", permissions=[])
    assert exc.value.code == "role_name_taken"


def test_a_role_in_use_is_not_deleted_and_an_unused_one_is(secadmin, clerk):
    with pytest.raises(ServiceError) as exc:
        services.role_delete(actor=secadmin, role=role("clerk"))
    assert exc.value.code == "role_in_use" and "1名用户" in exc.value.message
    spare = services.role_save(actor=secadmin, name="临时", permissions=[])
    services.role_delete(actor=secadmin, role=spare)
    assert not Group.objects.filter(name="临时").exists()
    assert AuditLog.objects.filter(action="role.delete").exists()


# --- through the pages ----------------------------------------------------------------------

def test_grant_page_shows_the_combination_message_and_changes_nothing(client, secadmin, sysadmin):
    user = create(sysadmin, "mixed")
    client.force_login(secadmin)
    response = client.post(reverse("accounts:user_roles_edit", args=[user.pk]),
                           {"groups": [role("sysadmin").pk, role("clerk").pk]})
    assert response.status_code == 200
    assert "管理员角色不能与业务角色" in response.content.decode()
    assert not user.groups.exists()


def test_fixed_role_page_is_read_only(client, secadmin):
    client.force_login(secadmin)
    auditor_role = role("auditor")
    page = client.get(reverse("accounts:role_edit", args=[auditor_role.pk]))
    assert "权限由系统固定" in page.content.decode() and b'name="permissions"' not in page.content
    response = client.post(reverse("accounts:role_edit", args=[auditor_role.pk]), {
        "name": auditor_role.name, "permissions": [perm("accounts.role_sysadmin").pk]})
    assert response.status_code == 200
    assert not role("auditor").permissions.filter(codename="role_sysadmin").exists()


def test_role_editor_lists_permissions_by_their_chinese_names(client, secadmin):
    client.force_login(secadmin)
    body = client.get(reverse("accounts:role_create")).content.decode()
    assert "登记信访件" in body and "petitions.register_case" not in body and "view_audit" not in body


def test_user_form_of_the_system_administrator_has_no_roles(client, sysadmin):
    client.force_login(sysadmin)
    body = client.get(reverse("accounts:user_create")).content.decode()
    assert 'name="groups"' not in body
    assert client.get(reverse("accounts:user_roles_list")).status_code == 403
