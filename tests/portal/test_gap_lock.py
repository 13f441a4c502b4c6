"""One transfer run at a time on each side (docs/architecture.md §7.2; README, "群众端单独部署"): a second
run while one holds the lock does nothing and exits with code 75, saying so; the lock is a flock(2) on a
file (any database) and, on PostgreSQL, an advisory lock in the side's database (timers on two hosts)."""
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection, connections

from petitions.models import Case
from portal import transfer_cli
from portal.intranet.models import PortalPackage
from portal.models import TransferPackage
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.portal.gap import *  # noqa: F401,F403
from tests.portal.gap import mirror_form

pytestmark = pytest.mark.django_db(databases=["default", "portal"])


def petition_waiting_on_the_intranet(gap, client):
    gap.ready()
    with gap.internet():
        assert mirror_form(client).status_code == 302
    gap.portal_run()
    gap.carry_up()


def test_a_second_intranet_run_does_nothing_and_says_why(gap, client, cast, clock):
    petition_waiting_on_the_intranet(gap, client)
    with gap.intranet(), transfer_cli.run_lock("intranet"):
        code, out, err = gap.command("intranet")
        assert code == transfer_cli.BUSY_EXIT == 75
        assert "another intranet transfer run holds" in err and f"(process {os.getpid()})" in err
        assert "nothing done" in err and out == ""
    assert not Case.objects.exists()
    assert [p.name for p in gap.up_in.iterdir() if p.is_file()] == ["portal-0000000002.xfgap"]  # left for later
    # The lock is the run's alone: once it ends, the next run imports.
    code, _out, _err = gap.command("intranet")
    assert code == 0 and Case.objects.count() == 1


def test_a_second_portal_run_does_nothing_and_says_why(gap, client, cast, clock):
    gap.intranet_run()
    gap.carry_down()
    with gap.internet(), transfer_cli.run_lock("portal"):
        code, _out, err = gap.command("portal")
        assert code == 75 and "another portal transfer run holds" in err
    assert not TransferPackage.objects.exists()
    code, out, _err = gap.command("portal")
    assert code == 0 and "intranet-0000000001.xfgap: applied" in out


def test_the_lock_goes_with_the_run_however_it_ends(gap):
    with gap.intranet():
        with pytest.raises(RuntimeError):
            with transfer_cli.run_lock("intranet"):
                raise RuntimeError("crash")
        with transfer_cli.run_lock("intranet"):
            # The two sides have their own locks: one side's run does not stop the other's.
            with gap.internet(), transfer_cli.run_lock("portal"):
                pass


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock is PostgreSQL's")
def test_a_run_on_another_host_holds_the_advisory_lock(gap, client, cast, clock):
    petition_waiting_on_the_intranet(gap, client)
    other = connections["default"].copy()  # another session on the same database: the other host's run
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [transfer_cli._advisory_key("intranet")])
            assert cursor.fetchone()[0] is True
        code, _out, err = gap.command("intranet")
        assert code == 75 and "PostgreSQL advisory lock" in err
        assert not PortalPackage.objects.filter(direction="in", seq=2).exists()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [transfer_cli._advisory_key("intranet")])
    finally:
        other.close()
    code, _out, _err = gap.command("intranet")
    assert code == 0 and Case.objects.count() == 1


CHILD = r"""
import sys
import django
django.setup()
from django.conf import settings
from django.core.management import execute_from_command_line
settings.PORTAL_TRANSFER_LOCK_PATH = sys.argv[1]
execute_from_command_line(["manage.py", "intranet_transfer"])
"""


def test_manage_py_exits_75_without_a_traceback(gap, tmp_path):
    """As the timer sees it: the command run as a process while another holds the lock."""
    lock = tmp_path / "intranet.lock"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DJANGO_PORTAL_TRANSFER_KEY_PATH": str(gap.intranet_key),
           "DJANGO_PORTAL_TRANSFER_PEER_KEYS": gap.portal_public,
           "DJANGO_PORTAL_TRANSFER_INBOX": str(gap.up_in), "DJANGO_PORTAL_TRANSFER_OUTBOX": str(gap.down_out)}
    with gap.intranet(PORTAL_TRANSFER_LOCK_PATH=lock), transfer_cli.run_lock("intranet"):
        done = subprocess.run([sys.executable, "-c", CHILD, str(lock)], cwd=settings.BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 75, done.stderr[-2000:]
    assert "another intranet transfer run holds" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_behind_pgbouncer_the_run_lock_refuses_to_start(monkeypatch):
    """A session advisory lock would outlive the run on a pooled server connection (docs/replica.md §5)."""
    from django.core.exceptions import ImproperlyConfigured

    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's")
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    with pytest.raises(ImproperlyConfigured, match="PgBouncer"):
        with transfer_cli.run_lock("intranet"):
            pass
