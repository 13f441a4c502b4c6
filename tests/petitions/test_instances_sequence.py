"""Packages between instances are numbered per sender (docs/architecture.md §6.2): a replayed package
changes nothing, a missing one is reported and the later ones held until it arrives, packages arriving out
of order are applied in order, a tampered or foreign package is refused as a whole, a key change keeps the
packages in flight, and a package interrupted while it is applied leaves nothing behind."""
import base64
import io
import json
import zipfile
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accounts.models import AuditLog
from petitions.lib import package as pkg
from petitions.models import (
    Assignment, Attachment, Case, CaseEvent, ExchangeKey, InboundPackage, InboundState, OutboundPackage, Peer,
    SharedCase,
)
from petitions.services import instance_apply
from petitions.services.instances import (
    CHAIN_BROKEN, REPLAY_MISMATCH, UNKNOWN_PEER, WRONG_RECEIVER, package_path, packages_unacked, peer_key_add,
    peer_key_deactivate,
)
from tests.petitions.instance_helpers import (  # noqa: F401 (fixtures)
    COUNTY, DAY0, DB, PREFECTURE, act, case_at, instances, org, receive, register, send, wall,
)

pytestmark = DB


def assign_new_case(prefecture, content="反映村道损毁，请求修复。"):
    """Register a case in the prefecture and assign it to the county; return its number."""
    with prefecture:
        case = register(prefecture.user("clerk"), content=content)
        act(case, "assign", prefecture.user("triage"), targets=[{"org": org(COUNTY)}])
        return case.number


def county_totals(county):
    with county:
        return {"cases": Case.objects.count(), "events": CaseEvent.objects.count(),
                "assignments": Assignment.objects.count(), "attachments": Attachment.objects.count(),
                "packages": InboundPackage.objects.count(), "in_seq": Peer.objects.get().in_seq}


def refused(instance, data, code):
    before = county_totals(instance) if instance.name == "county" else None
    with pytest.raises(pkg.PackageRejected) as exc:
        receive(instance, data)
    assert exc.value.code == code, exc.value.message
    if before is not None:
        assert county_totals(instance) == before
    with instance:
        row = AuditLog.objects.filter(action="exchange.receive").latest("id")
        assert row.succeeded is False and row.data["code"] == code
    return exc.value


