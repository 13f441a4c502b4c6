"""The two sides of the portal across the network gap in one test: the intranet on the default database,
the internet-side portal on the ``portal`` database (config/settings/test.py), each with its own key and
directories, and a gateway the test drives by hand (``carry_up``/``carry_down``: deliver, lose, repeat or
cut a package).

Import the fixtures into a test module with ``from tests.portal.gap import *``.
"""
import base64
import hashlib
import io
import json
import shutil
import zipfile
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from petitions.lib.package import key_generate
from portal import gap as internet
from portal import wire
from portal.captcha import challenge_solve, solution_payload
from portal.intranet import inbound, outbound
from portal.models import INTERNET_SIDE_MODELS
from tests.portal.helpers import CONTENT, ID_NUMBER, PHONE

__all__ = ["Gap", "gap", "later", "manifest_of", "mirror_form", "only_package", "rezip", "rows_rewrite"]

MIRROR = "portal.backends.mirror.MirrorBackend"


class InternetSideRouter:
    """The internet side's tables live in the ``portal`` database, and only there."""

    @staticmethod
    def _internet(model):
        return model._meta.app_label == "portal" and model._meta.model_name in INTERNET_SIDE_MODELS

    def db_for_read(self, model, **hints):
        return "portal" if self._internet(model) else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        internet_side = app_label == "portal" and model_name in INTERNET_SIDE_MODELS
        if db == "portal":
            return internet_side
        return False if internet_side else None


class Gap:
    """Both sides' settings and the four directories: the portal writes to ``up_out``, the gateway
    carries to ``up_in`` where the intranet reads; the intranet writes to ``down_out``, carried to
    ``down_in`` where the portal reads."""

    def __init__(self, root):
        self.root = Path(root)
        for name in ("up_out", "up_in", "down_out", "down_in", "keys"):
            (self.root / name).mkdir(parents=True)
        self.up_out, self.up_in = self.root / "up_out", self.root / "up_in"
        self.down_out, self.down_in = self.root / "down_out", self.root / "down_in"
        self.portal_key, self.intranet_key = self.root / "keys" / "portal.key", self.root / "keys" / "intranet.key"
        self.portal_public = key_generate(self.portal_key)
        self.intranet_public = key_generate(self.intranet_key)

    def internet_settings(self, **extra):
        return override_settings(**{
            "PORTAL_BACKEND": MIRROR, "PORTAL_TRANSFER_OUTBOX": self.up_out, "PORTAL_TRANSFER_INBOX": self.down_in,
            "PORTAL_TRANSFER_KEY_PATH": self.portal_key, "PORTAL_TRANSFER_PEER_KEYS": (self.intranet_public,),
            "PORTAL_TRANSFER_LOCK_PATH": self.root / "keys" / "portal.lock", **extra})

    def intranet_settings(self, **extra):
        return override_settings(**{
            "PORTAL_TRANSFER_OUTBOX": self.down_out, "PORTAL_TRANSFER_INBOX": self.up_in,
            "PORTAL_TRANSFER_KEY_PATH": self.intranet_key, "PORTAL_TRANSFER_PEER_KEYS": (self.portal_public,),
            "PORTAL_TRANSFER_LOCK_PATH": self.root / "keys" / "intranet.lock", **extra})

    @contextmanager
    def internet(self, **extra):
        with self.internet_settings(**extra):
            yield

    @contextmanager
    def intranet(self, **extra):
        with self.intranet_settings(**extra):
            yield

    # --- the gateway ---------------------------------------------------------------------------

    @staticmethod
    def _carry(source, target, *, keep=False):
        moved = []
        for path in sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")):
            (shutil.copy2 if keep else shutil.move)(path, target / path.name)
            moved.append(path.name)
        return moved

    def carry_up(self, *, keep=False):
        """Deliver the portal's packages to the intranet (``keep``: and leave a copy, to deliver again)."""
        return self._carry(self.up_out, self.up_in, keep=keep)

    def carry_down(self, *, keep=False):
        return self._carry(self.down_out, self.down_in, keep=keep)

    # --- one run of each side's timer ----------------------------------------------------------

    def portal_run(self, **kwargs):
        """The internet side's timer: receive, then send; returns (received results, package sent)."""
        with self.internet():
            received = internet.inbox_receive(**kwargs)
            sent = internet.outbox_send(**kwargs)
        return received, sent

    def intranet_run(self, **kwargs):
        """The intranet's timer: import, then write; returns (import results, packages written)."""
        with self.intranet():
            imported = inbound.import_inbox(**kwargs)
            written = outbound.export(**kwargs)
        return imported, written

    def command(self, side, *args):
        """Run ``portal_transfer`` (side ``portal``) or ``intranet_transfer`` with each side's settings as
        the timer would; returns ``(exit code, stdout, stderr)`` (the code ``manage.py`` would exit with)."""
        out, err = io.StringIO(), io.StringIO()
        name = "portal_transfer" if side == "portal" else "intranet_transfer"
        with (self.internet() if side == "portal" else self.intranet()):
            try:
                call_command(name, *args, stdout=out, stderr=err)
                code = 0
            except CommandError as exc:
                err.write(f"CommandError: {exc}\n")
                code = exc.returncode
        return code, out.getvalue(), err.getvalue()

    def ready(self):
        """The link set up: the intranet's first package (the form's lists, every case) received on the
        portal, and the portal's confirmation of it received on the intranet."""
        self.intranet_run()
        self.carry_down()
        self.portal_run()
        self.carry_up()
        self.intranet_run()

    def cycle(self):
        """A full round: portal sends, the gateway carries, the intranet imports and answers, the
        gateway carries back, the portal receives."""
        self.portal_run()
        self.carry_up()
        self.intranet_run()
        self.carry_down()
        return self.portal_run()


