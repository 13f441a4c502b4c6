"""Refusals told back to the sender (docs/architecture.md §6.2, "Refusals"): a package the receiver refuses
(a key it does not trust, a row it cannot read, a held package that can no longer be applied) is named, with
its code and reason, in the receiver's next package; the sender records it, audits it and lists it on the
数据交换 page. A refused acknowledgement alone, or a package of an instance that is not a peer, is not told
back (that would only start an exchange of refusals)."""
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse

from accounts.models import AuditLog, OrgUnit
from petitions.lib import package as pkg
from petitions.models import ExchangeKey, PackageRefusal, RefusalSide
from petitions.services.instances import UNKNOWN_PEER, package_path, peer_key_add, peer_key_deactivate
from tests.petitions.instance_helpers import (  # noqa: F401 (fixtures)
    COUNTY, DB, PREFECTURE, carry, instances, receive, send, wall,
)
from tests.petitions.test_instances_sequence import assign_new_case, rebuild

pytestmark = DB


def refuse(instance, data, code):
    with pytest.raises(pkg.PackageRejected) as exc:
        receive(instance, data)
    assert exc.value.code == code, exc.value.message
    return exc.value


def told(instance, side=RefusalSide.THERE):
    with instance:
        return list(PackageRefusal.objects.filter(side=side).order_by("id").values_list("seq", "code", "message"))


def page(client, instance, username):
    with instance:
        client.force_login(instance.user(username))
        return client.get(reverse("petitions:exchange")).content.decode()


def test_a_package_signed_with_a_key_not_yet_registered_is_told_back_and_applies_once_sent_again(instances, client):
    prefecture, county = instances
    prefecture.key = Ed25519PrivateKey.generate()  # the prefecture changed keys; the county does not know it
    assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    error = refuse(county, data, pkg.BAD_SIGNATURE)
    with county:
        audit = AuditLog.objects.filter(action="exchange.receive", succeeded=False).latest("id")
        assert audit.data == {"code": pkg.BAD_SIGNATURE, "sender": PREFECTURE, "seq": 1}
    assert told(county, RefusalSide.HERE) == [(1, pkg.BAD_SIGNATURE, error.message)]

    report = carry(county, prefecture)  # nothing else to say: the notice makes the package

    assert report.refusals == [(1, pkg.BAD_SIGNATURE, error.message)]
    assert told(prefecture) == [(1, pkg.BAD_SIGNATURE, error.message)]
    with prefecture:
        there = PackageRefusal.objects.get(side=RefusalSide.THERE)
        assert there.package.seq == 1 and there.package.withdrawn_at is None  # ours: to be sent again as it is
        assert package_path(there.package).exists()
        audit = AuditLog.objects.get(action="exchange.refused_by_peer")
        assert audit.data == {"peer": COUNTY, "seq": 1, "code": pkg.BAD_SIGNATURE, "ours": True, "limit": 0}
    html = page(client, prefecture, "triage")
    assert 'id="exchange-refused-there-533922"' in html and pkg.BAD_SIGNATURE in html and error.message in html
    assert "待处理：排除原因后重新下载该包送交对方" in html
    with county:
        assert PackageRefusal.objects.get(side=RefusalSide.HERE).carried_by.seq == 1  # told with package 1
        peer_key_add(actor=None, peer=county.peer(PREFECTURE), public_key=pkg.public_key_text(
            prefecture.key.public_key()))

    assert receive(county, data).applied == [1]  # the same file, sent again
    carry(county, prefecture)
    assert "对方此后已应用" in page(client, prefecture, "triage")


def test_a_row_the_receiver_cannot_read_is_told_back_with_the_reason(instances):
    """The county lacks an organization code the copy names: refused (bad_row), the reason naming the
    item and the code; told back; once the county has the code, the same package applies."""
    prefecture, county = instances
    assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    with county:
        OrgUnit.objects.filter(code="53390001").update(code="53390091")
    error = refuse(county, data, pkg.BAD_ROW)
    assert "53390001" in error.message

    carry(county, prefecture)

    [(seq, code, message)] = told(prefecture)
    assert (seq, code) == (1, pkg.BAD_ROW) and "53390001" in message
    with county:
        OrgUnit.objects.filter(code="53390091").update(code="53390001")
    assert receive(county, data).applied == [1]


def test_a_held_package_that_can_no_longer_be_applied_is_told_back(instances):
    """Package 2 waits at the county for 1; meanwhile the key it was signed with is deactivated there. When
    1 arrives, 2 is marked 无法应用 and the prefecture learns it with the county's next package."""
    prefecture, county = instances
    assign_new_case(prefecture)
    first = send(prefecture, COUNTY)
    old_key, prefecture.key = prefecture.key, Ed25519PrivateKey.generate()
    assign_new_case(prefecture, content="反映自来水管爆裂。")
    second = send(prefecture, COUNTY)
    with county:
        peer_key_add(actor=None, peer=county.peer(PREFECTURE), public_key=pkg.public_key_text(
            prefecture.key.public_key()))
    assert receive(county, second).outcome == "held"
    with county:
        new = ExchangeKey.objects.get(public_key=pkg.public_key_text(prefecture.key.public_key()))
        peer_key_deactivate(actor=None, key=new)

    report = receive(county, first)

    assert report.applied == [1] and [seq for seq, _m in report.refused_held] == [2]
    carry(county, prefecture)
    [(seq, code, _message)] = told(prefecture)
    assert (seq, code) == (2, pkg.BAD_SIGNATURE)
    prefecture.key = old_key


def test_a_refused_acknowledgement_or_a_stranger_s_package_is_not_told_back(instances):
    prefecture, county = instances
    assign_new_case(prefecture)
    carry(prefecture, county)
    ack = send(county, PREFECTURE)  # an acknowledgement, nothing else
    with prefecture:
        for key in ExchangeKey.objects.filter(org__code=COUNTY):
            peer_key_deactivate(actor=None, key=key)
    refuse(prefecture, ack, pkg.UNKNOWN_KEY)
    assert told(prefecture, RefusalSide.HERE) == []

    assign_new_case(prefecture, content="反映自来水管爆裂。")
    data = send(prefecture, COUNTY)
    stranger = rebuild(data, key=prefecture.key, manifest_change=lambda m: m.update(sender="533923"))
    refuse(county, stranger, UNKNOWN_PEER)
    assert told(county, RefusalSide.HERE) == []
    # The genuine package still applies; nothing waits to be told.
    assert receive(county, data).applied == [2]
    assert told(county, RefusalSide.HERE) == []
