"""Two-factor login (TOTP, RFC 6238): the algorithm, enrolment, the code step, lockout, recovery
codes, policy for the 三员 roles, the security administrator's reset and encryption at rest."""
import base64
import re
import time

import pytest
from django.db import connection
from django.urls import reverse

from accounts import otp, services
from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog, LoginAttempt, User
from tests.factories import OTP_KEY, PASSWORD, make_user

LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_otp")
SETUP = reverse("accounts:otp_setup")
RFC_KEY = b"12345678901234567890"


# --- the algorithm ---------------------------------------------------------------------------

@pytest.mark.parametrize("at,expected", [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
    (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130"),
])
def test_rfc6238_sha1_vectors(at, expected):
    assert otp.totp(RFC_KEY, at, digits=8) == expected
    assert otp.totp(RFC_KEY, at) == expected[-6:]


def test_one_step_either_side_is_accepted_two_are_not():
    now = 1234567890
    step = now // 30
    for offset, ok in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        code = otp.totp(RFC_KEY, now + offset * 30)
        assert (otp.verify(RFC_KEY, code, at=now) == step + offset) is ok


def test_a_code_at_or_before_the_last_accepted_step_is_refused():
    now = 1234567890
    code = otp.totp(RFC_KEY, now)
    step = otp.verify(RFC_KEY, code, at=now)
    assert step == now // 30
    assert otp.verify(RFC_KEY, code, last_step=step, at=now) is None
    assert otp.verify(RFC_KEY, otp.totp(RFC_KEY, now - 30), last_step=step, at=now) is None
    assert otp.verify(RFC_KEY, otp.totp(RFC_KEY, now + 30), last_step=step, at=now) == step + 1


def test_malformed_codes_are_refused():
    assert otp.verify(RFC_KEY, "", at=59) is None
    assert otp.verify(RFC_KEY, "12345", at=59) is None
    assert otp.verify(RFC_KEY, "abcdef", at=59) is None
    assert otp.verify(RFC_KEY, "287 082", at=59) == 1  # spaces as apps display them are ignored


def test_secret_seal_uses_a_random_iv_and_detects_tampering():
    a, b = otp.seal(RFC_KEY), otp.seal(RFC_KEY)
    assert a != b and otp.unseal(a) == otp.unseal(b) == RFC_KEY
    tampered = a[:-2] + ("A" if a[-2] != "A" else "B") + a[-1]
    with pytest.raises(ValueError):
        otp.unseal(tampered)


def test_provisioning_uri_names_the_parameters_apps_expect():
    uri = otp.provisioning_uri(RFC_KEY, account="admin", issuer="XinfangOA")
    assert uri.startswith("otpauth://totp/XinfangOA%3Aadmin?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&")
    assert "algorithm=SHA1" in uri and "digits=6" in uri and "period=30" in uri


# --- helpers ---------------------------------------------------------------------------------

def enrol(user, key=None):
    """Enrol ``user`` directly through the service, with a code one step back so that the login
    test's code for the current step is still fresh. Returns (key, recovery codes)."""
    key = key or otp.new_secret()
    codes = services.otp_enable(user=user, secret=key, code=otp.totp(key, time.time() - 30))
    return key, codes


def wrong_code(key):
    """Six digits that are not valid now (any code of a step far outside the window)."""
    now = time.time()
    valid = {otp.totp(key, now + d * otp.STEP) for d in (-1, 0, 1)}
    return next(c for c in (otp.totp(key, now - n * 600) for n in range(1, 20)) if c not in valid)


def password_step(client, username, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)


def code_step(client, code, ip="10.0.0.1"):
    return client.post(CODE, {"code": code}, REMOTE_ADDR=ip)


def logged_in(client):
    return "_auth_user_id" in client.session


# --- the login flow --------------------------------------------------------------------------

def test_login_requires_the_second_step(client, clerk):
    key, _codes = enrol(clerk)
    response = password_step(client, "clerk")
    assert response.status_code == 302 and response.url == CODE
    assert not logged_in(client)
    assert client.get(reverse("home")).status_code == 302  # still anonymous
    assert not AuditLog.objects.filter(action="login").exists()
    assert "动态验证码" in client.get(CODE).content.decode()

    response = code_step(client, otp.totp(key))
    assert response.status_code == 302 and response.url == reverse("home")
    assert logged_in(client) and int(client.session["_auth_user_id"]) == clerk.pk
    row = AuditLog.objects.get(action="login")
    assert (row.actor_id, row.data) == (clerk.pk, {"second_factor": "totp"})
    assert LoginAttempt.objects.filter(username="clerk", succeeded=True).count() == 1


def test_code_step_without_the_password_step_goes_back_to_login(client, clerk):
    enrol(clerk)
    response = client.get(CODE)
    assert response.status_code == 302 and response.url == LOGIN


def test_a_code_cannot_be_replayed(client, clerk):
    key, _codes = enrol(clerk)
    step = otp.time_step()
    code = otp.hotp(key, step)
    password_step(client, "clerk")
    code_step(client, code)
    assert logged_in(client)
    client.post(reverse("accounts:logout"))
    password_step(client, "clerk")
    response = code_step(client, code)
    assert response.status_code == 200 and not logged_in(client)
    assert "动态验证码错误" in response.content.decode()
    assert User.objects.get(pk=clerk.pk).otp_last_step == step


def test_wrong_codes_are_audited_and_count_toward_the_lockout(client, clerk, settings):
    key, _codes = enrol(clerk)
    password_step(client, "clerk")
    for n in range(1, settings.LOGIN_FAILURE_LIMIT):
        response = code_step(client, wrong_code(key))
        assert "还可尝试%d次" % (settings.LOGIN_FAILURE_LIMIT - n) in response.content.decode()
    failed = AuditLog.objects.filter(action="login.failed", actor_username="clerk", data__reason="otp")
    assert failed.count() == settings.LOGIN_FAILURE_LIMIT - 1 and not failed.filter(succeeded=True).exists()
    response = code_step(client, "999999x")  # the last allowed failure: the account locks
    assert response.status_code == 302 and response.url == LOGIN
    assert not logged_in(client)
    assert LoginAttempt.objects.filter(username="clerk", succeeded=False).count() == settings.LOGIN_FAILURE_LIMIT
    # Locked: even the right password is refused now, without reaching the code step.
    response = password_step(client, "clerk")
    assert response.status_code == 200 and "账号已被锁定" in response.content.decode()


def test_wrong_password_and_wrong_code_share_one_counter(client, clerk, settings):
    enrol(clerk)
    client.post(LOGIN, {"username": "clerk", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    password_step(client, "clerk")
    response = code_step(client, "abcdefgh")
    assert "还可尝试%d次" % (settings.LOGIN_FAILURE_LIMIT - 2) in response.content.decode()


def test_a_recovery_code_works_once(client, clerk):
    _key, codes = enrol(clerk)
    assert len(codes) == 8 and len(set(codes)) == 8
    password_step(client, "clerk")
    response = code_step(client, codes[0].upper())
    assert response.status_code == 302 and logged_in(client)
    assert AuditLog.objects.get(action="login").data == {"second_factor": "recovery"}
    assert len(User.objects.get(pk=clerk.pk).otp_recovery_codes) == 7
    client.post(reverse("accounts:logout"))
    password_step(client, "clerk")
    assert code_step(client, codes[0]).status_code == 200 and not logged_in(client)
    assert code_step(client, codes[1]).status_code == 302 and logged_in(client)


def test_recovery_codes_are_stored_hashed(clerk):
    _key, codes = enrol(clerk)
    stored = User.objects.get(pk=clerk.pk).otp_recovery_codes
    assert len(stored) == 8 and not set(codes) & set(stored)
    assert not any(c.replace("-", "") in h for c in codes for h in stored)


def test_secret_is_stored_encrypted(clerk):
    key, _codes = enrol(clerk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT otp_secret FROM accounts_user WHERE id = %s", [clerk.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("o1:")
    assert otp.b32(key) not in raw and key.hex() not in raw
    assert otp.unseal(raw) == key


# --- enrolment and policy --------------------------------------------------------------------

def test_an_administrator_is_forced_to_enrol_after_the_password(client, orgs):
    sysadmin = make_user("admin", roles=["sysadmin"])  # not the fixture: that one has enrolled
    response = password_step(client, "admin")
    assert response.status_code == 302 and logged_in(client)  # no second factor yet: password only
    for url in (reverse("home"), reverse("accounts:user_list"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 302 and response.url == SETUP
    page = client.get(SETUP).content.decode()
    assert "必须启用两步验证" in page
    secret = re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert "otpauth://totp/" in page
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))

    response = client.post(SETUP, {"code": wrong_code(key)})
    assert response.status_code == 200 and "动态验证码不正确" in response.content.decode()
    assert not User.objects.get(pk=sysadmin.pk).otp_enabled

    response = client.post(SETUP, {"code": otp.totp(key)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>", response.content.decode())
    assert len(codes) == 8
    user = User.objects.get(pk=sysadmin.pk)
    assert user.otp_enabled and otp.unseal(user.otp_secret) == key
    assert AuditLog.objects.filter(action="otp.enable", actor=user).count() == 1
    assert client.get(reverse("accounts:user_list")).status_code == 200  # released
    assert client.get(SETUP).url == reverse("accounts:profile")  # no second enrolment over the first


def test_business_users_are_not_forced_and_can_enable_and_disable(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("home")).status_code == 200
    assert "启用两步验证" in client.get(reverse("accounts:profile")).content.decode()
    key, _codes = enrol(clerk)
    response = client.post(reverse("accounts:otp_disable"), {"code": "12345x"}, follow=True)
    assert "动态验证码不正确" in response.content.decode()
    assert User.objects.get(pk=clerk.pk).otp_enabled
    response = client.post(reverse("accounts:otp_disable"), {"code": otp.totp(key)}, follow=True)
    assert "两步验证已关闭" in response.content.decode()
    user = User.objects.get(pk=clerk.pk)
    assert (user.otp_enabled, user.otp_secret, user.otp_recovery_codes) == (False, "", [])
    assert AuditLog.objects.filter(action="otp.disable", actor=clerk).count() == 1


def test_required_users_cannot_disable(client, auditor):
    key = OTP_KEY  # the fixture has enrolled
    client.force_login(auditor)
    assert "不能关闭" in client.get(reverse("accounts:profile")).content.decode()
    with pytest.raises(ServiceError) as exc:
        services.otp_disable(user=auditor, code=otp.totp(key))
    assert exc.value.code == "otp_required"
    assert User.objects.get(pk=auditor.pk).otp_enabled


def test_required_for_everyone_setting(client, clerk, settings):
    settings.OTP_REQUIRED_FOR_ALL = True
    client.force_login(clerk)
    assert client.get(reverse("home")).url == SETUP


def test_regenerating_recovery_codes_voids_the_old_ones(client, clerk):
    key, old = enrol(clerk)
    client.force_login(clerk)
    response = client.post(reverse("accounts:otp_recovery_codes"), {"code": otp.totp(key)})
    new = re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>", response.content.decode())
    assert len(new) == 8 and not set(new) & set(old)
    assert AuditLog.objects.filter(action="otp.recovery_codes", actor=clerk).count() == 1
    client.logout()
    password_step(client, "clerk")
    assert code_step(client, old[0]).status_code == 200 and not logged_in(client)
    assert code_step(client, new[0]).status_code == 302 and logged_in(client)


def test_password_change_comes_after_the_code_step(client, orgs):
    user = make_user("newbie", roles=["clerk"], must_change_password=True)
    key, _codes = enrol(user)
    password_step(client, "newbie")
    response = code_step(client, otp.totp(key))
    assert response.url == reverse("accounts:password_change")


# --- the security administrator's reset ------------------------------------------------------

def test_secadmin_resets_a_lost_second_factor_and_it_is_audited(client, orgs, sysadmin):
    secadmin = make_user("secadmin", roles=["secadmin"])
    enrol(secadmin)
    assert sysadmin.otp_enabled  # the fixture has enrolled
    client.force_login(secadmin)
    page = client.get(reverse("accounts:otp_users")).content.decode()
    assert "admin" in page and "重置两步验证" in page
    response = client.post(reverse("accounts:otp_reset", args=[sysadmin.pk]), follow=True)
    assert "已重置用户 admin 的两步验证" in response.content.decode()
    user = User.objects.get(pk=sysadmin.pk)
    assert (user.otp_enabled, user.otp_secret, user.otp_recovery_codes) == (False, "", [])
    row = AuditLog.objects.get(action="otp.reset")
    assert (row.actor_id, row.object_id) == (secadmin.pk, str(sysadmin.pk))
    # The administrator logs in with the password and must enrol again.
    client.logout()
    password_step(client, "admin")
    assert client.get(reverse("home")).url == SETUP


def test_only_the_security_administrator_may_reset(client, clerk, sysadmin):
    enrol(clerk)
    client.force_login(sysadmin)
    assert client.get(reverse("accounts:otp_users")).status_code == 403
    assert client.post(reverse("accounts:otp_reset", args=[clerk.pk])).status_code == 403
    assert User.objects.get(pk=clerk.pk).otp_enabled
    with pytest.raises(NotAllowed):
        services.otp_reset(actor=sysadmin, user=clerk)


def test_secadmin_cannot_reset_his_own_second_factor(orgs):
    secadmin = make_user("secadmin", roles=["secadmin"])
    enrol(secadmin)
    with pytest.raises(ServiceError) as exc:
        services.otp_reset(actor=secadmin, user=secadmin)
    assert exc.value.code == "otp_reset_self"


def test_the_admin_site_has_no_login_form_of_its_own(client, clerk):
    """Django's admin login would check the password only: it sends people to the staff login."""
    enrol(clerk)
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302 and response.url == LOGIN + "?next=/django-admin/"
    response = client.post("/django-admin/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith(LOGIN) and not logged_in(client)
