"""Production settings: everything secure by default; values from DJANGO_* environment."""
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env, env_bool

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY or SECRET_KEY.startswith("dev-insecure"):
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (at least 50 random characters) in production.")

FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
if not FIELD_ENCRYPTION_KEY or len(FIELD_ENCRYPTION_KEY) != 64:
    raise ImproperlyConfigured("Set DJANGO_FIELD_ENCRYPTION_KEY (64 hex characters, 32 random bytes; keep a copy "
                               "with the backups: without it the stored identity numbers cannot be read).")

# The audit chains' key and the signed checkpoints outside the database (README: 审计): all required,
# and a missing key is an error, never silently a new one.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY")
if not AUDIT_HMAC_KEY or len(AUDIT_HMAC_KEY) != 64 or any(c not in "0123456789abcdefABCDEF" for c in AUDIT_HMAC_KEY):
    raise ImproperlyConfigured("Set DJANGO_AUDIT_HMAC_KEY (64 hex characters, 32 random bytes: the key of the audit "
                               "chains, kept out of the database and its backups).")
if not env("AUDIT_CHECKPOINT_DIR"):
    raise ImproperlyConfigured("Set DJANGO_AUDIT_CHECKPOINT_DIR (where the signed checkpoints go, outside the "
                               "database, kept by the security auditor).")
if not env("AUDIT_SIGNING_KEY_PATH"):
    raise ImproperlyConfigured("Set DJANGO_AUDIT_SIGNING_KEY_PATH (the checkpoints' Ed25519 key, made by "
                               "`manage.py audit_checkpoint --keygen`).")
AUDIT_CHECKPOINT_DIR = Path(env("AUDIT_CHECKPOINT_DIR"))
AUDIT_SIGNING_KEY_PATH = Path(env("AUDIT_SIGNING_KEY_PATH"))
AUDIT_CREATE_MISSING_KEYS = False
AUDIT_FLUSH_ALLOWED = False

# Never a predictable captcha on a real server (the test settings set one for the browser suite).
PORTAL_CAPTCHA_FIXED_ANSWER = None

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

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
