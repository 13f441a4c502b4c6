"""The intranet sizes its packages (docs/architecture.md §7.2): none exceeds PORTAL_TRANSFER_MAX_BYTES or
the manifest's limit (about 7,000 blobs in 1 MiB), a case's documents spread over as many packages as
they need, and an item too large to cross alone is withheld and reported by name instead of blocking
the queue (the first version wrote a package the portal refused each time it was sent)."""
import zipfile

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import AuditLog
from documents.kinds import DocumentKind
from documents.services import document_correct, document_issue
from petitions import clock as project_clock
from petitions.models import Case
from portal import gap as internet
from portal import wire
from portal.intranet.models import PortalDocumentSent, PortalPackage
from portal.models import MirrorCase, MirrorDocument, OutboxItem
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import make_case
from tests.portal.gap import *  # noqa: F401,F403
from tests.portal.gap import manifest_of, mirror_form

pytestmark = pytest.mark.django_db(databases=["default", "portal"])


def case_with_documents(cast, versions):
    """A case with its 受理告知书 and ``versions - 1`` corrections of it (each about 87 KB, every version
    listed for the petitioner)."""
    case = make_case(cast.clerk)
    document = document_issue(actor=cast.clerk, case=Case.objects.get(pk=case.pk), kind=DocumentKind.RECEIPT)
    documents = [document]
    for _i in range(versions - 1):
        documents.append(document_correct(actor=cast.clerk, document=documents[-1], reason="更正地址"))
    return case, documents


def blob_count(path):
    with zipfile.ZipFile(path) as archive:
        return sum(1 for name in archive.namelist() if name.startswith(wire.BLOB_DIR))


# --- the bounds themselves -----------------------------------------------------------------------------

def test_the_manifest_bound_holds_and_says_how_many_blobs_fit(clock):
    now = project_clock.now()
    budget = wire.Budget(sender=wire.INTRANET, ack=wire.EMPTY_ACK, settled=0, created_at=now,
                         max_bytes=10 ** 12)
    fit = 0
    while budget.take(blob_sizes=(1,)):
        fit += 1
    # The manifest of exactly that many blobs (at its widest: counts and number of ten digits) is within
    # 1 MiB, one more is not.
    files = {name: "0" * 64 for name in wire.ROWS[wire.INTRANET]}
    files.update({f"{wire.BLOB_DIR}{i:064x}": f"{i:064x}" for i in range(fit)})
    manifest = wire._manifest_bytes(sender=wire.INTRANET, seq=10 ** 10 - 1, created_at=now, ack=wire.EMPTY_ACK,
                                    settled=0, counts={m: 10 ** 10 - 1 for m in wire.ROWS[wire.INTRANET]}, files=files)
    assert len(manifest) <= wire.MAX_MANIFEST_BYTES < len(manifest) + wire.BLOB_ENTRY_BYTES
    assert 7000 < fit < 7300 and wire.BLOB_ENTRY_BYTES == 144


def test_the_writer_refuses_to_write_what_the_reader_would_refuse(gap, clock, settings):
    from petitions.lib.package import private_key_load

    key = private_key_load(gap.intranet_key)
    settings.PORTAL_TRANSFER_MAX_BYTES = 4096
    with pytest.raises(wire.PackageTooLarge):
        wire.package_write(gap.down_out, sender=wire.INTRANET, seq=1, private_key=key, created_at=project_clock.now(),
                           ack=wire.EMPTY_ACK, rows={}, blobs={"0" * 64: b"x" * 5000})
    assert not list(gap.down_out.iterdir())  # not even the temporary file


# --- splitting ---------------------------------------------------------------------------------------------

def test_a_cases_documents_are_spread_over_packages_within_the_size_limit(gap, client, cast, clock):
    case, documents = case_with_documents(cast, 4)
    limit = 250_000
    with override_settings(PORTAL_TRANSFER_MAX_BYTES=limit):  # both sides
        _imported, written = gap.intranet_run()
        files = sorted(gap.down_out.iterdir())
        assert len(written) == len(files) >= 2
        for path in files:
            assert path.stat().st_size <= limit and blob_count(path) <= 2
        assert sum(p.counts["documents"] for p in written) == 4
        gap.carry_down()
        received, _sent = gap.portal_run()
    assert {status for _name, status, _detail in received} == {"applied"}
    assert MirrorDocument.objects.count() == 4
    with gap.internet():
        client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
        for document in documents:
            assert client.get(reverse("portal:document", args=[document.pk])).status_code == 200


