"""Acknowledgments across the network gap (docs/architecture.md §7.2): a number that never arrives, or
arrives and is refused, does not stall the confirmation of the packages after it; a refused package is
acknowledged as refused with its reason, and its sender logs it and stops waiting for it (what it
carried goes again at once when it was damaged on the way, or on the operator's word when its content
was refused)."""
import pytest
from django.urls import reverse

from accounts.models import AuditLog
from petitions import clock as project_clock
from petitions.lib.package import private_key_load
from petitions.models import Case
from portal import gap as internet
from portal import wire
from portal.intranet import outbound
from portal.intranet.models import PortalItem, PortalMirrorState, PortalPackage
from portal.models import MirrorCase, OutboxItem, TransferPackage
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org
from tests.portal.gap import *  # noqa: F401,F403
from tests.portal.gap import later, mirror_form, only_package, rezip, rows_rewrite

pytestmark = pytest.mark.django_db(databases=["default", "portal"])


# --- the ack itself ------------------------------------------------------------------------------------

def test_an_ack_names_every_package_above_a_gap_in_one_range():
    # Package 5 never arrived; 5,000 later ones did: one range names them all (the first version named
    # at most 1,000 numbers above the gap, and the sender re-queued every later one).
    ack = wire.ack_build(settled=0, received=[*range(1, 5), *range(6, 5006)], refused=[])
    assert ack == {"through": 4, "ranges": [[6, 5005]], "refused": []}
    parsed = wire.ack_parse(ack)
    assert all(wire.ack_confirms(parsed, seq) for seq in (1, 4, 6, 1007, 5005))
    assert not wire.ack_confirms(parsed, 5) and not wire.ack_confirms(parsed, 5006)

    # Once the sender has given 5 up (re-queued what it carried), it says so and through moves past it.
    assert wire.ack_build(settled=5, received=range(6, 5006), refused=[]) == {
        "through": 5005, "ranges": [], "refused": []}

    # A refused number closes its gap like an applied one and is named with its code and reason; one
    # refused and then delivered whole and applied is no longer named refused.
    ack = wire.ack_build(settled=0, received=[1, 2, 4, 6], refused=[(3, "hash_mismatch", "校验值不符"),
                                                                    (6, "bad_zip", "不是有效的数据包")])
    assert ack == {"through": 4, "ranges": [[6, 6]],
                   "refused": [{"seq": 3, "code": "hash_mismatch", "reason": "校验值不符"}]}

    # A reader of the first version's ``also`` still understands it.
    legacy = wire.ack_parse({"through": 2, "also": [4, 5]})
    assert [wire.ack_confirms(legacy, s) for s in (1, 2, 3, 4, 5, 6)] == [True, True, False, True, True, False]


def test_the_ack_stays_bounded_whatever_arrives():
    # Every other number missing (10,000 gaps) and 500 refusals with long reasons: the newest ranges and
    # refusals are named, within fixed bounds, and the manifest stays small.
    ack = wire.ack_build(settled=0, received=range(2, 20002, 2),
                         refused=[(s, "bad_zip", "原因" * 400) for s in range(20003, 20503)])
    assert len(ack["ranges"]) == wire.MAX_ACK_RANGES and ack["ranges"][-2:] == [[20000, 20000], [20403, 20502]]
    assert len(ack["refused"]) == wire.MAX_ACK_REFUSED and ack["refused"][-1]["seq"] == 20502
    assert all(len(e["reason"]) == wire.ACK_REASON_CHARS for e in ack["refused"])
    assert wire._ack_valid(ack)
    budget = wire.Budget(sender=wire.INTRANET, ack=ack, settled=0, created_at=project_clock.now())
    assert budget.base_manifest < 160 * 1024  # what is left of the 1 MiB manifest still lists ~6,000 blobs

    # The reader refuses an ack out of these bounds or out of order.
    for bad in ({"through": 3, "ranges": [[2, 4]]}, {"through": 0, "ranges": [[5, 6], [4, 4]]},
                {"through": 0, "ranges": [[1, 2], [2, 3]]}, {"through": 0, "refused": [{"seq": 1, "code": "x"}]},
                {"through": 0, "ranges": [[s, s] for s in range(1, 4002, 2)]}, {"through": -1}):
        assert not wire._ack_valid(bad), bad


# --- a package that never arrives ----------------------------------------------------------------------

