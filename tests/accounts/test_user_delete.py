"""用户管理: an account is deactivated (停用); it is deleted only when nothing in the system names it,
and the refusal says what does and to deactivate instead. Both audited."""
import pytest
from django.urls import reverse

from accounts import services
from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog, Reminder, User
from accounts.selectors import user_record_kinds
from bulletin.models import Bulletin
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_admin_deletes_an_unused_account(client, sysadmin, orgs):
    mistaken = services.user_create(actor=sysadmin, username="zhangsan2", password="Xinfang@2026x",
                                    organization=sysadmin.organization, real_name="张三")
    assert user_record_kinds(mistaken) == []
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:user_delete", args=[mistaken.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:user_list")
    assert "已删除用户 zhangsan2。" in messages_of(response)
    assert not User.objects.filter(username="zhangsan2").exists()
    row = AuditLog.objects.get(action="user.delete")
    assert row.actor == sysadmin and row.data["username"] == "zhangsan2" and row.data["id"] == mistaken.pk


@pytest.mark.parametrize("record", ["login", "reminder", "bulletin"])
def test_an_account_with_records_is_refused_and_offered_deactivation(client, sysadmin, triage, record):
    if record == "login":
        audit_record(action="login", actor=triage, summary="登录")
        expected = "审计日志"
    elif record == "reminder":
        Reminder.objects.create(user=triage, title="请受理")
        expected = "提醒"
    else:
        Bulletin.objects.create(kind="notice", title="通知", publisher_org=triage.organization, created_by=triage,
                                audience_path=triage.organization.jurisdiction_path)
        expected = "公共信息"
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:user_delete", args=[triage.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:user_edit", args=[triage.pk])
    [message] = messages_of(response)
    assert message.startswith("账号 triage 已有记录（") and expected in message and "请改为停用该账号" in message
    html = response.content.decode()
    assert "停用账号" in html and "删除账号" in html
    assert User.objects.filter(pk=triage.pk).exists()
    assert not AuditLog.objects.filter(action="user.delete").exists()


def test_deactivation_keeps_the_account_and_its_history(client, sysadmin, triage):
    audit_record(action="login", actor=triage, summary="登录")
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:user_active", args=[triage.pk]), {"active": "0"}, follow=True)
    assert "已停用用户 triage，该账号不能再登录。" in messages_of(response)
    triage.refresh_from_db()
    assert not triage.is_active
    assert AuditLog.objects.filter(action="user.update", object_id=str(triage.pk)).exists()
    assert "重新启用" in response.content.decode()
    client.post(reverse("accounts:user_active", args=[triage.pk]), {"active": "1"})
    triage.refresh_from_db()
    assert triage.is_active


def test_own_and_system_accounts_are_never_deleted(client, sysadmin, orgs):
    with pytest.raises(ServiceError) as own:
        services.user_delete(actor=sysadmin, user=sysadmin)
    assert str(own.value) == "不能删除自己的账号。"
    portal = services.system_account_ensure(username="portal:53390001", organization=sysadmin.organization,
                                            real_name="网上信访")
    with pytest.raises(ServiceError) as system:
        services.user_delete(actor=sysadmin, user=portal)
    assert str(system.value) == "系统账号不能删除。"
    assert User.objects.filter(pk__in=[sysadmin.pk, portal.pk]).count() == 2


def test_only_user_administrators_delete(client, triage, orgs):
    other = make_user("unused", roles=[])
    client.force_login(triage)
    assert client.post(reverse("accounts:user_delete", args=[other.pk])).status_code == 403
    with pytest.raises(NotAllowed):
        services.user_delete(actor=triage, user=other)
    assert User.objects.filter(pk=other.pk).exists()


def test_record_kinds_come_from_every_foreign_key_to_the_user(triage, sysadmin):
    assert user_record_kinds(triage) == []  # roles alone are no record
    audit_record(action="login", actor=triage, summary="登录")
    Reminder.objects.create(user=triage, title="请受理")
    assert set(user_record_kinds(triage)) == {"审计日志", "提醒"}
