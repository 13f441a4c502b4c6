"""The commands and pages of the exchange between instances (docs/architecture.md §6.2, "Pages and
commands"): ``exchange_receive`` moves each file it read into applied/, held/ or refused/ (with the reason
beside it) so that a run reads only new files, a file read again still changing nothing; ``exchange_send``
writes packages under the peer's limit set with ``exchange_peer --max-bytes``; the 数据交换 page lists the
items held back as too large, with 重新发送 and 放弃发送; the 对端系统 page sets the limit."""
import io
import shutil
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.urls import reverse

from accounts.models import AuditLog
from petitions.models import HeldBack, PackageRefusal, PeerOutboxItem, RefusalSide
from tests.factories import enrol_otp, make_user
from tests.petitions.instance_helpers import (  # noqa: F401 (fixtures)
    COUNTY, DB, PREFECTURE, instances, send, wall,
)
from tests.petitions.test_instances_limits import KIB, assign_with_files, measured
from tests.petitions.test_instances_sequence import assign_new_case, county_totals, rebuild

pytestmark = DB


def run(instance, *args):
    out = StringIO()
    with instance, TestCase.captureOnCommitCallbacks(using="default", execute=True):
        call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def names(directory):
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def receipts(instance):
    with instance:
        return AuditLog.objects.filter(action="exchange.receive").count()


def test_exchange_receive_moves_what_it_read_and_a_file_read_again_changes_nothing(instances, tmp_path):
    prefecture, county = instances
    packages = []
    for content in ("反映村道损毁。", "反映自来水管爆裂。", "反映路灯损坏。"):
        assign_new_case(prefecture, content=content)
        packages.append(send(prefecture, COUNTY))
    inbox = tmp_path / "transfer-in"
    inbox.mkdir()
    name = [f"xf-{PREFECTURE}-{COUNTY}-{n:06d}.zip" for n in (1, 2, 3)]
    with zipfile.ZipFile(io.BytesIO(packages[1])) as archive:
        damaged = archive.read("items.jsonl").replace("自来水".encode(), "污水".encode())
    (inbox / name[0]).write_bytes(packages[0])
    (inbox / name[1]).write_bytes(rebuild(packages[1], members={"items.jsonl": damaged}))
    (inbox / name[2]).write_bytes(packages[2])

    with pytest.raises(CommandError, match="1 of 3 packages refused"):
        run(county, "exchange_receive", str(inbox))

    assert names(inbox) == [f"applied/{name[0]}", f"held/{name[2]}", f"refused/{name[1]}",
                            f"refused/{name[1]}.reason.txt"]
    reason = (inbox / "refused" / f"{name[1]}.reason.txt").read_text(encoding="utf-8")
    assert "code: hash_mismatch" in reason and "items.jsonl" in reason
    with county:
        assert PackageRefusal.objects.get(side=RefusalSide.HERE).seq == 2  # told back with the next package
    before = receipts(county)
    assert run(county, "exchange_receive", str(inbox)) == ""  # nothing new: nothing read
    assert receipts(county) == before

    (inbox / name[1]).write_bytes(packages[1])  # the genuine one, sent again
    output = run(county, "exchange_receive", str(inbox))
    assert "applied [2, 3]" in output and f"applied/{name[1]}" in names(inbox)
    totals = county_totals(county)
    assert totals["cases"] == 3 and totals["in_seq"] == 3

    shutil.copy(inbox / "applied" / name[0], inbox / name[0])  # the same file carried again
    output = run(county, "exchange_receive", str(inbox))
    assert "duplicate" in output and name[0] not in names(inbox)  # already archived: the copy is removed
    assert county_totals(county) == totals
    (inbox / name[0]).write_bytes(packages[0])
    run(county, "exchange_receive", "--keep", str(inbox / name[0]))
    assert (inbox / name[0]).exists() and county_totals(county) == totals


def test_exchange_send_keeps_packages_under_the_limit_set_with_exchange_peer(instances, tmp_path):
    prefecture, county = instances
    assert "at most 131072 bytes" in run(prefecture, "exchange_peer", "--org", COUNTY, "--max-bytes", "131072")
    with pytest.raises(CommandError, match="单包大小上限"):
        run(prefecture, "exchange_peer", "--org", COUNTY, "--max-bytes", "1000")
    for n in range(3):
        assign_with_files(prefecture, [50], content=f"反映第{n}处村道损毁。")
    big = assign_with_files(prefecture, [80, 80], content="反映河堤塌方，附现场照片。")
    out = tmp_path / "transfer-out"
    out.mkdir()

    output = run(prefecture, "exchange_send", "--to", COUNTY, "--out", str(out))

    written = sorted(out.iterdir())
    assert [p.name for p in written] == [f"xf-{PREFECTURE}-{COUNTY}-{n:06d}.zip" for n in (1, 2)]
    assert all(measured(p.read_bytes()) <= 131072 for p in written)
    assert f"held back (too large): {big}" in output
    listing = run(prefecture, "exchange_peer")
    assert "held back 1" in listing and "packages at most 131072 bytes" in listing
    output = run(county, "exchange_receive", str(out))
    assert county_totals(county)["cases"] == 3 and sorted(p.name for p in (out / "applied").iterdir()) == [
        p.name for p in written]


def test_the_pages_list_what_is_held_back_and_set_the_limit(instances, client):
    prefecture, county = instances
    with prefecture:
        admin = make_user("pref_admin", roles=["sysadmin"])
        enrol_otp(admin)
        client.force_login(admin)
        peer = prefecture.peer(COUNTY)
        response = client.post(reverse("petitions:peer_limit", args=[peer.pk]), {"max_mb": "1"})
        assert response.status_code == 302
        peer.refresh_from_db()
        assert peer.max_bytes == 1024 * KIB
        assert AuditLog.objects.filter(action="exchange.peer_limit", data__max_bytes=1024 * KIB).exists()
        html = client.get(reverse("petitions:peers")).content.decode()
        assert "每包不超过 1.0" in html
        triage = prefecture.user("triage")
        assert client.post(reverse("petitions:peer_limit", args=[peer.pk]), {"max_mb": "2"}).status_code == 302
        client.force_login(triage)
        assert client.post(reverse("petitions:peer_limit", args=[peer.pk]), {"max_mb": "5"}).status_code == 403
    big = assign_with_files(prefecture, [800, 800, 800])
    assert send(prefecture, COUNTY) is None
    with prefecture:
        held = PeerOutboxItem.objects.get(held_back=HeldBack.TOO_LARGE)
        html = client.get(reverse("petitions:exchange")).content.decode()
        assert 'id="exchange-held-back-533922"' in html and big in html and "放弃发送" in html
        assert client.post(reverse("petitions:exchange_item_retry", args=[held.pk])).status_code == 302
        assert PeerOutboxItem.objects.get(pk=held.pk).held_back == ""
    assert send(prefecture, COUNTY) is None  # still too large: held back again
    with prefecture:
        assert client.post(reverse("petitions:exchange_item_drop", args=[held.pk])).status_code == 302
        assert PeerOutboxItem.objects.get(pk=held.pk).held_back == HeldBack.DROPPED
        assert 'id="exchange-held-back-533922"' not in client.get(reverse("petitions:exchange")).content.decode()
        client.force_login(prefecture.user("clerk"))
        assert client.post(reverse("petitions:exchange_item_retry", args=[held.pk])).status_code == 403