def test_a_lost_package_stalls_nothing_only_it_is_sent_again(gap, client, cast, clock):
    gap.ready()  # intranet-1 (the lists) and portal-1 crossed
    cases = []
    for i in range(5):  # five runs, each a package with one new case: intranet-2 … intranet-6
        cases.append(make_case(cast.clerk, content=f"反映第{i}件事，请求处理。"))
        _imported, written = gap.intranet_run()
        assert [p.seq for p in written] == [i + 2]
    (gap.down_out / "intranet-0000000003.xfgap").unlink()  # lost on the way
    gap.carry_down()
    received, sent = gap.portal_run()
    assert [status for _name, status, _detail in received] == ["applied"] * 4
    assert sent.ack == {"through": 2, "ranges": [[4, 6]], "refused": []}
    gap.carry_up()
    gap.intranet_run()
    confirmed = set(PortalPackage.objects.filter(direction="out", acked_at__isnull=False).values_list("seq", flat=True))
    assert confirmed == {1, 2, 4, 5, 6}

    # After PORTAL_TRANSFER_RESEND_MINUTES only the lost package is re-queued: its case goes again.
    later(clock)
    _imported, written = gap.intranet_run()
    assert list(PortalPackage.objects.filter(requeued=True).values_list("seq", flat=True)) == [3]
    assert [(p.seq, p.counts["cases"]) for p in written] == [(7, 1)]
    assert outbound.settled_through() == 6  # 3 given up; 7 still in flight
    gap.carry_down()
    received, sent = gap.portal_run()
    assert MirrorCase.objects.filter(number=cases[1].number).exists()
    assert MirrorCase.objects.count() == 5
    # The intranet said it settled everything below 7: through moves past the lost number.
    assert sent.ack == {"through": 7, "ranges": [], "refused": []}
    gap.carry_up()
    gap.intranet_run()
    later(clock)
    assert outbound.requeue(now=clock.now()) == []  # nothing else is ever re-queued


def test_a_thousand_packages_above_a_gap_are_all_confirmed(gap, client, cast, clock):
    """The first version's ``also`` stopped at 1,000 numbers: the later packages were re-queued every
    PORTAL_TRANSFER_RESEND_MINUTES for good. The logs of 1,300 packages stand in for their files."""
    gap.ready()
    now = clock.now()
    PortalPackage.objects.bulk_create([PortalPackage(direction="out", seq=seq, name=wire.file_name("intranet", seq),
                                                     status="written", created_at=now) for seq in range(2, 1302)])
    TransferPackage.objects.bulk_create([TransferPackage(direction="in", seq=seq, status="applied", created_at=now,
                                                         name=wire.file_name("intranet", seq))
                                         for seq in range(3, 1302)])  # 2 never arrived
    with gap.internet():
        assert internet.received_ack() == {"through": 1, "ranges": [[3, 1301]], "refused": []}
    make_case(cast.clerk)
    gap.cycle()  # the portal's next package carries that ack
    waiting = PortalPackage.objects.filter(direction="out", acked_at__isnull=True, requeued=False)
    assert list(waiting.values_list("seq", flat=True)) == [2, 1302]  # the lost one, and the one just written
    later(clock)
    with gap.intranet():
        assert outbound.requeue(now=clock.now()) == [2, 1302]


# --- refused on the way: acknowledged as refused -------------------------------------------------------

def test_a_package_damaged_on_the_way_is_acknowledged_refused_and_its_content_goes_again_at_once(
        gap, client, cast, clock):
    gap.ready()
    case = make_case(cast.clerk)
    gap.intranet_run()
    damaged = only_package(gap.down_out)
    rows_rewrite(damaged, wire.CASES, lambda rows: rows[0].update(reply=None, number="53392201-2026-999999"))
    gap.carry_down()
    code, _out, err = gap.command("portal")
    assert code == 1 and f"{damaged.name}: refused" in err and "校验值不符" in err
    refused_seq = TransferPackage.objects.get(direction="in", status="refused").seq
    assert TransferPackage.objects.get(direction="out", seq=2).ack["refused"] == [
        {"seq": refused_seq, "code": "hash_mismatch", "reason": TransferPackage.objects.get(
            direction="in", status="refused").reason[:wire.ACK_REASON_CHARS]}]

    gap.carry_up()
    code, out, err = gap.command("intranet")
    assert code == 1, (out, err)
    assert f"{damaged.name}: refused by the portal (hash_mismatch)" in err and "goes again now" in err
    package = PortalPackage.objects.get(direction="out", seq=refused_seq)
    assert (package.status, package.code, package.requeued) == ("refused", "hash_mismatch", True)
    assert package.acked_at is not None and "校验值不符" in package.reason
    audit = AuditLog.objects.get(action="portal.export_refused")
    assert not audit.succeeded and audit.data["seq"] == refused_seq and audit.data["requeued"] is True
    # What it carried went again in the same run, under the next number; the portal takes it.
    resent = PortalPackage.objects.get(direction="out", seq=refused_seq + 1)
    assert resent.counts["cases"] == 1 and f"{resent.name}: written" in out
    gap.carry_down()
    _received, sent = gap.portal_run()
    assert MirrorCase.objects.filter(number=case.number).exists()
    # The intranet settled the refused number (its manifest says so): the portal no longer names it.
    assert sent.ack == {"through": resent.seq, "ranges": [], "refused": []}
    # Nobody waits for it any more: the timer re-queues nothing.
    later(clock)
    gap.carry_up()
    gap.intranet_run()
    assert PortalPackage.objects.filter(requeued=True).count() == 1
    assert not PortalPackage.objects.filter(direction="out", acked_at__isnull=True).exists()


