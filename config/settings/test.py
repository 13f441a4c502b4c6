import atexit
import copy
import os
import shutil
import tempfile
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F401,F403
from .base import DATABASES, INSTALLED_APPS, LOGGING

# Everything the suite writes outside the repository goes into one directory per process, removed when
# the process exits (pytest, or any process that loads these settings): the directories below and, being
# the default temporary directory (tempfile here, TMPDIR for child processes such as Chromium), whatever
# the tests and the code under test create as temporary files, pytest's tmp_path included.
_TMP_ROOT = Path(tempfile.mkdtemp(prefix="xf-test-"))
atexit.register(shutil.rmtree, _TMP_ROOT, ignore_errors=True)
tempfile.tempdir = str(_TMP_ROOT)
os.environ["TMPDIR"] = str(_TMP_ROOT)

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FIELD_ENCRYPTION_KEY = "00112233445566778899aabbccddeeff" * 2  # fixed: tests may compare stored tokens
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="private-"))
DOCUMENT_ROOT = Path(tempfile.mkdtemp(prefix="documents-"))
# An existing (empty) directory: WhiteNoise warns about a missing STATIC_ROOT; tests and the
# live server serve static files from the finders.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="static-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Log records reach pytest's log capture, which shows them with a failing test ("Captured log"); the
# console handler would print each one a second time there, under "Captured stderr".
LOGGING = {**LOGGING, "root": {"handlers": [], "level": "WARNING"}}
# The portal's proof of work made small (about 500 hashes, a millisecond) so that tests solve it for real
# and fast; the browser journey sets the production figure back. tests/portal/test_urlconf.py checks
# that production and dev keep the base value.
PORTAL_POW_MAX_NUMBER = 1000

# The data generator (benchmark tooling) is tested too; production never installs it.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

# Audit chains: a fixed HMAC key and signing key (tests may recompute MACs and check signatures), the
# checkpoints in a throw-away directory (tests that write checkpoints use their own tmp_path), all removed
# at exit. Only here may the suite's flush drop and restore the append-only triggers.
AUDIT_HMAC_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0" * 2
AUDIT_CREATE_MISSING_KEYS = False
AUDIT_FLUSH_ALLOWED = True
_AUDIT_TMP = Path(tempfile.mkdtemp(prefix="xf-test-audit-"))
AUDIT_CHECKPOINT_DIR = _AUDIT_TMP / "checkpoints"
AUDIT_SIGNING_KEY_PATH = _AUDIT_TMP / "audit_ed25519.key"
AUDIT_SIGNING_KEY_PATH.write_text(  # the Ed25519 key of RFC 8032's first test vector (PKCS#8 PEM)
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n")
atexit.register(shutil.rmtree, _AUDIT_TMP, ignore_errors=True)

# The historical import checks and imports within the request (the page's background thread would not
# see the test's transaction); the browser journey switches the thread back on.
HISTORY_IMPORT_INLINE = True

# A second instance of the system for the tests of cases between instances (tests/petitions/test_instances_*.py,
# docs/architecture.md §6.2): its own database on the same engine (a second in-memory database on SQLite,
# "<name>_county" beside the default one on PostgreSQL), or TEST_COUNTY_DATABASE_URL. Created only when a
# test asks for it (pytest-django sets up the databases the collected tests name).
DATABASES = {**DATABASES, "county": copy.deepcopy(DATABASES["default"])}
if os.environ.get("TEST_COUNTY_DATABASE_URL"):
    DATABASES["county"].update(dj_database_url.parse(os.environ["TEST_COUNTY_DATABASE_URL"]))
elif DATABASES["county"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["county"]["NAME"] = f"{DATABASES['default']['NAME']}_county"
    DATABASES["county"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_county"}
else:
    DATABASES["county"]["NAME"] = str(Path(DATABASES["default"]["NAME"]).with_name("county.sqlite3"))

# The internet-side portal's own database for the tests of the portal across the network gap
# (tests/portal/gap.py): its tables (portal.models.INTERNET_SIDE_MODELS) are routed there and nowhere else,
# so that one test runs both sides, each on its own database ("<name>_portal" beside the default one on
# PostgreSQL, a second in-memory database on SQLite). Created only when a test asks for it.
DATABASES = {**DATABASES, "portal": {**DATABASES["default"], "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {}))}}  # noqa: F405
if DATABASES["portal"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["portal"]["NAME"] = f"{DATABASES['default']['NAME']}_portal"
    DATABASES["portal"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_portal"}
else:
    DATABASES["portal"]["NAME"] = str(Path(DATABASES["default"]["NAME"]).with_name("portal_side.sqlite3"))
DATABASE_ROUTERS = ["tests.portal.gap.InternetSideRouter", "accounts.replica.ReplicaRouter"]

# The standby (docs/replica.md): with TEST_REPLICA_URL (.ci/run starts one on 127.0.0.1:5433), the alias
# "replica" reads the primary's test database on the standby. Only tests/accounts/test_replica.py turns the
# reads on (override_settings): every other test writes and reads within its own uncommitted transaction.
if os.environ.get("TEST_REPLICA_URL"):
    DATABASES["replica"] = {**database_config(os.environ["TEST_REPLICA_URL"]), "TEST": {"MIRROR": "default"}}  # noqa: F405
elif "replica" in DATABASES:
    del DATABASES["replica"]
REPLICA_READS = False
REPLICA_CHECK_SECONDS = 0
