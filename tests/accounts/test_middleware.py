"""Idle timeout (30 min), default-deny login, interface language, security headers."""
import time

import pytest
from django.urls import reverse

from accounts.middleware import IDLE_KEY
from accounts.models import AuditLog


def idle_for(client, seconds):
    session = client.session
    session[IDLE_KEY] = int(time.time()) - seconds
    session.save()


def test_idle_session_is_logged_out_after_thirty_minutes(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("accounts:profile")).status_code == 200
    idle_for(client, 30 * 60 + 5)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login") + "?next=%2Faccounts%2Fprofile%2F"
    assert "_auth_user_id" not in client.session
    row = AuditLog.objects.get(action="logout")
    assert row.actor == clerk and row.data == {"reason": "idle_timeout"}
    page = client.get(response.url)
    assert "长时间未操作，已自动退出" in page.content.decode()


def test_activity_within_thirty_minutes_keeps_the_session(client, clerk):
    client.force_login(clerk)
    client.get(reverse("home"))
    idle_for(client, 29 * 60)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.session[IDLE_KEY] >= int(time.time()) - 2
    assert not AuditLog.objects.filter(action="logout").exists()


def test_reading_pages_does_not_rewrite_the_session_every_request(client, clerk):
    """The activity stamp is refreshed at most once a minute (IDLE_STAMP_SECONDS): a page read
    within the minute issues no UPDATE of the session row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk)
    client.get(reverse("accounts:profile"))
    stamped = client.session[IDLE_KEY]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("accounts:profile")).status_code == 200
    assert not [q for q in ctx.captured_queries if "django_session" in q["sql"] and
                q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert client.session[IDLE_KEY] == stamped
    idle_for(client, 61)
    client.get(reverse("accounts:profile"))
    assert client.session[IDLE_KEY] >= int(time.time()) - 2


@pytest.mark.parametrize("name", ["home", "accounts:profile", "accounts:user_list", "accounts:audit_list",
                                  "petitions:dictionary_list"])
def test_every_page_needs_a_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_interface_is_chinese_whatever_the_browser_says(client, db):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_english_switch_is_remembered(client, clerk):
    client.force_login(clerk)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_language_can_be_switched_on_the_login_page(client, db):
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert f'action="{reverse("set_language")}"' in login_page and 'value="en"' in login_page
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert '<html lang="en">' in client.get(reverse("accounts:login")).content.decode()


def test_security_headers(client, db):
    response = client.get(reverse("accounts:login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
