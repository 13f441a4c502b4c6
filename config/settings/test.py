import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import INSTALLED_APPS, LOGGING

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