def test_the_manifest_limit_splits_packages_too(gap, client, cast, clock, monkeypatch):
    _case, _documents = case_with_documents(cast, 3)
    base = wire.Budget(sender=wire.INTRANET, ack=wire.EMPTY_ACK, settled=0, created_at=project_clock.now())
    limit = base.base_manifest + 2 * wire.BLOB_ENTRY_BYTES + 40  # two blobs to a manifest, both sides
    monkeypatch.setattr(wire, "MAX_MANIFEST_BYTES", limit)
    _imported, written = gap.intranet_run()
    assert [p.counts["documents"] for p in written] == [2, 1]
    for path in gap.down_out.iterdir():
        with zipfile.ZipFile(path) as archive:
            assert len(archive.read(wire.MANIFEST)) <= limit
    gap.carry_down()
    received, _sent = gap.portal_run()
    assert [status for _name, status, _detail in received] == ["applied", "applied"]
    assert MirrorDocument.objects.count() == 3


def test_an_interrupted_split_export_loses_nothing_and_sends_nothing_twice(gap, client, cast, clock, monkeypatch):
    _case, _documents = case_with_documents(cast, 4)
    real = wire.package_write
    calls = []

    def power_cut_on_the_second(*args, **kwargs):
        calls.append(kwargs["seq"])
        if len(calls) == 2:
            raise OSError("power cut")
        return real(*args, **kwargs)

    with override_settings(PORTAL_TRANSFER_MAX_BYTES=250_000):
        monkeypatch.setattr(wire, "package_write", power_cut_on_the_second)
        with pytest.raises(OSError):
            gap.intranet_run()
        monkeypatch.setattr(wire, "package_write", real)
        assert list(PortalPackage.objects.values_list("seq", flat=True)) == [1]
        _imported, written = gap.intranet_run()
        assert [p.seq for p in written][0] == 2
        gap.carry_down()
        gap.portal_run()
    sent = PortalPackage.objects.filter(direction="out")
    assert sum(p.counts["documents"] for p in sent) == 4 == PortalDocumentSent.objects.count()
    assert MirrorDocument.objects.count() == 4


# --- too large to cross ---------------------------------------------------------------------------------

def test_a_document_too_large_to_cross_is_withheld_by_name_and_blocks_nothing(gap, client, cast, clock):
    case, (document,) = case_with_documents(cast, 1)
    with override_settings(PORTAL_TRANSFER_MAX_BYTES=60_000):  # less than the notice's ~87 KB
        code, out, err = gap.command("intranet")
        assert code == 1
        assert f"withheld: 信访件 {case.number} 的文书 {document.number}" in err and "字节" in err
        audit = AuditLog.objects.get(action="portal.export_withheld")
        assert not audit.succeeded and audit.data["number"] == case.number and audit.data["document"] == document.pk
        assert PortalDocumentSent.objects.get().sent_seq == PortalDocumentSent.WITHHELD
        # The sheet and the lists still crossed; the package is within the limit.
        assert PortalPackage.objects.get().counts["cases"] == 1
        # Reported once: the next run neither reports nor tries it again, and the queue moves on.
        other = make_case(cast.clerk, content="反映另一件事，请求处理。")
        code, out, err = gap.command("intranet")
        assert code == 0 and "withheld" not in err and "cases 1" in out
        gap.carry_down()
        received, _sent = gap.portal_run()
    assert [status for _name, status, _detail in received] == ["applied", "applied"]
    assert set(MirrorCase.objects.values_list("number", flat=True)) == {case.number, other.number}
    assert AuditLog.objects.filter(action="portal.export_withheld").count() == 1


# --- the portal sizes its packages too -----------------------------------------------------------------

def test_the_portal_sends_what_fits_and_the_rest_in_the_next_run(gap, client, cast, clock):
    gap.ready()
    with gap.internet():
        for _i in range(3):
            assert mirror_form(client).status_code == 302
        rows = [wire.row_bytes(internet._item_row(item)) for item in OutboxItem.objects.order_by("id")]
        limit = 1000
        while True:  # the smallest limit that takes two of the three requests
            budget = wire.Budget(sender=wire.PORTAL, ack=internet.received_ack(), settled=0,
                                 created_at=project_clock.now(), max_bytes=limit)
            if budget.take(rows={wire.ITEMS: rows[0]}) and budget.take(rows={wire.ITEMS: rows[1]}):
                break
            limit += 50
    with gap.internet(PORTAL_TRANSFER_MAX_BYTES=limit):
        first = internet.outbox_send()
        second = internet.outbox_send()
        assert (first.counts, second.counts) == ({"items": 2}, {"items": 1})
        assert internet.outbox_send() is None
    for path in gap.up_out.iterdir():
        assert path.stat().st_size <= limit
        assert manifest_of(path)["counts"][wire.ITEMS] in (1, 2)
    gap.carry_up()
    gap.intranet_run()
    assert Case.objects.count() == 3
