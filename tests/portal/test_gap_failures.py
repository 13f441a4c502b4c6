"""The portal across the network gap when things go wrong (docs/architecture.md §7.2): a package cut
short or never delivered, an import that crashes midway, a package delivered twice or out of order, a
tampered or foreign package, a request the rules refuse. Nothing is lost, nothing counts twice, and a
refusal names the file and the field."""
import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from petitions.lib.package import key_generate, private_key_load
from petitions.models import Case, Evaluation, HandlingOpinion
from petitions.workflow import Status
from portal import sealing, wire
from portal.intranet import inbound
from portal.intranet.models import PortalItem, PortalPackage
from portal.models import MirrorCase, OutboxItem, TransferPackage
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org
from tests.portal.gap import *  # noqa: F401,F403
from tests.portal.gap import mirror_form

pytestmark = pytest.mark.django_db(databases=["default", "portal"])


def submit_petitions(gap, client, count):
    with gap.internet():
        for _i in range(count):
            assert mirror_form(client).status_code == 302


def only_package(directory):
    files = [p for p in directory.iterdir() if p.is_file()]
    assert len(files) == 1, files
    return files[0]


def later(clock, minutes=121):
    """Past PORTAL_TRANSFER_RESEND_MINUTES (120 by default)."""
    clock.moment += timedelta(minutes=minutes)


# --- interrupted, lost, repeated ---------------------------------------------------------------------

