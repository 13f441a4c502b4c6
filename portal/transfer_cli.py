"""What the two transfer commands share (``portal_transfer`` on the internet side, ``intranet_transfer``
on the intranet; README, "群众端单独部署"): the key, the directories, the lock against an overlapping
run and the report.

Exit codes: 0 done; 1 (``CommandError``) a configuration error, or a package refused (here or by the
other side) or an item withheld in this run, all named on stderr; 75 (``BUSY_EXIT``, EX_TEMPFAIL of
sysexits.h) another run of the same side holds the lock, nothing was done (the next tick runs).
"""
import fcntl
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import DatabaseError, connections

from petitions.lib.package import key_generate, private_key_load, public_key_text
from portal.wire import TRANSIT_CODES

BUSY_EXIT = 75


def add_arguments(parser):
    parser.add_argument("--receive", action="store_true", help="only import the other side's packages")
    parser.add_argument("--send", action="store_true", help="only write this side's package(s)")
    parser.add_argument("--keygen", action="store_true",
                        help="create this side's signing key (PORTAL_TRANSFER_KEY_PATH) and print its public key")
    parser.add_argument("--public-key", action="store_true", help="print this side's public key")


def keys(command, options):
    """--keygen / --public-key; True when the command should stop there."""
    path = settings.PORTAL_TRANSFER_KEY_PATH
    if options["keygen"]:
        try:
            text = key_generate(path)
        except FileExistsError:
            raise CommandError(f"{path} exists; remove it first to replace the key (the other side must then "
                               "trust the new public key: list both in PORTAL_TRANSFER_PEER_KEYS until the "
                               "packages signed with the old one are imported)")
        command.stdout.write(f"signing key written to {path}\npublic key (PORTAL_TRANSFER_PEER_KEYS on the other side):")
        command.stdout.write(text)
        return True
    if options["public_key"]:
        command.stdout.write(public_key_text(_private_key().public_key()))
        return True
    return False


def _private_key():
    path = settings.PORTAL_TRANSFER_KEY_PATH
    if not os.path.exists(path):
        raise CommandError(f"no signing key at {path}: run this command with --keygen first")
    return private_key_load(path)


def check_configuration(*, sending, receiving):
    """Refuse to run with a missing key, directory or peer key, naming what is missing."""
    own = public_key_text(_private_key().public_key())
    if receiving:
        if not settings.PORTAL_TRANSFER_PEER_KEYS:
            raise CommandError("PORTAL_TRANSFER_PEER_KEYS is empty: set the other side's public key")
        if own in settings.PORTAL_TRANSFER_PEER_KEYS:
            raise CommandError("PORTAL_TRANSFER_PEER_KEYS lists this side's own key: each side has its own")
        if not os.path.isdir(settings.PORTAL_TRANSFER_INBOX):
            raise CommandError(f"inbound directory {settings.PORTAL_TRANSFER_INBOX} does not exist")
    if sending:
        os.makedirs(settings.PORTAL_TRANSFER_OUTBOX, exist_ok=True)


def report(command, results):
    """One line per package imported; True when one was refused."""
    refused = False
    for name, status, detail in results:
        if status == "refused":
            refused = True
            command.stderr.write(f"{name}: refused: {detail}")
        else:
            command.stdout.write(f"{name}: {status} {detail if detail else ''}".rstrip())
    return refused


# --- one run at a time -----------------------------------------------------------------------------
#
# Two runs of one side at once (a timer firing while the last run is still sending the first packages,
# or timers on two hosts) would both import the same files and both number and write packages. Each run
# takes two locks, both released by the system when the process ends however it ends: an exclusive
# flock(2) on a lock file (PORTAL_TRANSFER_LOCK_PATH, by default var/transfer-<side>.lock: runs on this
# host, any database), and on PostgreSQL a session advisory lock in the side's database (runs on any host
# sharing that database). The lock file is not the one a crontab's `flock` wrapper of an older set-up
# holds, so that wrapper may stay.


class TransferBusy(Exception):
    """Another run of the same side holds the lock."""


def lock_path(side):
    configured = getattr(settings, "PORTAL_TRANSFER_LOCK_PATH", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / f"transfer-{side}.lock"


def _advisory_key(side):
    return int.from_bytes(hashlib.sha256(f"xf-portal-transfer:{side}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def run_lock(side, *, using="default"):
    """Hold the side's run lock for the block; ``TransferBusy`` (naming the holder) when another run has it.
    ``using``: the database of the side's tables (the advisory lock lives there on PostgreSQL)."""
    path = lock_path(side)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise TransferBusy(f"another {side} transfer run holds {path}"
                               + (f" (process {holder})" if holder else "")) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        connection = connections[using]
        advisory = connection.vendor == "postgresql"
        if advisory and connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
            # Behind PgBouncer in transaction mode (DATABASE_POOLER=transaction, docs/replica.md §5) a session
            # lock would stay on a pooled server connection: the timers connect to PostgreSQL directly.
            raise ImproperlyConfigured("the transfer commands hold a session lock: run them with DATABASE_URL pointing "
                               "at PostgreSQL itself, not at PgBouncer (unset DATABASE_POOLER)")
        if advisory:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [_advisory_key(side)])
                if not cursor.fetchone()[0]:
                    raise TransferBusy(f"another {side} transfer run holds the PostgreSQL advisory lock "
                                       f"{_advisory_key(side)} of database {connection.settings_dict['NAME']}")
        try:
            yield
        finally:
            if advisory:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [_advisory_key(side)])
                except DatabaseError:
                    pass  # the session is broken: the lock ends with it
    finally:
        os.close(fd)  # releases the flock


@contextmanager
def one_run(side, *, using="default"):
    """``run_lock`` for a command: a busy lock ends the command with BUSY_EXIT and one line saying so."""
    try:
        with run_lock(side, using=using):
            yield
    except TransferBusy as exc:
        raise CommandError(f"{exc}: nothing done, the next run will do it", returncode=BUSY_EXIT) from None


def report_peer_refusals(command, packages, *, peer, otherwise):
    """One line on stderr per package of ours the other side reported refused in this run (``otherwise``:
    what becomes of its content when it is not sent again at once); True if any."""
    for package in packages:
        tail = "what it carried goes again now" if package.code in TRANSIT_CODES else otherwise
        command.stderr.write(f"{package.name}: refused by the {peer} ({package.code}): {package.reason}; {tail}")
    return bool(packages)
