"""Settings shared by every environment. dev, test and production only override.

Everything environment-specific is read from the environment: DATABASE_URL, SECRET_KEY,
DEBUG, ALLOWED_HOSTS (DJANGO_-prefixed variants win in production).
"""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    """Read DJANGO_<name> first, then <name>."""
    return os.environ.get(f"DJANGO_{name}", os.environ.get(name, default))


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = env("SECRET_KEY", "dev-insecure-key-change-me-in-production-0123456789abcdef")
DEBUG = env_bool("DEBUG", False)


def _local_field_key():
    """Outside production: a random key kept in var/field_key (created on first use, mode 0600),
    so that a development or benchmark database is readable by every process on this machine."""
    path = BASE_DIR / "var" / "field_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
    return path.read_text().strip()


# Key of the identity numbers stored encrypted (petitions/fieldcrypt.py): 64 hex characters.
# Production requires DJANGO_FIELD_ENCRYPTION_KEY (losing it makes the stored numbers unreadable);
# dev falls back to var/field_key, the tests use a fixed key.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    # Project apps, lowest first: each depends only on the ones above it in this list.
    "accounts",
    "petitions",
    "bulletin",
    "reports",
    "documents",
    "cockpit",
    "portal",
    # The intranet's end of the portal across the network gap (portal/intranet/, docs/architecture.md §7.2);
    # the internet-side deployment (config/settings/portal.py) installs "portal" alone.
    "portal.intranet",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.InterfaceLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: the idle-timeout logout leaves a message for the login page.
    "accounts.middleware.SecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    # Last, so that it runs after the view's writes (docs/replica.md: read-your-writes).
    "accounts.replica.ReadYourWritesMiddleware",
]

