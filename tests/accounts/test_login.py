"""Login security: every login, logout and failure is audited; lockout per account and per address."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, LoginAttempt
from accounts.security import locked_until_from
from tests.factories import PASSWORD

LOGIN = reverse("accounts:login")


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def page_text(response):
    return response.content.decode()


def age_attempts(minutes):
    LoginAttempt.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


# --- audit of logins ------------------------------------------------------------------------

def test_successful_login_is_audited(client, clerk):
    response = attempt(client, "clerk", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    row = AuditLog.objects.get(action="login")
    assert (row.actor_id, row.actor_username, row.ip_address, row.succeeded) == (clerk.pk, "clerk", "10.0.0.1", True)
    assert row.actor_org_code == "53390001"


def test_wrong_password_is_audited_and_shown_in_chinese(client, clerk):
    response = attempt(client, "clerk", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in page_text(response) and "还可尝试4次" in page_text(response)
    row = AuditLog.objects.get(action="login.failed")
    assert (row.actor_username, row.succeeded, row.data["reason"]) == ("clerk", False, "bad_credentials")
    assert "wrong-password" not in str(row.data) + row.summary


def test_unknown_username_failure_is_audited(client, db):
    attempt(client, "nobody", "whatever")
    row = AuditLog.objects.get(action="login.failed")
    assert row.actor_id is None and row.actor_username == "nobody"


def test_logout_is_audited_and_ends_the_session(client, clerk):
    attempt(client, "clerk", PASSWORD)
    response = client.post(reverse("accounts:logout"), follow=True)
    assert "您已安全退出" in page_text(response)
    assert AuditLog.objects.filter(action="logout", actor=clerk, data__reason="logout").count() == 1
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_admin_locked_account_cannot_log_in(client, clerk):
    clerk.is_locked = True
    clerk.save()
    response = attempt(client, "clerk", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action="login.failed", actor_username="clerk").exists()


def test_deactivated_account_cannot_log_in(client, clerk):
    clerk.is_active = False
    clerk.save()
    assert attempt(client, "clerk", PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session


def test_next_parameter_is_followed_only_on_this_host(client, clerk):
    response = client.post(LOGIN, {"username": "clerk", "password": PASSWORD, "next": reverse("accounts:profile")})
    assert response.url == reverse("accounts:profile")
    client.post(reverse("accounts:logout"))
    response = client.post(LOGIN, {"username": "clerk", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == reverse("home")


# --- lockout per account --------------------------------------------------------------------

def test_five_failures_lock_the_account_even_from_other_addresses(client, clerk):
    for i in range(4):
        assert "用户名或密码错误" in page_text(attempt(client, "clerk", "bad", ip=f"10.0.1.{i}"))
    response = attempt(client, "clerk", "bad", ip="10.0.1.9")
    assert "账号已被锁定" in page_text(response)
    # The right password from a fresh address is refused while the lock lasts.
    response = attempt(client, "clerk", PASSWORD, ip="10.9.9.9")
    assert "账号已被锁定" in page_text(response) and "_auth_user_id" not in client.session
    refused = AuditLog.objects.filter(action="login.failed", data__reason="account_locked_out")
    assert refused.count() == 1


def test_attempts_during_the_lock_do_not_extend_it(client, clerk):
    for _ in range(5):
        attempt(client, "clerk", "bad")
    for _ in range(3):
        attempt(client, "clerk", "bad")
    assert LoginAttempt.objects.filter(succeeded=False).count() == 5
    assert AuditLog.objects.filter(action="login.failed").count() == 8


def test_account_lock_ends_after_fifteen_minutes(client, clerk):
    for i in range(5):
        attempt(client, "clerk", "bad", ip=f"10.0.2.{i}")
    age_attempts(14)
    assert "账号已被锁定" in page_text(attempt(client, "clerk", PASSWORD, ip="10.0.3.1"))
    age_attempts(16)
    response = attempt(client, "clerk", PASSWORD, ip="10.0.3.1")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(clerk.pk)


def test_success_resets_the_account_count(client, clerk):
    for i in range(4):
        attempt(client, "clerk", "bad", ip=f"10.0.4.{i}")
    attempt(client, "clerk", PASSWORD, ip="10.0.4.9")
    client.post(reverse("accounts:logout"))
    response = attempt(client, "clerk", "bad", ip="10.0.4.10")
    assert "还可尝试4次" in page_text(response)


def test_admin_unlock_clears_the_failure_lock(client, clerk, sysadmin):
    for i in range(5):
        attempt(client, "clerk", "bad", ip=f"10.0.5.{i}")
    admin_client = type(client)()
    admin_client.force_login(sysadmin)
    page = admin_client.get(reverse("accounts:user_edit", args=[clerk.pk]))
    assert "登录失败次数过多，锁定至" in page_text(page)
    admin_client.post(reverse("accounts:user_lock", args=[clerk.pk]), {"locked": "0"})
    assert attempt(client, "clerk", PASSWORD, ip="10.0.6.1").status_code == 302
    assert AuditLog.objects.filter(action="user.unlock", object_id=str(clerk.pk)).exists()


# --- lockout per source address -------------------------------------------------------------

def test_five_failures_from_one_address_lock_that_address(client, clerk, triage):
    for i in range(5):
        attempt(client, f"guess{i}", "bad", ip="10.7.7.7")
    response = attempt(client, "triage", PASSWORD, ip="10.7.7.7")
    assert "该地址登录失败次数过多" in page_text(response) and "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action="login.failed", data__reason="address_locked_out",
                                   ip_address="10.7.7.7").count() == 1
    # Same account from another address is fine: the account itself had no failures.
    assert attempt(client, "triage", PASSWORD, ip="10.7.7.8").status_code == 302


def test_address_lock_is_not_forgiven_by_someone_elses_success(client, clerk, triage):
    for i in range(4):
        attempt(client, f"guess{i}", "bad", ip="10.8.8.8")
    assert attempt(client, "clerk", PASSWORD, ip="10.8.8.8").status_code == 302
    client.post(reverse("accounts:logout"))
    attempt(client, "guess9", "bad", ip="10.8.8.8")
    assert "该地址登录失败次数过多" in page_text(attempt(client, "triage", PASSWORD, ip="10.8.8.8"))


def test_address_lock_ends_after_fifteen_minutes(client, clerk):
    for i in range(5):
        attempt(client, f"guess{i}", "bad", ip="10.9.0.1")
    age_attempts(16)
    assert attempt(client, "clerk", PASSWORD, ip="10.9.0.1").status_code == 302


# --- the rule itself ------------------------------------------------------------------------

@pytest.mark.parametrize("minutes, locked", [
    ([0, 1, 2, 3, 4], True),          # five within the window
    ([0, 1, 2, 3], False),            # four are not enough
    ([0, 1, 2, 3, 20], False),        # the fifth came after the window
    ([0, 5, 10, 14, 15], True),       # exactly one window wide
])
def test_locked_until_from(minutes, locked):
    start = timezone.now() - timedelta(minutes=max(minutes) + 1)
    times = [start + timedelta(minutes=m) for m in minutes]
    assert (locked_until_from(times) is not None) is locked


def test_lock_lasts_fifteen_minutes_from_the_fifth_failure():
    now = timezone.now()
    times = [now - timedelta(minutes=m) for m in (10, 9, 8, 7, 6)]
    assert locked_until_from(times, now=now) == times[-1] + timedelta(minutes=15)
    assert locked_until_from(times, now=times[-1] + timedelta(minutes=15, seconds=1)) is None


def test_policy_values_are_the_documented_ones():
    assert (settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_SECONDS, settings.SESSION_IDLE_TIMEOUT) == (5, 900, 1800)
