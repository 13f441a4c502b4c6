"""Settings of the restore drill's second process (tests/accounts/test_backup.py): the test settings
(same keys) with the database from DATABASE_URL and the file store from XF_DRILL_FILES, so that
``manage.py restore`` runs in a fresh process against a fresh database and directory."""
import os
import shutil
from pathlib import Path

from config.settings import test as _test
from config.settings.test import *  # noqa: F401,F403

# The test settings make two temporary directories on import; this process uses its own instead.
for _unused in (_test.PRIVATE_STORAGE_ROOT, _test.STATIC_ROOT):
    shutil.rmtree(_unused, ignore_errors=True)
PRIVATE_STORAGE_ROOT = Path(os.environ["XF_DRILL_FILES"])
STATIC_ROOT = PRIVATE_STORAGE_ROOT.parent
