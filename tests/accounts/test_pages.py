"""The administration pages, driven through HTTP: bad input gets a Chinese message and changes nothing."""
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import AuditLog, OrgUnit, User
from tests.factories import org


@pytest.fixture
def admin_client(client, sysadmin):
    client.force_login(sysadmin)
    return client


@pytest.fixture
def secadmin_client(client, orgs):
    from tests.factories import enrol_otp, make_user

    secadmin = make_user("secadmin", roles=["secadmin"])
    enrol_otp(secadmin)
    client.force_login(secadmin)
    return client


def user_post(**overrides):
    data = {"username": "wangwu", "real_name": "王五", "organization": org("53390001").pk, "title": "", "phone": "",
            "email": "", "password": "Strong#Pass2026"}
    data.update(overrides)
    return data


def errors(response):
    return response.context["form"].errors


@pytest.mark.parametrize("name", ["accounts:user_list", "accounts:user_create", "accounts:org_list",
                                  "accounts:org_create", "accounts:profile", "accounts:password_change"])
def test_admin_pages_render(admin_client, name):
    response = admin_client.get(reverse(name))
    assert response.status_code == 200
    assert response.context["breadcrumbs"]


@pytest.mark.parametrize("name", ["accounts:role_list", "accounts:role_create", "accounts:user_roles_list"])
def test_security_admin_pages_render(secadmin_client, name):
    response = secadmin_client.get(reverse(name))
    assert response.status_code == 200
    assert response.context["breadcrumbs"]


def test_create_user(admin_client):
    response = admin_client.post(reverse("accounts:user_create"), user_post())
    assert response.status_code == 302
    user = User.objects.get(username="wangwu")
    assert user.must_change_password and not user.groups.exists()  # roles come from the 安全管理员


def test_duplicate_username_is_refused(admin_client, clerk):
    before = User.objects.count()
    response = admin_client.post(reverse("accounts:user_create"), user_post(username="CLERK"))
    assert errors(response)["username"] == ["用户名“CLERK”已被使用。"]
    assert User.objects.count() == before


def test_weak_password_is_refused(admin_client):
    response = admin_client.post(reverse("accounts:user_create"), user_post(password="abcdefgh"))
    assert "密码长度至少为10位" in errors(response)["password"][0]
    assert not User.objects.filter(username="wangwu").exists()


def test_invalid_username_is_refused(admin_client):
    response = admin_client.post(reverse("accounts:user_create"), user_post(username="王 五"))
    assert "用户名只能包含" in errors(response)["username"][0]


