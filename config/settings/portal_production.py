"""The internet-side portal in production (`make serve-portal`; README, "群众端单独部署"): the portal
settings (config/settings/portal.py) with every value from the environment and secure defaults.

It refuses to start, with one line and exit code 78, without a secret key, the host names, its own
database and the crossing's key, directories and the intranet's public key. It needs no field
encryption or audit key and knows nothing of the intranet's database: nothing on this side can reach
the intranet except the packages it writes."""
import sys
from pathlib import Path

from .portal import *  # noqa: F401,F403
from .base import env, env_bool

DEBUG = False


def _configuration_errors():
    problems = []
    secret = env("SECRET_KEY") or ""
    if len(secret) < 50 or secret.startswith("dev-insecure"):
        problems.append("DJANGO_SECRET_KEY must be set (at least 50 random characters, not the intranet's)")
    if not env("ALLOWED_HOSTS"):
        problems.append("DJANGO_ALLOWED_HOSTS must be set (the portal's public host names)")
    if not env("DATABASE_URL"):
        problems.append("DATABASE_URL must be set (the portal's own database: postgres://… or sqlite:///…)")
    for name in ("PORTAL_TRANSFER_KEY_PATH", "PORTAL_TRANSFER_OUTBOX", "PORTAL_TRANSFER_INBOX",
                 "PORTAL_TRANSFER_PEER_KEYS"):
        if not env(name):
            problems.append(f"DJANGO_{name} must be set (README, 群众端单独部署)")
    return problems


if _configuration_errors():
    sys.stderr.write("configuration error (portal production settings): " + "; ".join(_configuration_errors()) + "\n")
    raise SystemExit(78)  # EX_CONFIG

SECRET_KEY = env("SECRET_KEY")
PORTAL_TRANSFER_KEY_PATH = Path(env("PORTAL_TRANSFER_KEY_PATH"))
PORTAL_TRANSFER_OUTBOX = Path(env("PORTAL_TRANSFER_OUTBOX"))
PORTAL_TRANSFER_INBOX = Path(env("PORTAL_TRANSFER_INBOX"))

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
