"""Password rules and the forced change at first login."""
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.exceptions import ServiceError
from accounts.models import AuditLog, User
from tests.factories import PASSWORD, make_user, org

NEW = "Qingfeng#2027x"


@pytest.mark.parametrize("password, ok", [
    ("Abcdef#123", True),       # 10 chars, 4 classes
    ("abcdefgh12#", True),      # lower, digit, symbol
    ("ABCDEFGH12a", True),      # upper, digit, lower
    ("Abc#12345", False),       # 9 chars
    ("abcdefghijkl", False),    # one class
    ("abcdefgh1234", False),    # two classes
    ("ABCDEFGH####", False),    # two classes
])
def test_password_complexity(db, password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_messages_are_chinese(db):
    with pytest.raises(ValidationError) as exc:
        validate_password("abc")
    text = "".join(exc.value.messages)
    assert "密码长度至少为10位" in text and "至少3类" in text


@pytest.fixture
def newbie(orgs):
    return make_user("newbie", roles=["clerk"], must_change_password=True)


def login(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_first_login_goes_to_the_password_page_and_nowhere_else(client, newbie):
    response = login(client, "newbie")
    assert response.url == reverse("accounts:password_change")
    for url in (reverse("home"), reverse("accounts:profile"), reverse("accounts:user_list")):
        assert client.get(url).url == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change"))
    assert "请先设置新密码" in page.content.decode()


@pytest.mark.parametrize("form, field, message", [
    ({"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}, "old_password", "原密码不正确"),
    ({"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}, "new_password1", "至少为10位"),
    ({"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"}, "new_password2", "不一致"),
    ({"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}, "new_password1", "不能与原密码相同"),
])
def test_bad_new_password_is_explained_and_changes_nothing(client, newbie, form, field, message):
    login(client, "newbie")
    response = client.post(reverse("accounts:password_change"), form)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    newbie.refresh_from_db()
    assert newbie.must_change_password and newbie.check_password(PASSWORD)
    assert not AuditLog.objects.filter(action="password.change").exists()


def test_good_new_password_is_accepted_and_the_session_survives(client, newbie):
    login(client, "newbie")
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    newbie.refresh_from_db()
    assert not newbie.must_change_password and newbie.check_password(NEW) and newbie.password_changed_at
    assert AuditLog.objects.filter(action="password.change", actor=newbie).count() == 1


def test_user_created_by_an_admin_must_change_the_password(sysadmin, client):
    services.user_create(actor=sysadmin, username="fresh", password="Initial#Pass1", organization=org("53390001"),
                         real_name="新用户")
    assert User.objects.get(username="fresh").must_change_password
    assert login(client, "fresh", "Initial#Pass1").url == reverse("accounts:password_change")


def test_reset_by_admin_forces_a_change_again(sysadmin, clerk, client):
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:user_reset_password", args=[clerk.pk]), {"password": "Temp#Pass2026"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.must_change_password and clerk.check_password("Temp#Pass2026")
    assert AuditLog.objects.filter(action="user.reset_password", object_id=str(clerk.pk)).exists()


def test_weak_reset_password_is_refused(sysadmin, clerk, client):
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:user_reset_password", args=[clerk.pk]), {"password": "weak"},
                           follow=True)
    assert "密码长度至少为10位" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD) and not clerk.must_change_password


def test_service_refuses_weak_password_on_create(sysadmin):
    with pytest.raises(ServiceError) as exc:
        services.user_create(actor=sysadmin, username="weakling", password="password123",
                             organization=org("53390001"), real_name="弱")
    assert exc.value.code == "weak_password"
    assert not User.objects.filter(username="weakling").exists()


def test_passwords_are_stored_with_argon2id_and_old_hashes_upgrade_at_login(client, orgs, settings):
    """Production hashing (config/settings/base.py, accounts/hashers.py): Argon2id with OWASP's
    parameters; a PBKDF2 hash from before still logs in and is replaced by an Argon2id one."""
    from config.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    user = make_user("argon_user", org_code="53390001", roles=["clerk"])
    user.set_password(PASSWORD)
    user.save()
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")

    from django.contrib.auth.hashers import make_password

    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    response = client.post(reverse("accounts:login"), {"username": "argon_user", "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
