"""Packages of the intranet that reach the portal out of order across runs (docs/architecture.md §7.2):
an older package never replaces newer lists or a newer sheet (the sheet's version is the case's last
trail event, ``event_mark``, then the package's number), and the documents it carries for a case whose
sheet it no longer may replace are kept, not dropped."""
import pytest
from django.db.models import Max
from django.urls import reverse

from documents.kinds import DocumentKind
from documents.services import document_issue
from petitions.models import Case, CaseEvent, DictEntry, DictKind
from portal.intranet import outbound
from portal.intranet.models import PortalMirrorState, PortalPackage
from portal.models import MirrorCase, MirrorDocument, MirrorEntry
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org
from tests.portal.gap import *  # noqa: F401,F403
from tests.portal.gap import only_package

pytestmark = pytest.mark.django_db(databases=["default", "portal"])


def hold_back(gap, path):
    """The gateway keeps ``path`` aside (to deliver it later)."""
    held = gap.root / "held"
    held.mkdir(exist_ok=True)
    return path.rename(held / path.name)


def deliver(gap, path):
    path.rename(gap.down_in / path.name)


def status_on_portal(gap, client, case):
    with gap.internet():
        client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
        return client.get(reverse("portal:case")).context["case"].status_label


def test_each_sheet_carries_its_version_and_the_portal_keeps_it(gap, client, cast, clock):
    case = make_case(cast.clerk)
    act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    gap.intranet_run()
    top = CaseEvent.objects.filter(case=case).aggregate(top=Max("id"))["top"]
    assert PortalMirrorState.objects.get(case=case).event_mark == top
    gap.carry_down()
    gap.portal_run()
    held = MirrorCase.objects.get()
    assert (held.event_mark, held.seq) == (top, 1)


def test_older_lists_never_replace_newer_ones(gap, client, cast, clock):
    gap.intranet_run()  # package 1: the lists
    first = hold_back(gap, only_package(gap.down_out))
    DictEntry.objects.create(kind=DictKind.PURPOSE, code="T9", name="网闸测试目的", sort_order=99)
    _imported, written = gap.intranet_run()  # package 2: the lists with the new purpose
    assert [p.counts["reference"] for p in written] and written[0].counts["reference"] > 0
    gap.carry_down()
    gap.portal_run()
    assert MirrorEntry.objects.filter(kind="purpose", code="T9").exists()
    deliver(gap, first)
    received, _sent = gap.portal_run()
    assert received[0][1] == "applied" and received[0][2]["older_reference"] > 0
    assert received[0][2]["reference"] == 0
    assert MirrorEntry.objects.filter(kind="purpose", code="T9").exists()  # still the newer lists
    assert set(MirrorEntry.objects.values_list("seq", flat=True)) == {2}


def test_a_package_number_written_twice_keeps_the_newer_sheet(gap, client, cast, clock, monkeypatch):
    """The intranet writes its file before its transaction commits; a commit that fails leaves the file
    without a record and the next run writes the same number again with newer content. Whichever copy
    arrives last, the newer sheet stays (the package numbers are equal: the event mark decides)."""
    case = make_case(cast.clerk)
    real = outbound.audit_record

    def commit_fails(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(outbound, "audit_record", commit_fails)
    with pytest.raises(RuntimeError):
        gap.intranet_run()
    monkeypatch.setattr(outbound, "audit_record", real)
    assert not PortalPackage.objects.exists()
    older = hold_back(gap, only_package(gap.down_out))  # intranet-1: the case 已登记
    act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    gap.intranet_run()  # intranet-1 again: the case 已受理
    newer = only_package(gap.down_out)
    assert newer.name == older.name
    gap.carry_down()
    gap.portal_run()
    deliver(gap, older)
    received, _sent = gap.portal_run()
    assert [(status, detail["older"]) for _name, status, detail in received] == [("applied", 1)]
    assert status_on_portal(gap, client, case) == "已受理"


def test_the_documents_of_a_sheet_skipped_as_older_are_kept(gap, client, cast, clock):
    case = make_case(cast.clerk)
    notice = document_issue(actor=cast.clerk, case=Case.objects.get(pk=case.pk), kind=DocumentKind.RECEIPT)
    gap.intranet_run()  # package 1: the case and its notice
    first = hold_back(gap, only_package(gap.down_out))
    act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    _imported, written = gap.intranet_run()  # package 2: the newer sheet, without the notice (sent already)
    assert [(p.counts["cases"], p.counts["documents"]) for p in written] == [(1, 0)]
    gap.carry_down()
    gap.portal_run()
    deliver(gap, first)
    received, _sent = gap.portal_run()
    assert received[0][2]["older"] == 1 and received[0][2]["documents"] == 1
    assert MirrorCase.objects.get().seq == 2
    assert MirrorDocument.objects.get().document_id == notice.pk
    assert status_on_portal(gap, client, case) == "已受理"
    with gap.internet():
        pdf = client.get(reverse("portal:document", args=[notice.pk]))
        assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # Delivered once more, the same file is a duplicate and changes nothing.
    assert MirrorDocument.objects.count() == 1


def test_documents_sealed_under_a_key_given_up_since_are_left_for_the_newer_ones(gap, client, cast, clock):
    case = make_case(cast.clerk)
    notice = document_issue(actor=cast.clerk, case=Case.objects.get(pk=case.pk), kind=DocumentKind.RECEIPT)
    gap.intranet_run()
    first = hold_back(gap, only_package(gap.down_out))  # the notice sealed under the first code's key
    Case.objects.filter(pk=case.pk).update(query_code="ABCDEFGHJK")  # the code changed since
    act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    _imported, written = gap.intranet_run()  # a new salt: the notice goes again under the new key
    assert [(p.counts["cases"], p.counts["documents"]) for p in written] == [(1, 1)]
    gap.carry_down()
    gap.portal_run()
    sealed = bytes(MirrorDocument.objects.get().sealed)
    deliver(gap, first)
    received, _sent = gap.portal_run()
    assert (received[0][2]["older"], received[0][2]["documents"], received[0][2]["stale_documents"]) == (1, 0, 1)
    assert bytes(MirrorDocument.objects.get().sealed) == sealed
    case.refresh_from_db()
    with gap.internet():
        client.post(reverse("portal:track"), {"number": case.number, "code": "ABCDEFGHJK"})
        assert client.get(reverse("portal:document", args=[notice.pk])).status_code == 200