def rebuild(data, *, key=None, manifest_change=None, members=None):
    """A copy of a package with members replaced; re-signed with ``key`` (a sender misusing a genuine
    key), or with the old signature kept when ``key`` is None."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        content = {i.filename: src.read(i) for i in src.infolist()}
    content.update(members or {})
    if key is not None:
        manifest = json.loads(content[pkg.MANIFEST])
        for name in set(content) - {pkg.MANIFEST, pkg.SIGNATURE}:
            manifest["files"][name] = pkg.sha256_hex(content[name])
        if manifest_change:
            manifest_change(manifest)
        content[pkg.MANIFEST] = json.dumps(manifest).encode()
        content[pkg.SIGNATURE] = base64.b64encode(key.sign(content[pkg.MANIFEST]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, value in content.items():
            dst.writestr(name, value)
    return out.getvalue()


def items_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [json.loads(line) for line in archive.read("items.jsonl").decode().splitlines()]


# ---------------------------------------------------------------- sequence

def test_replayed_package_changes_nothing(instances):
    prefecture, county = instances
    number = assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    first = receive(county, data)
    assert first.outcome == "applied" and first.applied == [1]
    after = county_totals(county)

    again = receive(county, data)

    assert again.outcome == "duplicate" and again.applied == [] and "已应用" in again.message
    assert county_totals(county) == after
    with county:
        assert Case.objects.filter(number=number).count() == 1


def test_missing_package_is_reported_and_the_later_one_held_until_it_arrives(instances):
    prefecture, county = instances
    first_number = assign_new_case(prefecture)
    first = send(prefecture, COUNTY)
    second_number = assign_new_case(prefecture, content="反映自来水管爆裂。")
    second = send(prefecture, COUNTY)

    held = receive(county, second)

    assert (held.outcome, held.held, held.missing) == ("held", [2], [1])
    assert "缺少第1号包" in held.message
    with county:
        assert not Case.objects.exists() and Peer.objects.get().in_seq == 0
        assert InboundPackage.objects.get().state == InboundState.HELD
    assert receive(county, second).outcome == "already_held"  # the same package again: still one held

    filled = receive(county, first)

    assert (filled.outcome, filled.applied, filled.missing, filled.held) == ("applied", [1, 2], [], [])
    with county:
        assert sorted(Case.objects.values_list("number", flat=True)) == sorted([first_number, second_number])
        assert Peer.objects.get().in_seq == 2
        assert set(InboundPackage.objects.values_list("state", flat=True)) == {InboundState.APPLIED}
        assert not any((county.root / "exchange" / "inbox" / PREFECTURE).iterdir())  # the held file is gone


def test_out_of_order_packages_are_applied_in_order(instances, wall):
    prefecture, county = instances
    number = assign_new_case(prefecture)
    packages = [send(prefecture, COUNTY)]
    with prefecture:
        wall.advance(days=1)
        act(case_at(number), "supervise", prefecture.user("supervisor"), note="请加快办理。",
            deadline=DAY0 + timedelta(days=20))
    packages.append(send(prefecture, COUNTY))
    with prefecture:
        wall.advance(days=1)
        act(case_at(number), "supervise", prefecture.user("supervisor"), note="再次督办。",
            deadline=DAY0 + timedelta(days=25))
    packages.append(send(prefecture, COUNTY))

    outcomes = [receive(county, packages[i]) for i in (2, 1, 0)]

    assert [o.outcome for o in outcomes] == ["held", "held", "applied"]
    assert outcomes[1].missing == [1] and outcomes[2].applied == [1, 2, 3]
    with county:
        case = case_at(number)
        assert list(case.supervisions.order_by("created_at").values_list("requirement", flat=True)) == [
            "请加快办理。", "再次督办。"]
        assert case.is_supervised


def test_a_different_package_under_an_applied_number_is_refused(instances):
    prefecture, county = instances
    assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    receive(county, data)
    forged = rebuild(data, key=prefecture.key, members={"items.jsonl": b""},
                     manifest_change=lambda m: m["counts"].update(items=0))
    error = refused(county, forged, REPLAY_MISMATCH)
    assert "第1号包" in error.message


def test_a_package_that_does_not_follow_the_last_one_is_refused(instances):
    prefecture, county = instances
    assign_new_case(prefecture)
    receive(county, send(prefecture, COUNTY))
    assign_new_case(prefecture)
    second = send(prefecture, COUNTY)
    broken = rebuild(second, key=prefecture.key, manifest_change=lambda m: m.update(prev="0" * 64))
    refused(county, broken, CHAIN_BROKEN)
    assert receive(county, second).applied == [2]  # the genuine one still applies


# ---------------------------------------------------------------- refusals

def test_tampered_package_is_refused_as_a_whole(instances):
    prefecture, county = instances
    assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        items = archive.read("items.jsonl").replace("村道".encode(), "国道".encode())
    error = refused(county, rebuild(data, members={"items.jsonl": items}), pkg.HASH_MISMATCH)
    assert "items.jsonl" in error.message
    assert receive(county, data).applied == [1]


def test_package_signed_with_an_unknown_key_is_refused(instances):
    prefecture, county = instances
    assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    refused(county, rebuild(data, key=Ed25519PrivateKey.generate()), pkg.BAD_SIGNATURE)


def test_package_from_an_unregistered_sender_or_for_another_receiver_is_refused(instances):
    prefecture, county = instances
    assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    error = refused(county, rebuild(data, key=prefecture.key, manifest_change=lambda m: m.update(sender="533923")),
                    UNKNOWN_PEER)
    assert "533923" in error.message
    error = refused(county, rebuild(data, key=prefecture.key, manifest_change=lambda m: m.update(receiver="533923")),
                    WRONG_RECEIVER)
    assert "533923" in error.message


def test_a_row_this_instance_cannot_read_refuses_the_package_and_names_it(instances):
    prefecture, county = instances
    assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    items = items_of(data)
    items[0]["assignments"][0]["org"] = "999999"
    body = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()
    error = refused(county, rebuild(data, key=prefecture.key, members={"items.jsonl": body}), pkg.BAD_ROW)
    assert "第1项" in error.message and "交办记录第1行" in error.message and "999999" in error.message


# ---------------------------------------------------------------- key change

def test_key_change_keeps_the_package_in_flight(instances):
    """The prefecture writes package 1 with its old key, changes keys and writes package 2 with the new
    one; the county registers the new key beside the old one: both packages apply (2 arrives first and
    waits for 1). After the old key is deactivated, a package signed with it is refused."""
    prefecture, county = instances
    old_key = prefecture.key
    assign_new_case(prefecture)
    in_flight = send(prefecture, COUNTY)
    prefecture.key = Ed25519PrivateKey.generate()  # exchange_keygen --rotate
    new_public = pkg.public_key_text(prefecture.key.public_key())
    assign_new_case(prefecture, content="反映路灯损坏。")
    after_change = send(prefecture, COUNTY)

    refused(county, after_change, pkg.BAD_SIGNATURE)  # not registered yet: refused, nothing lost
    with county:
        peer_key_add(actor=None, peer=county.peer(PREFECTURE), public_key=new_public)
    assert receive(county, after_change).outcome == "held"
    assert receive(county, in_flight).applied == [1, 2]
    with county:
        assert Case.objects.count() == 2
        old = ExchangeKey.objects.get(public_key=pkg.public_key_text(old_key.public_key()))
        peer_key_deactivate(actor=None, key=old)
    prefecture.key = old_key
    assign_new_case(prefecture, content="反映噪音扰民。")
    refused(county, send(prefecture, COUNTY), pkg.BAD_SIGNATURE)


# ---------------------------------------------------------------- interrupted

def test_interrupted_apply_leaves_nothing_half_applied(instances, monkeypatch):
    prefecture, county = instances
    assign_new_case(prefecture)
    assign_new_case(prefecture, content="反映自来水管爆裂。")
    data = send(prefecture, COUNTY)
    assert len(items_of(data)) == 2
    before = county_totals(county)
    real = instance_apply.item_apply
    calls = []

    def crash_on_second(item, ctx):
        calls.append(item["item"])
        if len(calls) == 2:
            raise OSError("disk full")
        return real(item, ctx)

    monkeypatch.setattr("petitions.services.instances.item_apply", crash_on_second)
    with pytest.raises(OSError):
        receive(county, data)
    assert county_totals(county) == before
    with county:
        assert not SharedCase.objects.exists()
        staging = county.root / "private" / ".staging"
        assert not staging.exists() or not any(staging.iterdir())

    monkeypatch.setattr("petitions.services.instances.item_apply", real)
    assert receive(county, data).applied == [1]
    with county:
        assert Case.objects.count() == 2


def test_a_row_a_rule_here_refuses_refuses_the_package_with_its_reason(instances, monkeypatch):
    """A rule of the receiving instance that refuses one item while applying (e.g. a document whose 文号 is
    taken here, documents/exchange.py) refuses the whole package with the rule's words and an audited
    refusal, nothing applied; the page or the command reports it instead of failing."""
    from accounts.exceptions import ServiceError

    prefecture, county = instances
    assign_new_case(prefecture)
    data = send(prefecture, COUNTY)
    real = instance_apply.item_apply

    def refuse(item, ctx):
        raise ServiceError("本系统已有文号为州信转字〔2026〕第1号的文书，未收入。", code="document_number")

    monkeypatch.setattr("petitions.services.instances.item_apply", refuse)
    exc = refused(county, data, pkg.BAD_ROW)
    assert "州信转字〔2026〕第1号" in exc.message
    monkeypatch.setattr("petitions.services.instances.item_apply", real)
    assert receive(county, data).applied == [1]


# ---------------------------------------------------------------- acknowledgements

def test_acknowledged_packages_are_removed_and_empty_packages_do_not_ping_pong(instances):
    prefecture, county = instances
    assign_new_case(prefecture)
    receive(county, send(prefecture, COUNTY))
    with prefecture:
        peer = prefecture.peer(COUNTY)
        [waiting] = packages_unacked(peer)
        path = package_path(waiting)
        assert path.exists()

    ack = send(county, PREFECTURE)  # nothing to say but "applied up to 1"
    assert items_of(ack) == []
    receive(prefecture, ack)

    with prefecture:
        peer.refresh_from_db()
        assert peer.acked_seq == 1 and packages_unacked(peer) == [] and not path.exists()
        assert OutboundPackage.objects.get(peer=peer).stored_name == ""
    assert send(prefecture, COUNTY) is None  # an acknowledgement is not acknowledged
    assert send(county, PREFECTURE) is None
