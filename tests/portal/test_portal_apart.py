"""The portal deployed apart (config/settings/portal.py, docs/architecture.md §7.2): it starts with the
portal app alone, imports no staff app, keeps its own database, serves the public pages and nothing of
the staff system. Run in a child process: these settings cannot be loaded beside the test settings."""
import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = r"""
import json, sys
import django
django.setup()
from django.apps import apps
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
client = Client()
status = {path: client.get(path).status_code
          for path in ("/portal/", "/portal/track/", "/cases/", "/accounts/login/", "/django-admin/",
                       "/sms/inbound/generic/", "/reports/")}
# Shared and free of the staff database: the pure calculators of petitions.domain (the GB 11643 check of an ID
# number) and petitions.clock (today and now, fixed in tests); nothing else.
staff = sorted(m for m in sys.modules if (m.split(".")[0] in ("petitions", "reports", "documents", "cockpit",
                                                              "bulletin") or m.startswith("portal.intranet"))
               and m not in ("petitions", "petitions.domain", "petitions.clock")
               and not m.startswith("petitions.domain."))
print(json.dumps({"apps": sorted(a.label for a in apps.get_app_configs()), "status": status, "staff": staff}))
"""


def test_the_internet_side_runs_with_the_portal_alone(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.portal",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "DJANGO_ALLOWED_HOSTS": "testserver",
           "DJANGO_PORTAL_TRANSFER_KEY_PATH": str(tmp_path / "portal.key"),
           "DJANGO_PORTAL_TRANSFER_OUTBOX": str(tmp_path / "out"), "DJANGO_PORTAL_TRANSFER_INBOX": str(tmp_path / "in")}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "portal" in found["apps"] and not {"petitions", "reports", "documents", "cockpit", "bulletin",
                                              "accounts", "intranet"} & set(found["apps"])
    assert found["staff"] == []  # no model, service, selector or view of a staff app was imported
    assert found["status"]["/portal/"] == 200
    for path in ("/cases/", "/accounts/login/", "/django-admin/", "/sms/inbound/generic/", "/reports/"):
        assert found["status"][path] == 404, (path, found["status"])
    assert (tmp_path / "portal.sqlite3").exists()  # its own database, nowhere else