def test_a_package_cut_short_is_refused_by_name_and_its_requests_go_again_once(gap, client, cast, clock):
    gap.ready()
    submit_petitions(gap, client, 2)
    gap.portal_run()
    sent = only_package(gap.up_out)
    data = sent.read_bytes()
    # The gateway left a temporary file (a transfer still under way) and a file cut short under the name.
    (gap.up_in / f".{sent.name}.part").write_bytes(data[:100])
    (gap.up_in / sent.name).write_bytes(data[: len(data) // 2])
    sent.unlink()
    imported, _written = gap.intranet_run()
    assert [(name, status) for name, status, _detail in imported] == [(sent.name, "refused")]
    assert sent.name in imported[0][2] and "zip" in imported[0][2]
    assert not Case.objects.exists() and not PortalItem.objects.exists()
    assert (gap.up_in / "refused" / sent.name).exists() and (gap.up_in / f".{sent.name}.part").exists()
    assert AuditLog.objects.get(action="portal.import", succeeded=False).data["reason"] == "bad_zip"

    # Nothing confirmed them: after PORTAL_TRANSFER_RESEND_MINUTES the portal sends both requests again.
    with gap.internet():
        assert gap.portal_run()[1] is None  # not yet: they were sent a moment ago
    later(clock)
    _received, again = gap.portal_run()
    assert again.counts == {"items": 2}
    gap.carry_up(keep=True)
    gap.intranet_run()
    assert Case.objects.count() == 2 and PortalItem.objects.count() == 2
    # The same package delivered a second time changes nothing.
    gap.carry_up()
    imported, _written = gap.intranet_run()
    assert [status for _name, status, _detail in imported] == ["duplicate"]
    assert Case.objects.count() == 2 and PortalItem.objects.count() == 2


def test_a_crash_midway_through_an_import_leaves_nothing_and_the_rerun_applies_each_request_once(
        gap, client, cast, clock, monkeypatch):
    gap.ready()
    submit_petitions(gap, client, 3)
    gap.portal_run()
    gap.carry_up()
    real = inbound.APPLY["submission"]
    calls = []

    def crash_on_the_second(row):
        calls.append(row["uid"])
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(row)

    monkeypatch.setitem(inbound.APPLY, "submission", crash_on_the_second)
    with pytest.raises(RuntimeError):
        gap.intranet_run()
    # The first petition was registered inside the package's transaction: rolled back with it.
    assert not Case.objects.exists() and not PortalItem.objects.exists()
    assert not PortalPackage.objects.filter(direction="in", status="applied", seq=2).exists()
    assert only_package(gap.up_in).name == "portal-0000000002.xfgap"  # still there for the next run

    monkeypatch.setitem(inbound.APPLY, "submission", real)
    imported, _written = gap.intranet_run()
    assert [(name, status, detail) for name, status, detail in imported] == [
        ("portal-0000000002.xfgap", "applied", {"applied": 3, "refused": 0, "repeated": 0})]
    assert Case.objects.count() == 3 and PortalItem.objects.count() == 3
    assert sorted(Case.objects.values_list("submit_token", flat=True)) == sorted(
        OutboxItem.objects.values_list("uid", flat=True))


def test_a_lost_answer_is_sent_again_and_the_repeated_request_is_not_applied_twice(gap, client, cast, clock):
    gap.ready()
    submit_petitions(gap, client, 1)
    gap.portal_run()
    gap.carry_up()
    gap.intranet_run()
    assert Case.objects.count() == 1
    only_package(gap.down_out).unlink()  # the answer is lost in transit
    gap.portal_run()
    item = OutboxItem.objects.get()
    assert item.answered_at is None

    later(clock)
    _received, again = gap.portal_run()  # the portal asks again
    assert again.counts == {"items": 1}
    gap.carry_up()
    imported, written = gap.intranet_run()  # applied once already; the unconfirmed answer is re-queued
    assert imported[0][2] == {"applied": 0, "refused": 0, "repeated": 1}
    assert PortalPackage.objects.filter(direction="out", requeued=True).exists()
    assert [p.counts["answers"] for p in written] == [1]
    gap.carry_down()
    gap.portal_run()
    item.refresh_from_db()
    assert item.outcome == "applied" and Case.objects.count() == 1


def test_a_late_package_never_replaces_a_newer_sheet(gap, client, cast, clock):
    case = make_case(cast.clerk)
    gap.intranet_run()  # package 1: the lists and the case, 已登记
    first = only_package(gap.down_out)
    first.rename(gap.root / first.name)
    act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    gap.intranet_run()  # package 2: the case assigned
    gap.carry_down()
    gap.portal_run()
    (gap.root / first.name).rename(gap.down_in / first.name)  # the older one arrives last
    received, _sent = gap.portal_run()
    assert [(name, detail["older"]) for name, _status, detail in received] == [(first.name, 1)]
    assert MirrorCase.objects.get().seq == 2
    with gap.internet():
        client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
        assert client.get(reverse("portal:case")).context["case"].status_label == "已受理"


# --- refused packages ---------------------------------------------------------------------------------

def _rezip(path, change):
    """Rewrite the zip at ``path`` with ``change(members)`` applied (members: name → bytes)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buf.getvalue())


def _resign(members, key):
    import base64

    members[wire.SIGNATURE] = base64.b64encode(key.sign(members[wire.MANIFEST]))


@pytest.mark.parametrize("tamper, code, words", [
    ("member", "hash_mismatch", "items.jsonl"),
    ("foreign_key", "bad_signature", "签名验证失败"),
    ("extra_member", "bad_member", "../evil"),
    ("sender", "bad_member", "items.jsonl"),  # a portal package under an intranet name: not its members
])
def test_a_tampered_or_foreign_package_is_refused_by_name_and_nothing_is_written(
        gap, client, cast, clock, tmp_path, tamper, code, words):
    gap.ready()
    submit_petitions(gap, client, 1)
    gap.portal_run()
    path = only_package(gap.up_out)
    if tamper == "member":
        _rezip(path, lambda m: m.__setitem__(wire.ITEMS, m[wire.ITEMS].replace("赵大海".encode(), "王小二".encode())))
    elif tamper == "foreign_key":
        key_generate(tmp_path / "stranger.key")
        stranger = private_key_load(tmp_path / "stranger.key")

        def forge(members):
            members[wire.ITEMS] = members[wire.ITEMS].replace("赵大海".encode(), "王小二".encode())
            manifest = json.loads(members[wire.MANIFEST])
            manifest["files"][wire.ITEMS] = hashlib.sha256(members[wire.ITEMS]).hexdigest()
            members[wire.MANIFEST] = json.dumps(manifest).encode()
            _resign(members, stranger)
        _rezip(path, forge)
    elif tamper == "extra_member":
        _rezip(path, lambda m: m.__setitem__("../evil", b"x"))
    else:
        # The portal's own package presented as if the intranet had sent it.
        path = path.rename(path.with_name("intranet-0000000009.xfgap"))
        path.rename(gap.down_in / path.name)
        received, _sent = gap.portal_run()
        assert received[0][1] == "refused" and words in received[0][2] and path.name in received[0][2]
        assert TransferPackage.objects.filter(direction="in", status="refused").count() == 1
        return
    gap.carry_up()
    imported, _written = gap.intranet_run()
    name, status, reason = imported[0]
    assert status == "refused" and name in reason and words in reason
    assert not Case.objects.exists() and not PortalItem.objects.exists()
    assert AuditLog.objects.get(action="portal.import", succeeded=False).data["reason"] == code
    assert (gap.up_in / "refused" / name).exists()


def test_without_the_other_sides_key_nothing_is_trusted(gap, client, cast, clock):
    gap.ready()
    submit_petitions(gap, client, 1)
    gap.portal_run()
    gap.carry_up()
    with gap.intranet_settings(PORTAL_TRANSFER_PEER_KEYS=()):
        imported = inbound.import_inbox()
    assert imported[0][1] == "refused" and "PORTAL_TRANSFER_PEER_KEYS" in imported[0][2]
    assert not Case.objects.exists()


def test_a_row_without_an_identity_refuses_the_package_a_bad_field_only_its_request(gap, client, cast, clock):
    gap.ready()
    submit_petitions(gap, client, 2)
    first, second = OutboxItem.objects.order_by("id")
    second.data = {**second.data, "name": "赵" * 60}  # longer than any form lets through
    second.save()
    gap.portal_run()
    gap.carry_up()
    imported, _written = gap.intranet_run()
    assert imported[0][2] == {"applied": 1, "refused": 1, "repeated": 0}
    refused = PortalItem.objects.get(uid=second.uid)
    assert refused.outcome == "refused" and "data.name" in refused.message and "第2行" in refused.message
    assert Case.objects.get().submit_token == first.uid
    gap.carry_down()
    gap.portal_run()
    with gap.internet():
        code = sealing.receipt_code_for(second.uid)
        status = client.post(reverse("portal:receipt_lookup"), {"receipt": code}).context["status"]
        assert status.state == "refused" and "data.name" in status.message

    # A row whose uid is not one: the whole package is refused, naming the line and the field.
    submit_petitions(gap, client, 1)
    bad = OutboxItem.objects.filter(answered_at__isnull=True).get()
    OutboxItem.objects.filter(pk=bad.pk).update(uid="not-a-uid")
    gap.portal_run()
    gap.carry_up()
    imported, _written = gap.intranet_run()
    name, status, reason = imported[-1]  # after the portal's confirmation of the answers' package
    assert status == "refused" and "items.jsonl" in reason and "第1行" in reason and "uid" in reason
    assert Case.objects.count() == 1


def test_a_bad_row_from_the_intranet_refuses_its_package_on_the_portal(gap, client, cast, clock):
    make_case(cast.clerk)
    gap.intranet_run()
    path = only_package(gap.down_out)
    intranet_key = private_key_load(gap.intranet_key)

    def break_row(members):
        rows = [json.loads(line) for line in members[wire.CASES].decode().splitlines()]
        rows[0]["kdf"] = {"n": 2 ** 30, "r": 8, "p": 1}  # a cost the portal does not accept
        members[wire.CASES] = wire.jsonl(rows)
        manifest = json.loads(members[wire.MANIFEST])
        manifest["files"][wire.CASES] = hashlib.sha256(members[wire.CASES]).hexdigest()
        members[wire.MANIFEST] = json.dumps(manifest).encode()
        _resign(members, intranet_key)

    _rezip(path, break_row)
    gap.carry_down()
    received, _sent = gap.portal_run()
    name, status, reason = received[0]
    assert status == "refused" and "cases.jsonl" in reason and "第1行" in reason and "kdf" in reason
    assert not MirrorCase.objects.exists()


# --- requests the intranet refuses, or cannot verify ---------------------------------------------------

def _answered_case(cast, clock):
    case = make_case(cast.clerk)
    act(case, "answer", cast.triage, note="答复意见：已核实处理。", opinion=HandlingOpinion.SUPPORT)
    return Case.objects.get(pk=case.pk)


def test_a_request_the_rules_refuse_comes_back_with_its_reason(gap, client, cast, clock):
    case = _answered_case(cast, clock)
    gap.ready()
    with gap.internet():
        client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
        assert client.get(reverse("portal:case")).context["review_form"] is not None
        client.post(reverse("portal:review"), {"reason": "对答复不服。"})
    # Meanwhile the clerk records the petitioner's 复查 request at the window.
    act(case, "request_review", cast.clerk, note="来访提出复查申请")
    gap.cycle()
    item = OutboxItem.objects.get(kind="review")
    assert item.outcome == "refused" and item.outcome_message
    assert Case.objects.get(pk=case.pk).reviews.count() == 1
    with gap.internet():
        page = client.get(reverse("portal:case"))
        notes = page.context["case"].notes
        assert len(notes) == 1 and notes[0].refused and item.outcome_message in notes[0].text
        assert page.context["case"].status_label == "复查中"


def test_a_request_without_the_query_code_is_not_applied(gap, client, cast, clock):
    case = _answered_case(cast, clock)
    gap.ready()
    # A compromised portal writes an evaluation for a number it knows, without the code's key.
    forged = OutboxItem.objects.create(uid="f" * 32, kind="evaluation", case_number=case.number,
                                       data={"ratings": {"bureau": "unsatisfied"}, "comment": ""},
                                       proof=sealing.item_proof(b"\0" * 32, uid="f" * 32, kind="evaluation",
                                                                number=case.number,
                                                                data={"ratings": {"bureau": "unsatisfied"},
                                                                      "comment": ""}))
    gap.cycle()
    assert not Evaluation.objects.exists()
    assert PortalItem.objects.get(uid=forged.uid).code == "bad_proof"
    assert Case.objects.get(pk=case.pk).status == Status.ANSWERED