@pytest.fixture
def gap(tmp_path):
    return Gap(tmp_path / "gap")


def mirror_form(client, **overrides):
    """GET the internet side's petition form and POST it filled in (the lists by code, the browser
    check solved): the response of the POST."""
    page = client.get(reverse("portal:submit"))
    assert page.status_code == 200
    challenge = page.context["challenge"]
    data = {"submit_token": page.context["form"]["submit_token"].value(), "bureau": "53392201",
            "name": "赵大海", "id_number": ID_NUMBER, "phone": PHONE, "address": "石门县城东安置小区3栋",
            "purpose": "04", "problem": "", "content": CONTENT,
            "altcha": solution_payload(challenge, challenge_solve(challenge))}
    data.update(overrides)
    return client.post(reverse("portal:submit"), data)


# --- a package in the gateway's hands ------------------------------------------------------------------

def only_package(directory):
    files = sorted(p for p in Path(directory).iterdir() if p.is_file())
    assert len(files) == 1, files
    return files[0]


def later(clock, minutes=121):
    """Past PORTAL_TRANSFER_RESEND_MINUTES (120 by default)."""
    clock.moment += timedelta(minutes=minutes)


def rezip(path, change):
    """Rewrite the zip at ``path`` with ``change(members)`` applied (members: name → bytes)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    Path(path).write_bytes(buf.getvalue())


def rows_rewrite(path, member, change, *, key=None):
    """Change the rows of ``member`` with ``change(rows)``; with ``key`` (a private key) the manifest is
    brought in line and signed again, as the sender would have written it."""
    def rewrite(members):
        rows = [json.loads(line) for line in members[member].decode().splitlines()]
        change(rows)
        members[member] = wire.jsonl(rows)
        if key is not None:
            manifest = json.loads(members[wire.MANIFEST])
            manifest["files"][member] = hashlib.sha256(members[member]).hexdigest()
            members[wire.MANIFEST] = json.dumps(manifest).encode()
            members[wire.SIGNATURE] = base64.b64encode(key.sign(members[wire.MANIFEST]))
    rezip(path, rewrite)


def manifest_of(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(wire.MANIFEST))
