import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import INSTALLED_APPS

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FIELD_ENCRYPTION_KEY = "00112233445566778899aabbccddeeff" * 2  # fixed: tests may compare stored tokens
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="xf-test-private-"))
# An existing (empty) directory: WhiteNoise warns about a missing STATIC_ROOT; tests and the
# live server serve static files from the finders.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="xf-test-static-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The portal's captcha answer, so that tests and the browser journey can fill the form. Test
# settings only: tests/portal/test_urlconf.py checks that production leaves it unset.
PORTAL_CAPTCHA_FIXED_ANSWER = "K7P4"

# The data generator (benchmark tooling) is tested too; production never installs it.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
