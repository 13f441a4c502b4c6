"""Package size between instances (docs/architecture.md §6.2, "Package"): the sender cuts its queue so that
every package stays under what the receiver takes (the limit set for the peer, or the one the peer announces
in its own packages); an item that alone is larger is held back and named instead of blocking the queue,
the later items of its case waiting behind it; a package refused as too large is written again under the
limit the refusal gives. And the files uploaded with the assigning step travel with the case's copy."""
import io
import os
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditLog
from petitions.lib import package as pkg
from petitions.models import Attachment, HeldBack, OutboundPackage, PackageRefusal, PeerOutboxItem, RefusalSide
from petitions.services import attachments
from petitions.services.instances import (
    outbox_item_drop, outbox_item_retry, package_path, peer_limit_set, peer_limits,
)
from petitions.services.transitions import case_transition
from tests.petitions.instance_helpers import (  # noqa: F401 (fixtures)
    COUNTY, DAY0, DB, PREFECTURE, act, carry, case_at, instances, org, receive, register, send, wall,
)

pytestmark = DB
KIB = 1024


def pdf(kib, tag):
    """A PDF of about ``kib`` KiB that does not compress (scans and photos do not)."""
    return SimpleUploadedFile(f"材料{tag}.pdf", b"%PDF-1.7\n" + os.urandom(kib * KIB) + b"\n%%EOF\n",
                              content_type="application/pdf")


def assign_with_files(prefecture, sizes, content="反映村道损毁，请求修复。"):
    """A case registered in the prefecture with files of ``sizes`` KiB, assigned to the county."""
    with prefecture:
        case = register(prefecture.user("clerk"), content=content,
                        files=[pdf(kib, f"{content[:4]}{n}") for n, kib in enumerate(sizes)])
        act(case, "assign", prefecture.user("triage"), targets=[{"org": org(COUNTY)}])
        return case.number


def measured(data):
    """A package's size as the receiver checks it: the file, and its members unpacked."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return max(len(data), sum(i.file_size for i in archive.infolist()))


def send_all(prefecture):
    out = []
    while (data := send(prefecture, COUNTY)) is not None:
        out.append(data)
    return out


def numbers_at(instance):
    from petitions.models import Case
    with instance:
        return set(Case.objects.values_list("number", flat=True))


def test_packages_stay_under_the_limit_and_an_item_too_large_alone_is_held_back(instances, wall):
    prefecture, county = instances
    with prefecture:
        peer_limit_set(actor=None, peer=prefecture.peer(COUNTY), max_bytes=256 * KIB)
    small = [assign_with_files(prefecture, [70], content=f"反映第{n}处村道损毁。") for n in range(4)]
    big = assign_with_files(prefecture, [70, 70, 70, 70], content="反映河堤塌方，附现场照片。")
    with prefecture:
        wall.advance(days=1)
        act(case_at(big), "supervise", prefecture.user("supervisor"), note="请加快办理。",
            deadline=DAY0 + timedelta(days=20))  # waits behind the held-back copy of its case
    last = assign_with_files(prefecture, [20], content="反映路灯损坏。")

    packages = send_all(prefecture)

    assert len(packages) == 2 and all(measured(p) <= 256 * KIB for p in packages)  # 3 + 2 copies
    with prefecture:
        peer = prefecture.peer(COUNTY)
        held = PeerOutboxItem.objects.get(peer=peer, held_back=HeldBack.TOO_LARGE)
        assert held.case.number == big and held.kind == "case" and held.size > 256 * KIB
        assert big in held.held_back_reason and "单包上限" in held.held_back_reason
        waiting = PeerOutboxItem.objects.get(peer=peer, package__isnull=True, held_back="")
        assert (waiting.case.number, waiting.kind) == (big, "event")
        audit = AuditLog.objects.get(action="exchange.item_held_back")
        assert audit.succeeded is False and audit.data["case"] == big and audit.data["limit"] == 256 * KIB
        assert sum(p.items for p in OutboundPackage.objects.filter(peer=peer)) == 5
    for data in packages:
        receive(county, data)
    assert numbers_at(county) == {*small, last}

    with prefecture:
        peer_limit_set(actor=None, peer=prefecture.peer(COUNTY), max_bytes=1024 * KIB)
        outbox_item_retry(actor=None, item=held)
    report = carry(prefecture, county)

    assert report.counts == {"copied": 1, "applied": 1}
    assert send(prefecture, COUNTY) is None
    with county:
        copy = case_at(big)
        assert Attachment.objects.filter(case=copy).count() == 4 and copy.is_supervised


def test_an_item_given_up_lets_the_items_of_its_case_go_on(instances, wall):
    prefecture, county = instances
    with prefecture:
        peer_limit_set(actor=None, peer=prefecture.peer(COUNTY), max_bytes=128 * KIB)
    big = assign_with_files(prefecture, [100, 100])
    with prefecture:
        wall.advance(days=1)
        act(case_at(big), "supervise", prefecture.user("supervisor"), note="请加快办理。",
            deadline=DAY0 + timedelta(days=20))
    assert send(prefecture, COUNTY) is None  # the copy held back, the 督办 behind it: nothing to send
    with prefecture:
        held = PeerOutboxItem.objects.get(held_back=HeldBack.TOO_LARGE)
        outbox_item_drop(actor=None, item=held)
        assert PeerOutboxItem.objects.get(pk=held.pk).held_back == HeldBack.DROPPED
        assert AuditLog.objects.filter(action="exchange.item_dropped", data__case=big).exists()
        with pytest.raises(Exception, match="不是暂不发送"):
            outbox_item_retry(actor=None, item=held)

    report = carry(prefecture, county)

    # The county never got the case: the 督办 is a conflict there, listed for the two offices.
    assert report.counts == {"conflict": 1} and big in report.problems[0][4]


def test_the_limits_the_peer_announces_are_kept(instances, wall):
    """Every package says what its writer takes; the prefecture keeps the county's figures and writes under
    them, a file larger than the county's file limit being held back and named."""
    prefecture, county = instances
    county.settings.update(EXCHANGE_MAX_BYTES=160 * KIB, ATTACHMENT_MAX_BYTES=90 * KIB)
    assign_with_files(prefecture, [10])
    carry(prefecture, county)
    carry(county, prefecture)  # the acknowledgement carries the county's limits
    with prefecture:
        peer = prefecture.peer(COUNTY)
        assert (peer.peer_max_bytes, peer.peer_max_file_bytes) == (160 * KIB, 90 * KIB)
        assert peer_limits(peer) == (160 * KIB, 90 * KIB)
    cases = [assign_with_files(prefecture, [60], content=f"反映第{n}处路面塌陷。") for n in range(4)]
    photo = assign_with_files(prefecture, [120], content="反映违章建筑，附照片。")

    packages = send_all(prefecture)

    assert len(packages) == 2 and all(measured(p) <= 160 * KIB for p in packages)
    with prefecture:
        held = PeerOutboxItem.objects.get(held_back=HeldBack.TOO_LARGE)
        assert held.case.number == photo and "单个文件上限" in held.held_back_reason
        assert "材料反映违章0.pdf" in held.held_back_reason
    for data in packages:
        receive(county, data)
    assert set(cases) <= numbers_at(county) and photo not in numbers_at(county)