def test_edit_user_changes_and_audits(admin_client, clerk):
    response = admin_client.post(reverse("accounts:user_edit", args=[clerk.pk]), {
        "real_name": "张丽", "organization": org("53392201").pk, "title": "科员", "phone": "", "email": "",
        "groups": [Group.objects.get(name="分流员").pk], "is_active": "on"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.organization.code == "53392201" and clerk.groups.get().name == "登记员"  # roles not here
    row = AuditLog.objects.get(action="user.update")
    assert row.data["changes"]["organization"][1] == "石门县信访局" and "groups" not in row.data["changes"]


def test_security_admin_assigns_roles_and_it_is_audited(secadmin_client, clerk):
    response = secadmin_client.post(reverse("accounts:user_roles_edit", args=[clerk.pk]),
                                    {"groups": [Group.objects.get(name="分流员").pk]})
    assert response.status_code == 302
    assert clerk.groups.get().name == "分流员"
    row = AuditLog.objects.get(action="user.roles")
    assert row.data == {"before": ["登记员"], "after": ["分流员"]}


def test_admin_cannot_deactivate_himself(admin_client, sysadmin):
    response = admin_client.post(reverse("accounts:user_edit", args=[sysadmin.pk]), {
        "real_name": "管理员", "organization": sysadmin.organization.pk, "title": "", "phone": "", "email": "",
        "groups": [Group.objects.get(name="系统管理员").pk]})
    assert "不能停用自己的账号" in response.content.decode()
    sysadmin.refresh_from_db()
    assert sysadmin.is_active


def test_lock_and_unlock(admin_client, clerk):
    admin_client.post(reverse("accounts:user_lock", args=[clerk.pk]), {"locked": "1"})
    clerk.refresh_from_db()
    assert clerk.is_locked
    admin_client.post(reverse("accounts:user_lock", args=[clerk.pk]), {"locked": "0"})
    clerk.refresh_from_db()
    assert not clerk.is_locked
    assert list(AuditLog.objects.filter(action__startswith="user.").values_list("action", flat=True)
                .order_by("id")) == ["user.lock", "user.unlock"]


def test_admin_cannot_lock_himself(admin_client, sysadmin):
    response = admin_client.post(reverse("accounts:user_lock", args=[sysadmin.pk]), {"locked": "1"}, follow=True)
    assert "不能锁定自己的账号" in response.content.decode()


def test_user_search(admin_client, clerk, triage):
    response = admin_client.get(reverse("accounts:user_list"), {"q": "clerk"})
    assert [u.username for u in response.context["page"]] == ["clerk"]


def test_create_role_with_ticked_permissions(secadmin_client):
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(codename__in=["export_case", "view_statistics"])
    response = secadmin_client.post(reverse("accounts:role_create"),
                                 {"name": "数据员", "permissions": [p.pk for p in perms]})
    assert response.status_code == 302
    assert set(Group.objects.get(name="数据员").permissions.values_list("codename", flat=True)) == {
        "export_case", "view_statistics"}


def test_role_form_offers_only_business_permissions(secadmin_client):
    choices = secadmin_client.get(reverse("accounts:role_create")).context["form"].fields["permissions"].queryset
    codenames = set(choices.values_list("codename", flat=True))
    assert {"register_case", "triage_case", "view_pii", "view_statistics", "exchange_package"} <= codenames
    assert not {"add_user", "delete_auditlog", "change_group", "manage_dictionary", "role_auditor",
                "view_audit", "manage_role"} & codenames


def test_create_and_edit_org(admin_client):
    parent = org("533922")
    response = admin_client.post(reverse("accounts:org_create"), {
        "code": "53392206", "name": "石门县教育局", "kind": "department", "parent": parent.pk, "sort_order": 6,
        "is_active": "on"})
    assert response.status_code == 302
    new = OrgUnit.objects.get(code="53392206")
    assert new.path.startswith(parent.path) and new.depth == parent.depth + 1
    admin_client.post(reverse("accounts:org_edit", args=[new.pk]), {
        "code": "53392206", "name": "石门县教育和体育局", "kind": "department", "sort_order": 6, "is_active": "on"})
    assert OrgUnit.objects.get(pk=new.pk).name == "石门县教育和体育局"
    assert list(AuditLog.objects.filter(action__startswith="org.").values_list("action", flat=True)
                .order_by("id")) == ["org.create", "org.update"]


def test_duplicate_org_code_is_refused(admin_client):
    before = OrgUnit.objects.count()
    response = admin_client.post(reverse("accounts:org_create"), {
        "code": "53390001", "name": "重复", "kind": "department", "sort_order": 0, "is_active": "on"})
    assert errors(response)["code"] == ["机构代码“53390001”已存在。"]
    assert OrgUnit.objects.count() == before


def test_deleting_an_org_with_users_is_refused(admin_client, township_handler):
    town_office = township_handler.organization
    response = admin_client.post(reverse("accounts:org_delete", args=[town_office.pk]), follow=True)
    assert "该机构下还有用户，不能删除" in response.content.decode()
    assert OrgUnit.objects.filter(pk=town_office.pk).exists()
    assert not AuditLog.objects.filter(action="org.delete").exists()


def test_deleting_an_org_with_children_is_refused(admin_client):
    county = org("533923")
    response = admin_client.post(reverse("accounts:org_delete", args=[county.pk]), follow=True)
    assert "还有下级机构" in response.content.decode()
    assert OrgUnit.objects.filter(pk=county.pk).exists()


def test_deleting_an_empty_org(admin_client):
    leaf = org("53392305")
    response = admin_client.post(reverse("accounts:org_delete", args=[leaf.pk]))
    assert response.status_code == 302
    assert not OrgUnit.objects.filter(pk=leaf.pk).exists()
    assert AuditLog.objects.get(action="org.delete").data["code"] == "53392305"


def test_profile_edit_does_not_put_personal_data_in_the_audit_log(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("accounts:profile"), {"real_name": "张丽", "phone": "13800000000", "email": ""})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.phone == "13800000000"
    row = AuditLog.objects.get(action="profile.update")
    assert "13800000000" not in str(row.data) + row.summary


def test_audit_filters(client, auditor, clerk):
    client.post(reverse("accounts:login"), {"username": "clerk", "password": "bad"})
    client.force_login(auditor)
    page = client.get(reverse("accounts:audit_list"), {"succeeded": "0"}).context["page"]
    assert [r.action for r in page] == ["login.failed"]
    page = client.get(reverse("accounts:audit_list"), {"username": "clerk", "action": "login"}).context["page"]
    assert len(page) == 1
    page = client.get(reverse("accounts:audit_list"), {"date_from": "2000-01-01", "date_to": "2000-01-02"}
                      ).context["page"]
    assert len(page) == 0


def test_business_user_gets_403_on_admin_pages(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()



def test_missing_page_is_a_chinese_404(client, clerk):
    client.force_login(clerk)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
