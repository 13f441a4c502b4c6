"""Two instances of the system on one machine for the tests of cases between instances
(docs/architecture.md §6.2): the prefecture's on the test database ``default`` and 石门县's on the
database ``county`` (config/settings/test.py), each with its own settings (the organization it serves,
signing key, field-encryption key, file stores, exchange directory).

``with county:`` makes ``county`` the database of everything inside the block: the connection of the
alias ``default`` is swapped for the county's in this thread (``connections[alias] = …`` is
thread-local), so the services, which never name a database, write to the county's. The test's
transaction wraps both databases (``django_db(databases=[...])``), so nothing outlives a test.

Packages travel as bytes: ``carry(sender, receiver)`` writes the sender's next package and hands its
bytes to the receiver, as a transfer directory or a USB stick would. Each instance's signing key is also in
its key file (``EXCHANGE_PRIVATE_KEY_PATH``), for the commands.

``backup(instance)`` / ``restore(instance, snapshot)`` stand for ``manage.py backup`` and ``restore`` of one
instance: a savepoint of its database (rolling back to it brings every table back as it was, counters and
sequence rows included) and a copy of its file stores and exchange directory.
"""
import io
import shutil
import uuid
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from accounts.models import OrgUnit
from petitions.domain.idcard import make_id_number
from petitions.lib import package as pkg
from petitions.models import Case, Channel, Peer, PeerDirection
from petitions.services.instances import package_path, package_receive, package_send, peer_mark
from petitions.services.intake import register_case
from petitions.services.transitions import case_transition
from tests.factories import make_org_tree, make_user

PREFECTURE = "533900"
COUNTY = "533922"
DAY0 = date(2026, 3, 2)
DB = pytest.mark.django_db(databases=["default", "county"])
ID_NUMBER = make_id_number("533901", date(1978, 5, 12), 13)


class WallClock:
    """The machine's clock, fixed and settable (patched into ``petitions.clock._wall``, under
    ``petitions.clock.at``, which steps taken again from another instance use)."""

    def __init__(self):
        self.moment = timezone.make_aware(datetime.combine(DAY0, time(9, 0)))

    def __call__(self):
        return self.moment

    def day(self, n, hour=9):
        self.moment = timezone.make_aware(datetime.combine(DAY0 + timedelta(days=n), time(hour, 0)))
        return self.moment.date()

    def advance(self, **kwargs):
        self.moment += timedelta(**kwargs)


@pytest.fixture
def wall(monkeypatch):
    clock = WallClock()
    monkeypatch.setattr("petitions.clock._wall", clock)
    return clock


