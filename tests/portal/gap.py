"""The two sides of the portal across the network gap in one test: the intranet on the default database,
the internet-side portal on the ``portal`` database (config/settings/test.py), each with its own key and
directories, and a gateway the test drives by hand (``carry_up``/``carry_down``: deliver, lose, repeat or
cut a package).

Import the fixtures into a test module with ``from tests.portal.gap import *``.
"""
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from petitions.lib.package import key_generate
from portal import gap as internet
from portal.captcha import challenge_solve, solution_payload
from portal.intranet import inbound, outbound
from portal.models import INTERNET_SIDE_MODELS
from tests.portal.helpers import CONTENT, ID_NUMBER, PHONE

__all__ = ["Gap", "gap", "mirror_form"]

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
            **extra})

    def intranet_settings(self, **extra):
        return override_settings(**{
            "PORTAL_TRANSFER_OUTBOX": self.down_out, "PORTAL_TRANSFER_INBOX": self.up_in,
            "PORTAL_TRANSFER_KEY_PATH": self.intranet_key, "PORTAL_TRANSFER_PEER_KEYS": (self.portal_public,),
            **extra})

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
