"""Settings of the restore drill's second process (tests/accounts/test_backup.py): the test settings
(same keys) with the database from DATABASE_URL and the file stores under XF_DRILL_FILES, so that
``manage.py restore`` runs in a fresh process against a fresh database and fresh directories."""
import os
from pathlib import Path

from config.settings.test import *  # noqa: F401,F403

PRIVATE_STORAGE_ROOT = Path(os.environ["XF_DRILL_FILES"]) / "private"
DOCUMENT_ROOT = Path(os.environ["XF_DRILL_FILES"]) / "documents"
EXCHANGE_ROOT = Path(os.environ["XF_DRILL_FILES"]) / "exchange"
