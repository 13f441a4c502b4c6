"""The portal's URL space: public in the full site, alone in the internet-side deployment."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from portal import urls as portal_urls

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PUBLIC_GET = ["/portal/", "/portal/submit/", "/portal/track/", "/portal/replies/", "/portal/submit/receipt/",
              "/portal/challenge/"]


def test_every_portal_view_is_public():
    for pattern in portal_urls.urlpatterns:
        assert getattr(pattern.callback, "login_required", True) is False, pattern.name


@pytest.mark.parametrize("url", PUBLIC_GET)
def test_portal_pages_open_without_login(client, orgs, url):
    response = client.get(url)
    assert response.status_code == 200, url


def test_staff_pages_still_need_a_login(client, orgs):
    response = client.get(reverse("petitions:pool"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@override_settings(ROOT_URLCONF="config.urls_portal")
@pytest.mark.parametrize("url", PUBLIC_GET)
def test_portal_only_urlconf_serves_the_portal(client, orgs, url):
    assert client.get(url).status_code == 200


@override_settings(ROOT_URLCONF="config.urls_portal")
def test_portal_only_urlconf_redirects_the_root_to_the_portal(client, orgs):
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/portal/"


@override_settings(ROOT_URLCONF="config.urls_portal")
@pytest.mark.parametrize("url", ["/accounts/login/", "/cases/", "/cases/pool/", "/reports/", "/django-admin/",
                                 "/i18n/setlang/", "/portal/nothing/"])
def test_portal_only_urlconf_has_no_staff_pages(client, orgs, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and 'href="/portal/"' in html  # the portal's own 404 page


def _settings_value(module, name, **env_overrides):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DJANGO_") and k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "ROOT_URLCONF"}}
    env.update(DJANGO_SETTINGS_MODULE=module, **env_overrides)
    code = f"import django; django.setup(); from django.conf import settings; print(repr(settings.{name}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def production_env():
    return {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_FIELD_ENCRYPTION_KEY": secrets.token_hex(32),
            "DATABASE_URL": "postgres://xf@db.example.gov.cn:5432/xf", "DJANGO_ALLOWED_HOSTS": "xf.example.gov.cn",
            "DJANGO_AUDIT_HMAC_KEY": secrets.token_hex(32), "DJANGO_AUDIT_CHECKPOINT_DIR": "/srv/audit/checkpoints",
            "DJANGO_AUDIT_SIGNING_KEY_PATH": "/etc/xinfang/audit_ed25519.key"}


def test_production_keeps_the_full_cost_of_the_browser_check():
    """The test settings make the proof of work small; production and dev keep the tuned figure of
    base.py (README, 门户人机校验), and there is no switch that skips the check or fixes an answer."""
    from config.settings import base

    assert base.PORTAL_POW_MAX_NUMBER >= 1_000_000
    for module, env in (("config.settings.production", production_env()), ("config.settings.dev", {})):
        assert _settings_value(module, "PORTAL_POW_MAX_NUMBER", **env) == repr(base.PORTAL_POW_MAX_NUMBER)
        assert _settings_value(module, "TRUSTED_PROXIES", **env) == "[]"
    code = "\n".join(p.read_text() for p in (ROOT / "portal").glob("*.py"))
    assert "FIXED_ANSWER" not in code and "DEBUG" not in code


def test_root_urlconf_comes_from_the_environment():
    assert _settings_value("config.settings.production", "ROOT_URLCONF", **production_env()) == "'config.urls'"
    assert _settings_value("config.settings.production", "ROOT_URLCONF", DJANGO_ROOT_URLCONF="config.urls_portal",
                           **production_env()) == "'config.urls_portal'"


def _public_patterns():
    """Names of the URL patterns of the full site that need no login."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])))
            elif isinstance(p, URLPattern) and getattr(p.callback, "login_required", True) is False:
                found.add(f"{namespace}:{p.name}" if namespace else str(p.name))

    walk(get_resolver().url_patterns, "")
    return found


def test_the_portal_is_the_deliberate_exception_to_the_login_rule():
    """Default-deny stays: besides the login pages (password, then the second factor; the admin
    site's login only redirects to the staff login), Django's language switch, which only sets
    a cookie, and the SMS providers' callback, which answers only a request signed with the
    provider's key (petitions/lib/sms_inbound.py), only the portal is public."""
    portal = {f"portal:{p.name}" for p in portal_urls.urlpatterns}
    assert _public_patterns() - portal == {"accounts:login", "accounts:login_otp", "admin:login",
                                           "admin_login_redirect", "set_language", "sms_inbound"}
    assert portal <= _public_patterns()
