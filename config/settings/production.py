"""Production settings: everything secure by default; values from DJANGO_* environment."""
import sys
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import env, env_bool

DEBUG = False


def _configuration_errors():
    """What is missing or malformed in the environment: production never falls back to SQLite,
    localhost or a generated key."""
    problems = []
    secret = env("SECRET_KEY") or ""
    if len(secret) < 50 or secret.startswith("dev-insecure"):
        problems.append("DJANGO_SECRET_KEY must be set (at least 50 random characters)")
    if not env("DATABASE_URL"):
        problems.append("DATABASE_URL must be set (postgres://user:password@host:5432/name)")
    elif not env("DATABASE_URL").startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL in production")
    if not env("ALLOWED_HOSTS"):
        problems.append("DJANGO_ALLOWED_HOSTS must be set (the host names of this server, comma-separated)")
    key = env("FIELD_ENCRYPTION_KEY") or ""
    if len(key) != 64 or any(c not in "0123456789abcdefABCDEF" for c in key):
        problems.append("DJANGO_FIELD_ENCRYPTION_KEY must be 64 hex characters (32 random bytes; keep a copy "
                        "apart from the backups: without it the stored personal data cannot be read)")
    problems += _audit_configuration_errors()
    return problems


def _audit_configuration_errors():
    """The audit chains' key and the signed checkpoints outside the database (README: 审计)."""
    problems = []
    key = env("AUDIT_HMAC_KEY") or ""
    if len(key) != 64 or any(c not in "0123456789abcdefABCDEF" for c in key):
        problems.append("DJANGO_AUDIT_HMAC_KEY must be 64 hex characters (32 random bytes: the key of the audit "
                        "chains, kept out of the database and its backups)")
    if not env("AUDIT_CHECKPOINT_DIR"):
        problems.append("DJANGO_AUDIT_CHECKPOINT_DIR must be set (where the signed checkpoints go, outside the "
                        "database, kept by the security auditor)")
    if not env("AUDIT_SIGNING_KEY_PATH"):
        problems.append("DJANGO_AUDIT_SIGNING_KEY_PATH must be set (the checkpoints' Ed25519 key, made by "
                        "`manage.py audit_checkpoint --keygen`)")
    return problems


if _configuration_errors():
    # One clear line and a non-zero exit, not a traceback: this is an operator's mistake.
    sys.stderr.write("configuration error (production settings): " + "; ".join(_configuration_errors()) + "\n")
    raise SystemExit(78)  # EX_CONFIG

SECRET_KEY = env("SECRET_KEY")
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY")
AUDIT_CHECKPOINT_DIR = Path(env("AUDIT_CHECKPOINT_DIR"))
AUDIT_SIGNING_KEY_PATH = Path(env("AUDIT_SIGNING_KEY_PATH"))
AUDIT_CREATE_MISSING_KEYS = False  # a missing key is an error, never silently a new one
AUDIT_FLUSH_ALLOWED = False


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