def test_a_package_refused_as_too_large_is_written_again_under_the_limit_it_gives(instances):
    """The county takes less than the prefecture assumed, before it ever said so: package 1 is refused
    (too_large). The county's next package tells the prefecture, with its limit; the prefecture withdraws
    package 1 and writes its items again in packages that follow 0, under the limit. Package 1 turning up
    later changes nothing."""
    prefecture, county = instances
    county.settings["EXCHANGE_MAX_BYTES"] = 200 * KIB
    cases = [assign_with_files(prefecture, [60], content=f"反映第{n}处村道损毁。") for n in range(4)]
    first = send(prefecture, COUNTY)
    assert measured(first) > 200 * KIB
    with pytest.raises(pkg.PackageRejected) as exc:
        receive(county, first)
    assert exc.value.code == pkg.TOO_LARGE

    report = carry(county, prefecture)  # nothing else to say: the notice makes the county write a package

    assert [(seq, code) for seq, code, _m in report.refusals] == [(1, pkg.TOO_LARGE)]
    assert report.resync and "重新编包" in report.resync[0]
    with prefecture:
        peer = prefecture.peer(COUNTY)
        assert peer.peer_max_bytes == 200 * KIB
        package = OutboundPackage.objects.get(peer=peer, seq=1)
        assert package.withdrawn_at is not None and package_path(package) is None
        assert (peer.out_follows, peer.acked_seq) == (0, 0)
    again = send_all(prefecture)
    assert len(again) == 2 and all(measured(p) <= 200 * KIB for p in again)
    assert [receive(county, data).applied for data in again] == [[2], [3]]
    assert set(cases) == numbers_at(county)
    # Package 1 turning up again is refused again, changes nothing, and is not told back (it was withdrawn).
    with pytest.raises(pkg.PackageRejected):
        receive(county, first)
    with county:
        assert county.peer(PREFECTURE).in_seq == 3
        assert not PackageRefusal.objects.filter(side=RefusalSide.HERE, carried_by__isnull=True).exists()


def test_files_uploaded_with_the_assignment_travel_with_the_copy(instances, wall):
    """交办 with its materials: the files are stored after the step's trail entry, i.e. after the copy was
    queued; they join the copy when the package is written, under that entry, and are hash-checked when
    the county stores them."""
    prefecture, county = instances
    with prefecture:
        case = register(prefecture.user("clerk"), files=[pdf(5, "来信")])
        uploads = [pdf(30, "交办函"), pdf(40, "现场照片")]
        with attachments.staging(uploads) as staged:
            case_transition(case=case, action="assign", actor=prefecture.user("triage"), note="请依法办理。",
                            targets=[{"org": org(COUNTY)}], staged_files=staged)
        sent = {a.sha256: (a.original_name, a.event.action if a.event else None)
                for a in Attachment.objects.filter(case=case)}
        assert sorted(action for _name, action in sent.values()) == ["assign", "assign", "register"]

    carry(prefecture, county)

    with county:
        copy = case_at(case.number)
        got = {a.sha256: (a.original_name, a.event.action if a.event else None)
               for a in Attachment.objects.filter(case=copy).select_related("event")}
        assert got == sent
        for a in Attachment.objects.filter(case=copy):
            with attachments.attachment_open(a) as fh:
                assert pkg.sha256_hex(fh.read()) == a.sha256