def test_a_package_refused_for_its_content_is_not_sent_again_until_the_operator_says_so(gap, client, cast, clock):
    gap.ready()
    with gap.internet():
        assert mirror_form(client).status_code == 302
    gap.portal_run()
    gap.carry_up()
    gap.intranet_run()  # the petition registered: its case and its answer in one package
    package = only_package(gap.down_out)
    case = Case.objects.get()
    rows_rewrite(package, wire.CASES, lambda rows: rows[0].update(kdf={"n": 2 ** 30, "r": 8, "p": 1}),
                 key=private_key_load(gap.intranet_key))  # signed, but a row the portal does not accept
    gap.carry_down()
    received, _sent = gap.portal_run()
    assert received[0][1] == "refused" and "kdf" in received[0][2]
    assert OutboxItem.objects.get().answered_at is None
    gap.carry_up()
    code, _out, err = gap.command("intranet")
    assert code == 1 and f"{package.name}: refused by the portal (bad_row)" in err
    assert "--requeue-refused" in err
    refused = PortalPackage.objects.get(name=package.name, direction="out")
    assert (refused.status, refused.code, refused.requeued) == ("refused", "bad_row", False)
    assert AuditLog.objects.get(action="portal.export_refused").data["requeued"] is False
    # Sending it again would be refused again: the timer does not (the first version re-queued it
    # every PORTAL_TRANSFER_RESEND_MINUTES, for good).
    later(clock)
    _imported, written = gap.intranet_run()
    assert not written and not PortalMirrorState.objects.filter(dirty=True).exists()

    # The petitioner's request is never dropped: the portal asks again, and since its answer went in
    # a refused package the intranet answers again (the petition itself is not registered twice).
    _received, sent = gap.portal_run()
    assert sent.counts == {"items": 1}
    gap.carry_up()
    imported, written = gap.intranet_run()
    assert imported[0][2] == {"applied": 0, "refused": 0, "repeated": 1}
    assert [(p.counts["answers"], p.counts["cases"]) for p in written] == [(1, 0)]
    gap.carry_down()
    gap.portal_run()
    assert OutboxItem.objects.get().outcome == "applied" and Case.objects.count() == 1
    assert not MirrorCase.objects.exists()

    # Once the cause is fixed the operator sends the refused content again.
    gap.carry_up()
    code, out, _err = gap.command("intranet", "--requeue-refused")
    assert code == 0 and f"re-queued what 1 refused package(s) carried: [{refused.seq}]" in out
    assert AuditLog.objects.get(action="portal.requeue").data == {"seqs": [refused.seq]}
    gap.carry_down()
    gap.portal_run()
    assert MirrorCase.objects.get().number == case.number


def test_a_portal_package_refused_on_the_way_is_sent_again_at_once(gap, client, cast, clock):
    gap.ready()
    with gap.internet():
        for _i in range(2):
            assert mirror_form(client).status_code == 302
    gap.portal_run()
    sent = only_package(gap.up_out)
    rezip(sent, lambda members: members.__setitem__(wire.ITEMS, members[wire.ITEMS][:-20]))  # cut in the gateway
    gap.carry_up()
    imported, written = gap.intranet_run()
    assert imported[0][1] == "refused"
    # The intranet tells the portal at once, in a package that carries nothing else.
    assert [p.counts for p in written] == [{"cases": 0, "documents": 0, "answers": 0, "reference": 0}]
    assert not Case.objects.exists()
    gap.carry_down()
    code, out, err = gap.command("portal")
    assert code == 1 and f"{sent.name}: refused by the intranet (hash_mismatch)" in err
    package = TransferPackage.objects.get(direction="out", name=sent.name)
    assert (package.status, package.code) == ("refused", "hash_mismatch")
    # No wait for PORTAL_TRANSFER_RESEND_MINUTES: both requests went again in the same run.
    assert "(2 requests)" in out
    gap.carry_up()
    gap.intranet_run()
    assert Case.objects.count() == 2 and PortalItem.objects.count() == 2
    gap.carry_down()
    gap.portal_run()
    assert not OutboxItem.objects.filter(answered_at__isnull=True).exists()


def test_confirmations_keep_flowing_when_the_portal_refuses_one_package(gap, client, cast, clock):
    """The other packages around a refused one are confirmed and never re-queued."""
    gap.ready()
    case = make_case(cast.clerk)
    gap.intranet_run()
    first = only_package(gap.down_out)
    act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    gap.intranet_run()
    rezip(first, lambda members: members.pop(wire.REFERENCE))  # damaged: a member missing
    gap.carry_down()
    gap.portal_run()
    gap.carry_up()
    gap.intranet_run()
    later(clock)
    gap.carry_down()
    gap.portal_run()
    gap.carry_up()
    gap.intranet_run()
    out = PortalPackage.objects.filter(direction="out")
    assert not out.filter(acked_at__isnull=True).exclude(seq=out.order_by("-seq").first().seq).exists()
    assert list(out.filter(status="refused").values_list("name", flat=True)) == [first.name]
    assert out.filter(requeued=True).count() == 1  # the refused one, once
    with gap.internet():
        client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
        assert client.get(reverse("portal:case")).context["case"].status_label == "已受理"