class Instance:
    def __init__(self, name, alias, code, root, field_key):
        self.name, self.alias, self.code = name, alias, code
        self.key = Ed25519PrivateKey.generate()
        self.public = pkg.public_key_text(self.key.public_key())
        self.root = root
        self.settings = {
            "EXCHANGE_INSTANCE_ORG": code, "EXCHANGE_ROOT": root / "exchange",
            "PRIVATE_STORAGE_ROOT": root / "private", "DOCUMENT_ROOT": root / "documents",
            "EXCHANGE_PRIVATE_KEY_PATH": root / "exchange_ed25519.key", "FIELD_ENCRYPTION_KEY": field_key,
        }
        self._stacks = []
        root.mkdir(parents=True, exist_ok=True)
        self.settings["EXCHANGE_PRIVATE_KEY_PATH"].write_bytes(self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    def __repr__(self):
        return f"<instance {self.name}>"

    @contextmanager
    def _swapped(self):
        if self.alias == "default":
            yield
            return
        original = connections["default"]
        connections["default"] = connections[self.alias]
        ContentType.objects.clear_cache()
        try:
            yield
        finally:
            connections["default"] = original
            ContentType.objects.clear_cache()

    def __enter__(self):
        stack = [self._swapped(), override_settings(**self.settings)]
        for cm in stack:
            cm.__enter__()
        self._stacks.append(stack)
        return self

    def __exit__(self, *exc):
        for cm in reversed(self._stacks.pop()):
            cm.__exit__(*exc)
        return False

    def user(self, name):
        with self:
            from accounts.models import User
            return User.objects.select_related("organization").get(username=name)

    def peer(self, code):
        return Peer.objects.select_related("org").get(org__code=code)


CAST = {
    # prefecture instance
    "prefecture": [("clerk", "53390001", "clerk"), ("triage", "53390001", "triage"),
                   ("leader", "53390001", "leader"), ("supervisor", "53390001", "supervisor"),
                   ("dept_handler", "53390003", "handler")],
    # county instance: the county's own people only
    "county": [("county_clerk", "53392201", "clerk"), ("county_triage", "53392201", "triage"),
               ("county_handler", "53392201", "handler"), ("county_leader", "53392201", "leader"),
               ("township_handler", "533922101", "handler")],
}


@pytest.fixture
def instances(tmp_path, wall):
    """The prefecture's and the county's instances, each with the organization tree, its people and
    the other marked as its peer (the county as a lower instance, the prefecture as the upper one)."""
    prefecture = Instance("prefecture", "default", PREFECTURE, tmp_path / "prefecture", "11" * 32)
    county = Instance("county", "county", COUNTY, tmp_path / "county", "22" * 32)
    for inst, peer_code, direction, other in ((prefecture, COUNTY, PeerDirection.LOWER, county),
                                              (county, PREFECTURE, PeerDirection.UPPER, prefecture)):
        with inst:
            make_org_tree()
            for username, org_code, role in CAST[inst.name]:
                make_user(username, org_code=org_code, roles=[role])
            peer_mark(actor=None, org=OrgUnit.objects.get(code=peer_code), direction=direction,
                      public_key=other.public)
    return prefecture, county


def send(instance, to_code):
    """Write ``instance``'s next package for ``to_code``; return its bytes (None: nothing to send)."""
    with instance:
        out = package_send(peer=instance.peer(to_code), private_key=instance.key)
        return package_path(out).read_bytes() if out is not None else None


def receive(instance, data, **kwargs):
    """Apply ``data`` in ``instance``; what would run after commit (reminders, file removal) runs."""
    with instance, TestCase.captureOnCommitCallbacks(using="default", execute=True):
        return package_receive(fileobj=io.BytesIO(data), size=len(data), **kwargs)


def carry(sender, receiver):
    """Send ``sender``'s next package to ``receiver``; return the receive report."""
    data = send(sender, receiver.code)
    assert data is not None, f"{sender} had nothing to send to {receiver}"
    return receive(receiver, data)


def register(actor, *, content="反映某公司拖欠工资三个月，请求督促企业支付。", confidential=False, accused_org=None,
             files=(), **data):
    from petitions import clock
    payload = {"content": content, "summary": "反映拖欠工资问题", "is_confidential": confidential,
               "accused_org": accused_org, **data}
    people = [{"name": "李建华", "address": "青峰州石门县石门镇人民路8号", "phone": "13908871234",
               "id_number": ID_NUMBER}]
    case = register_case(actor=actor, channel=Channel.LETTER, data=payload, petitioners=people, files=files,
                         submit_token=uuid.uuid4().hex, registered_at=clock.now())
    return Case.objects.get(pk=case.pk)


def act(case, action, actor, note="", **data):
    case = Case.objects.get(pk=case.pk)
    return case_transition(case=case, action=action, actor=actor, version=case.version,
                           note=note or f"意见：{action}", **data)


def org(code):
    return OrgUnit.objects.get(code=code)


def case_at(number):
    return Case.objects.get(number=number)


STORES = ("exchange", "private", "documents")


def backup(instance):
    """A backup of ``instance``: a savepoint of its database and a copy of its file stores."""
    with instance:
        sid = transaction.savepoint()
    copy = instance.root.parent / f"{instance.name}-backup-{uuid.uuid4().hex[:8]}"
    for store in STORES:
        if (instance.root / store).exists():
            shutil.copytree(instance.root / store, copy / store)
    return sid, copy


def restore(instance, snapshot):
    """Bring ``instance`` back to ``snapshot`` (``backup``): its database as it was then (everything
    written since is gone, counters included) and its file stores as they were."""
    sid, copy = snapshot
    with instance:
        transaction.savepoint_rollback(sid)
    for store in STORES:
        shutil.rmtree(instance.root / store, ignore_errors=True)
        if (copy / store).exists():
            shutil.copytree(copy / store, instance.root / store)
