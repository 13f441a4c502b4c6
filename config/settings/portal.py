"""The public portal deployed apart, on the internet side of the network gap (docs/architecture.md §7.2;
README, "群众端单独部署"). `make run-portal` runs it for development, `make serve-portal` under
gunicorn with config/settings/portal_production.py.

Only what the public side needs: the portal app and Django's messages and static files; no staff app,
no staff URL (config/urls_portal.py), no login, no intranet database or key. Its own database
(DATABASE_URL; SQLite in var/portal.sqlite3 by default) holds the outbox of requests waiting to cross,
the mirror the intranet sends (sealed under each case's query code), the per-address limits and the
used browser checks. The session is a signed cookie: the key a visitor's query code gave is never
written into a table here.
"""
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, database_config, env, env_bool

DEBUG = env_bool("DEBUG", False)

INSTALLED_APPS = [
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.InterfaceLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls_portal"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": database_config(env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'portal.sqlite3'}"))}

# No session table: the session (the unlocked case's key, the open forms' tokens, messages) is a cookie
# signed with SECRET_KEY, readable by the visitor alone (HttpOnly), valid two hours.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_AGE = 2 * 60 * 60

PORTAL_BACKEND = "portal.backends.mirror.MirrorBackend"
# On one development machine the two sides share directories, as if the gateway delivered at once:
# the portal writes where the intranet reads (var/gap/inbox) and reads where it writes (var/gap/outbox).
# In production each is set to the gateway's directories (README, "群众端单独部署").
PORTAL_TRANSFER_OUTBOX = Path(env("PORTAL_TRANSFER_OUTBOX", str(BASE_DIR / "var" / "gap" / "inbox")))
PORTAL_TRANSFER_INBOX = Path(env("PORTAL_TRANSFER_INBOX", str(BASE_DIR / "var" / "gap" / "outbox")))
PORTAL_TRANSFER_KEY_PATH = Path(env("PORTAL_TRANSFER_KEY_PATH", str(BASE_DIR / "var" / "portal_gap_ed25519.key")))

# Static files from the source folders in development (as config/settings/dev.py); collected in production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