# "config.urls" serves everything; "config.urls_portal" only the public portal (/portal/), for the
# internet-side deployment (README, "Production"): DJANGO_ROOT_URLCONF=config.urls_portal.
ROOT_URLCONF = env("ROOT_URLCONF", "config.urls")
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# SQLite is the embedded default; PostgreSQL through DATABASE_URL.
def database_config(url):
    """The database settings of ``url`` with the options this project runs each engine with (also used
    by the internet-side portal's settings, config/settings/portal.py, for its own database)."""
    config = dj_database_url.parse(url, conn_max_age=int(env("CONN_MAX_AGE", "60")), conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Writers serialise on BEGIN IMMEDIATE instead of failing with "database is locked";
        # WAL lets readers go on while one writer works (docs/performance.md §R5.1).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        }
        config["CONN_MAX_AGE"] = 0
    elif config["ENGINE"] == "django.db.backends.postgresql" and env("DATABASE_POOLER", "") == "transaction":
        # Through PgBouncer in transaction mode (docs/replica.md, "Connection pooling"): consecutive transactions
        # may run on different server connections, so nothing may live longer than a transaction. A cursor WITH
        # HOLD (Django's server-side cursor outside a transaction) would; .iterator() then fetches its rows
        # whole. Startup options are not passed on by PgBouncer: it sets jit off and UTC on its server
        # connections itself (bin/pgbouncer_local).
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: at 1M cases the planner's cost estimates pass jit_above_cost on list and report
        # queries, and compiling them cost more than running them (leader page 5.6 s → 1.0 s;
        # docs/performance.md, "PostgreSQL JIT").
        config.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    return config


DATABASES = {"default": database_config(env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"))}

# A streaming hot standby of the primary for reports, charts, exports and search (docs/replica.md):
# DATABASE_REPLICA_URL names it (`make replica` makes one on 127.0.0.1:5433). Reads fall back to the primary
# when it is down or more than REPLICA_MAX_LAG_SECONDS behind; a user's own writes are always read back.
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_config(env("DATABASE_REPLICA_URL"))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read the primary's test database through it
REPLICA_READS = env_bool("REPLICA_READS", True)
REPLICA_MAX_LAG_SECONDS = float(env("REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_CHECK_SECONDS = float(env("REPLICA_CHECK_SECONDS", "2"))  # how often a process asks the standby
REPLICA_RETRY_SECONDS = float(env("REPLICA_RETRY_SECONDS", "15"))  # a failed standby is left alone this long
REPLICA_PIN_SECONDS = 300  # how long a user's last write position is remembered (the cookie's life)
DATABASE_ROUTERS = ["accounts.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockAwareModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; the portal has its own views.
GUARDIAN_RAISE_403 = False

# Argon2id first (accounts/hashers.py); older PBKDF2 hashes are verified and upgraded at login.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

# Login security (docs/architecture.md §9, docs/domain.md §10): values chosen and documented in README.
LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCKOUT_SECONDS = 15 * 60
SESSION_IDLE_TIMEOUT = 30 * 60
# Second login factor (TOTP, accounts/otp.py; 等保 身份鉴别 d). Holders of any of these permissions must
# enrol before they can use the system; OTP_REQUIRED_FOR_ALL extends the obligation to every account.
OTP_REQUIRED_PERMISSIONS = ("accounts.role_sysadmin", "accounts.role_secadmin", "accounts.role_auditor")
OTP_REQUIRED_FOR_ALL = env_bool("OTP_REQUIRED_FOR_ALL", False)
OTP_ISSUER = "XinfangOA"
OTP_PENDING_SECONDS = 5 * 60  # time allowed between the password step and the code step
SESSION_COOKIE_AGE = 12 * 60 * 60  # the cookie's lifetime (renewed when the session is saved)
SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60  # from login, whatever the activity (accounts.middleware)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploaded attachments live outside the web root and are served only through a
# view that applies the visibility selectors; MEDIA_URL is deliberately unused.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", str(BASE_DIR / "var" / "private")))
ATTACHMENT_MAX_BYTES = int(env("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
# Data packages between levels (docs/architecture.md §6): this instance's Ed25519 signing key (mode 0600,
# made by ``manage.py exchange_keygen``) and the largest package the importer will open.
EXCHANGE_PRIVATE_KEY_PATH = Path(env("EXCHANGE_PRIVATE_KEY_PATH", str(BASE_DIR / "var" / "exchange_ed25519.key")))
EXCHANGE_MAX_BYTES = int(env("EXCHANGE_MAX_BYTES", str(2 * 1024 * 1024 * 1024)))
# Cases between instances (docs/architecture.md §6.2): the organization this instance serves (its code is
# the sender of the packages it writes; empty: the root of the organization tree, i.e. the prefecture's
# instance), and where the packages written and the packages held for a missing one are kept (they carry
# personal data: mode 0700, backed up with the attachments).
EXCHANGE_INSTANCE_ORG = env("EXCHANGE_INSTANCE_ORG", "")
EXCHANGE_ROOT = Path(env("EXCHANGE_ROOT", str(BASE_DIR / "var" / "exchange")))
# Items per package at most (a busier outbox is written as several packages in a row).
EXCHANGE_MAX_ITEMS = int(env("EXCHANGE_MAX_ITEMS", "2000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# One console handler, on the root logger. Django's default configuration, applied first, gives the
# "django" logger a console handler of its own (active when DEBUG) and lets it propagate to the root as
# well: runserver printed every request warning ("Not Found: ...") twice. "django" is declared here so
# that its records go through the root handler alone; declaring it resets its child "django.server"
# (runserver's request lines), which keeps Django's own definition.
from django.utils.log import DEFAULT_LOGGING  # noqa: E402

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"django.server": DEFAULT_LOGGING["formatters"]["django.server"]},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": DEFAULT_LOGGING["handlers"]["django.server"],
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": DEFAULT_LOGGING["loggers"]["django.server"],
    },
}

# Shipped with the code (reports/fonts, Apache-2.0) so charts never show empty boxes.
CJK_FONT_PATH = BASE_DIR / "reports" / "fonts" / "wqy-microhei.ttc"

SITE_TITLE = _("信访信息业务处理系统")

# Outbound notifications beside the in-app reminders (accounts/gateway.py). Links in them are
# absolute: SITE_URL is the address users open the system at.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
NOTIFY_EMAIL = env_bool("NOTIFY_EMAIL", False)
NOTIFY_SMS_GATEWAY = env("NOTIFY_SMS_GATEWAY")  # e.g. accounts.gateway.LogSmsGateway
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "xinfang@localhost")

# 重大、紧急 matters (条例第二十五条, petitions/services/urgent.py): the duty leaders alerted must
# acknowledge within URGENT_ACK_MINUTES, or the alert goes one level up (manage.py scan_deadlines,
# run every few minutes). A visit is proposed as urgent at registration from URGENT_COLLECTIVE_SIZE
# visitors on (a collective visit), or with a 异常行为 of URGENT_DANGER_CODES (Art.26 items, the
# dictionary's codes: 02 dangerous articles, 03 violence or threats, 06 endangering security).
URGENT_ACK_MINUTES = int(env("URGENT_ACK_MINUTES", "30"))
URGENT_COLLECTIVE_SIZE = int(env("URGENT_COLLECTIVE_SIZE", "50"))
URGENT_DANGER_CODES = tuple(c.strip() for c in env("URGENT_DANGER_CODES", "02,03,06").split(",") if c.strip())

# Documents (文书, README "文书与送达"): the frozen PDFs live outside the web root, apart from the
# attachments (backed up as the "documents" file store). The portal address printed on receipts and
# in texts to petitioners (and as the receipt's QR code) is the internet-side portal's tracking page.
DOCUMENT_ROOT = Path(env("DOCUMENT_ROOT", str(BASE_DIR / "var" / "documents")))
PORTAL_PUBLIC_URL = env("PORTAL_PUBLIC_URL", "")  # e.g. https://xf.example.gov.cn/portal/track/
# Petitioner SMS (documents/sms.py): the gateway class (accounts/gateway.py: LogSmsGateway, AliyunSmsGateway,
# TencentSmsGateway, each configured by its DJANGO_SMS_* variables); unset, no text is sent or queued.
PETITIONER_SMS_GATEWAY = env("PETITIONER_SMS_GATEWAY", NOTIFY_SMS_GATEWAY)
SMS_SIGN_NAME = env("SMS_SIGN_NAME", "")  # the approved signature, e.g. 青峰州信访局
SMS_MAX_ATTEMPTS = int(env("SMS_MAX_ATTEMPTS", "6"))
# The provider adapters' credentials and approved templates (README, "短信"); never in the repository.
SMS_ACCESS_KEY_ID = env("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = env("SMS_ACCESS_KEY_SECRET", "")
SMS_SDK_APP_ID = env("SMS_SDK_APP_ID", "")  # Tencent Cloud only
SMS_REGION = env("SMS_REGION", "")  # Tencent Cloud only (default ap-guangzhou)
SMS_ENDPOINT = env("SMS_ENDPOINT", "")  # Alibaba Cloud only (default dysmsapi.aliyuncs.com)
SMS_TEMPLATES = env("SMS_TEMPLATES", "{}")  # JSON {purpose: approved template code}

# Public portal (群众端, docs/architecture.md §7): limits per client address, counted in the database so that
# they hold across gunicorn workers (README, "Public portal").
PORTAL_SUBMIT_LIMIT = 5  # online petitions registered per address ...
PORTAL_SUBMIT_WINDOW_SECONDS = 60 * 60  # ... within an hour
PORTAL_TRACK_FAILURE_LIMIT = 10  # failed tracking look-ups (wrong number or code) per address ...
PORTAL_TRACK_WINDOW_SECONDS = 60 * 60  # ... within an hour
# The proof of work of the online petition form (portal/captcha.py; README, 门户人机校验): a secret number
# in [0, PORTAL_POW_MAX_NUMBER], found by trying on average half of them (one SHA-256 each). Measured on
# the 2-core development machine (bench/portal_pow.py): Chromium ~0.4 s median, Python ~0.6 s per form.
# DJANGO_PORTAL_POW_MAX_NUMBER raises it as machines get faster. No setting skips the check.
PORTAL_POW_MAX_NUMBER = int(env("PORTAL_POW_MAX_NUMBER", "1500000"))
PORTAL_POW_TTL_SECONDS = 10 * 60  # a challenge must be answered within ten minutes (the page fetches a new one)

# The portal across the network gap (docs/architecture.md §7.2; README, "群众端单独部署"). PORTAL_BACKEND: where
# the portal's pages read and write: the staff database (the single-database setup, the default) or, on
# the internet-side deployment, its own mirror and outbox (config/settings/portal.py sets it).
PORTAL_BACKEND = env("PORTAL_BACKEND", "portal.backends.staff.StaffBackend")
# Each side writes packages into its outbound directory and reads the other side's from its inbound one
# (what a 网闸 carries between them), signs with its own Ed25519 key and trusts the other side's public
# keys (base64, comma-separated: two while a key is replaced). `manage.py portal_transfer` (internet side)
# and `manage.py intranet_transfer` (intranet) run on a timer; --keygen makes the key and prints the public
# key to configure on the other side.
PORTAL_TRANSFER_OUTBOX = Path(env("PORTAL_TRANSFER_OUTBOX", str(BASE_DIR / "var" / "gap" / "outbox")))
PORTAL_TRANSFER_INBOX = Path(env("PORTAL_TRANSFER_INBOX", str(BASE_DIR / "var" / "gap" / "inbox")))
PORTAL_TRANSFER_KEY_PATH = Path(env("PORTAL_TRANSFER_KEY_PATH", str(BASE_DIR / "var" / "gap_ed25519.key")))
PORTAL_TRANSFER_PEER_KEYS = tuple(k.strip() for k in env("PORTAL_TRANSFER_PEER_KEYS", "").split(",") if k.strip())
PORTAL_TRANSFER_MAX_BYTES = int(env("PORTAL_TRANSFER_MAX_BYTES", str(512 * 1024 * 1024)))
# What a package carries goes again when the other side has not confirmed it within this time.
PORTAL_TRANSFER_RESEND_MINUTES = int(env("PORTAL_TRANSFER_RESEND_MINUTES", "120"))
# Cases per package written by the intranet (the first run sends every case, in packages of this size).
PORTAL_TRANSFER_BATCH = int(env("PORTAL_TRANSFER_BATCH", "2000"))
# Packages imported (or refused) stay in done/ (refused/) under the inbound directory this many days.
PORTAL_TRANSFER_KEEP_DAYS = int(env("PORTAL_TRANSFER_KEEP_DAYS", "30"))
# The lock file of a side's transfer run (one run at a time, portal/transfer_cli.py); by default
# var/transfer-<side>.lock. Set it where var/ is not writable or several checkouts share a host.
PORTAL_TRANSFER_LOCK_PATH = env("PORTAL_TRANSFER_LOCK_PATH") or None
# What the receipt of an online petition tells the petitioner about the wait for the number and query code:
# about two timer periods of each side plus the gateway's transfers (README, "群众端单独部署").
PORTAL_RECEIPT_WAIT_MINUTES = int(env("PORTAL_RECEIPT_WAIT_MINUTES", "30"))
# scrypt parameters of the key each case's public sheet is sealed under (portal/sealing.py): the cost of
# one look-up on the portal, and of one case the first time the intranet sends it (docs/architecture.md §7.2).
PORTAL_MIRROR_KDF = {"n": int(env("PORTAL_MIRROR_KDF_N", str(2 ** 12))), "r": 8, "p": 1}

# Reverse proxies whose X-Forwarded-For is believed (accounts.audit.client_ip): addresses or CIDR networks,
# comma- or space-separated in DJANGO_TRUSTED_PROXIES, e.g. "127.0.0.1, 10.20.0.0/24". Only a request whose
# REMOTE_ADDR is one of them is attributed to the right-most address of X-Forwarded-For that is not;
# empty (the default): the client address is REMOTE_ADDR and the header is ignored.
def _trusted_proxies(value):
    import ipaddress

    from django.core.exceptions import ImproperlyConfigured

    entries = value.replace(",", " ").split()
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {entry!r} is not an IP address or network.")
    return entries


TRUSTED_PROXIES = _trusted_proxies(env("TRUSTED_PROXIES", ""))

# Audit chains (README: 审计; docs/architecture.md §4.4). The audit log and the access log are chained
# with HMAC-SHA-256 under DJANGO_AUDIT_HMAC_KEY (64 hex characters), a key kept out of the database and
# its backups. Signed checkpoints of the chain heads (Ed25519, PEM private key at
# DJANGO_AUDIT_SIGNING_KEY_PATH) go to DJANGO_AUDIT_CHECKPOINT_DIR, a directory outside the database
# that the auditor keeps (manage.py audit_checkpoint hourly, and verify_audit after each check).
# Production requires all three; elsewhere the keys are created under var/ on first use.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY")
AUDIT_LOCAL_HMAC_KEY_PATH = BASE_DIR / "var" / "audit_hmac_key"
AUDIT_SIGNING_KEY_PATH = Path(env("AUDIT_SIGNING_KEY_PATH", str(BASE_DIR / "var" / "audit_ed25519.key")))
AUDIT_CHECKPOINT_DIR = Path(env("AUDIT_CHECKPOINT_DIR", str(BASE_DIR / "var" / "audit_checkpoints")))
AUDIT_CREATE_MISSING_KEYS = True
# The append-only triggers have no switch; only the test suite's flush (test settings) drops and restores
# them inside its own transaction (accounts/management/commands/flush.py).
AUDIT_FLUSH_ALLOWED = False

# Historical import from the Excel template (数据导入, petitions/services/history_import; README
# "历史数据导入"): refused beyond these limits before a row is written. The zip directory of the .xlsx
# is checked before anything is decompressed (member count, declared uncompressed total).
HISTORY_IMPORT_MAX_ROWS = int(env("HISTORY_IMPORT_MAX_ROWS", "100000"))
HISTORY_IMPORT_MAX_BYTES = int(env("HISTORY_IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
HISTORY_IMPORT_MAX_MEMBERS = int(env("HISTORY_IMPORT_MAX_MEMBERS", "1000"))
HISTORY_IMPORT_MAX_UNCOMPRESSED = int(env("HISTORY_IMPORT_MAX_UNCOMPRESSED", str(1024 * 1024 * 1024)))
HISTORY_IMPORT_INLINE = False  # True: the page checks and imports within the request (tests)


def _sms_list(name):
    return tuple(item.strip() for item in env(name, "").replace(";", ",").split(",") if item.strip())


# Petitions by SMS (短信信访, petitions/services/sms_intake.py; README "短信信访"). A provider's callback
# is /sms/inbound/<provider>/ for the providers switched on here; each checks its own secret.
SMS_INBOUND_PROVIDERS = _sms_list("SMS_INBOUND_PROVIDERS")  # e.g. "generic,aliyun,tencent"
SMS_INBOUND = {
    "generic": {"secret": env("SMS_INBOUND_GENERIC_SECRET", ""),
                "allowed_ips": _sms_list("SMS_INBOUND_GENERIC_ALLOWED_IPS")},
    "aliyun": {"token": env("SMS_INBOUND_ALIYUN_TOKEN", ""), "allowed_ips": _sms_list("SMS_INBOUND_ALIYUN_ALLOWED_IPS")},
    "tencent": {"token": env("SMS_INBOUND_TENCENT_TOKEN", ""),
                "allowed_ips": _sms_list("SMS_INBOUND_TENCENT_ALLOWED_IPS")},
}
# Receiving number or extension (prefix) → bureau code, e.g. "1069001=53390001,10690012201=53392201".
SMS_INBOUND_ROUTES = dict(item.split("=", 1) for item in _sms_list("SMS_INBOUND_ROUTES") if "=" in item)
SMS_INBOUND_DEFAULT_BUREAU = env("SMS_INBOUND_DEFAULT_BUREAU", "")
SMS_INBOUND_LIMIT = int(env("SMS_INBOUND_LIMIT", "3"))  # petitions per number ...
SMS_INBOUND_WINDOW_SECONDS = int(env("SMS_INBOUND_WINDOW_SECONDS", str(24 * 3600)))  # ... within a day
SMS_INBOUND_FLOOD_LIMIT = int(env("SMS_INBOUND_FLOOD_LIMIT", "20"))  # messages per number and hour, then dropped
SMS_INBOUND_PART_WAIT_SECONDS = int(env("SMS_INBOUND_PART_WAIT_SECONDS", "600"))
SMS_INBOUND_MAX_SKEW_SECONDS = 300  # the generic adapter's signed timestamp
SMS_INBOUND_BLOCKED_WORDS = _sms_list("SMS_INBOUND_BLOCKED_WORDS") or ("傻逼", "操你", "去死", "狗日", "王八蛋")
SMS_INBOUND_REPLY_GATEWAY = env("SMS_INBOUND_REPLY_GATEWAY", "")  # default: NOTIFY_SMS_GATEWAY
