"""Re-synchronising the sequence after an instance is restored from a backup (docs/architecture.md §6.2,
"Acknowledgements and re-basing"): a receiver brought back to an earlier applied number gets what it lost
again, a sender brought back to an earlier sent number never reuses a number the other side applied, and
in both cases nothing counts twice and nothing is lost that the two sides still have. A restore is a
rollback of the instance's database to a savepoint plus a copy of its files (instance_helpers.backup)."""
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from petitions.lib import package as pkg
from petitions.models import (
    Case, CaseEvent, InboundPackage, InboundState, ItemOutcome, OutboundPackage, PackageRefusal, PeerOutboxItem,
    RefusalSide,
)
from petitions.services.instances import REPLAY_MISMATCH, package_resend, packages_unacked
from tests.petitions.instance_helpers import (  # noqa: F401 (fixtures)
    COUNTY, DAY0, DB, PREFECTURE, act, backup, carry, case_at, instances, receive, restore, send, wall,
)
from tests.petitions.test_instances_sequence import assign_new_case, items_of, rebuild

pytestmark = DB


def numbers(instance):
    with instance:
        return sorted(Case.objects.values_list("number", flat=True))


def state(instance, code):
    with instance:
        p = instance.peer(code)
        return {"out": p.out_seq, "follows": p.out_follows, "acked": p.acked_seq, "in": p.in_seq}


def test_a_receiver_restored_to_an_earlier_applied_number_gets_what_it_lost_again(instances, wall, client):
    """The county applied the prefecture's packages 1 and 2 and confirmed them (the prefecture removed
    their files), then was restored to a backup taken after package 1. Package 3 arrives: held, 2 missing
    for good. The county's answer names what it has applied (1); the prefecture sees its acknowledgement go
    back from 2 to 1, withdraws 2 and 3 and writes their items again in package 4, which follows package 1:
    the county applies it, passes over 2 and 3, and has every case once."""
    prefecture, county = instances
    first = assign_new_case(prefecture)
    carry(prefecture, county)
    carry(county, prefecture)  # acknowledges 1
    snapshot = backup(county)
    second = assign_new_case(prefecture, content="反映自来水管爆裂。")
    carry(prefecture, county)
    carry(county, prefecture)  # acknowledges 2: the prefecture removes the file of package 2
    assert state(prefecture, COUNTY)["acked"] == 2
    with prefecture:
        assert packages_unacked(prefecture.peer(COUNTY)) == []

    restore(county, snapshot)
    assert numbers(county) == [first] and state(county, PREFECTURE)["in"] == 1
    wall.advance(days=1)
    third = assign_new_case(prefecture, content="反映路灯损坏。")

    held = carry(prefecture, county)

    assert (held.outcome, held.missing) == ("held", [2])
    # The county's next package says it has applied 1 (and, its own records being older than the
    # prefecture's acknowledgement of them, it moves its numbers forward past what the prefecture applied).
    with county:
        assert "备份恢复" in county.peer(PREFECTURE).resync_note
    assert state(county, PREFECTURE)["out"] == 2
    answer = send(county, PREFECTURE)
    assert json.loads(zipfile.ZipFile(io.BytesIO(answer)).read("manifest.json"))["ack"] == 1
    report = receive(prefecture, answer)
    assert report.outcome == "applied"  # the county's package 3 follows its package 2, applied before
    with prefecture:
        peer = prefecture.peer(COUNTY)
        assert "第1号之后的包已撤回" in peer.resync_note
        assert list(OutboundPackage.objects.filter(peer=peer, withdrawn_at__isnull=False)
                    .values_list("seq", flat=True).order_by("seq")) == [2, 3]
        assert PeerOutboxItem.objects.filter(peer=peer, package__isnull=True).count() == 2  # queued again
        withdrawn = OutboundPackage.objects.get(peer=peer, seq=3)
        with pytest.raises(Exception, match="已撤回"):
            package_resend(package=withdrawn)
        resync = AuditLog.objects.filter(action="exchange.resync").latest("id")
        assert resync.data["reason"] == "peer_regressed" and resync.data["withdrawn"] == [2, 3]
    assert state(prefecture, COUNTY) == {"out": 3, "follows": 1, "acked": 1, "in": 3}
    with prefecture:
        client.force_login(prefecture.user("triage"))
        html = client.get(reverse("petitions:exchange")).content.decode()
        assert 'id="resync-533922"' in html and "第1号之后的包已撤回" in html

    again = carry(prefecture, county)

    assert again.outcome == "applied" and again.applied == [4]
    assert numbers(county) == sorted([first, second, third])
    with county:
        assert InboundPackage.objects.get(seq=3).state == InboundState.WITHDRAWN  # the held one, passed over
        assert not any((county.root / "exchange" / "inbox" / PREFECTURE).iterdir())
        assert Case.objects.filter(number=second).count() == 1
    carry(county, prefecture)
    assert state(prefecture, COUNTY)["acked"] == 4
    # The county's withdrawn packages are passed over if they turn up again: nothing changes.
    assert state(county, PREFECTURE)["in"] == 4


def test_a_sender_restored_to_an_earlier_number_jumps_past_what_the_other_side_applied(instances, wall):
    """The prefecture's backup was taken with a case assigned but not yet sent; package 2 carried it to the
    county afterwards; then the prefecture was restored. Its next package is numbered 2 again, with other
    content: refused (replay_mismatch) and told back. The county's answer says it applied a package 2 the
    prefecture has no record of: the prefecture moves its numbers past 2 and sends its unconfirmed items
    again after the county's package 2. The county skips what it has: nothing counts twice."""
    prefecture, county = instances
    first = assign_new_case(prefecture)
    carry(prefecture, county)
    carry(county, prefecture)
    second = assign_new_case(prefecture, content="反映自来水管爆裂。")
    snapshot = backup(prefecture)
    carry(prefecture, county)
    with county:
        trail = CaseEvent.objects.filter(case=case_at(second)).count()
    restore(prefecture, snapshot)
    assert state(prefecture, COUNTY)["out"] == 1
    wall.advance(days=1)
    third = assign_new_case(prefecture, content="反映路灯损坏。")

    data = send(prefecture, COUNTY)  # number 2 again, carrying the second and the third case
    with pytest.raises(pkg.PackageRejected) as exc:
        receive(county, data)
    assert exc.value.code == REPLAY_MISMATCH
    with county:
        notice = PackageRefusal.objects.get(side=RefusalSide.HERE)
        assert (notice.seq, notice.code, notice.carried_by) == (2, REPLAY_MISMATCH, None)

    report = carry(county, prefecture)  # the notice, and "applied up to 2" with the county's digest of it

    assert report.resync and "备份恢复" in report.resync[0]
    assert report.refusals == [(2, REPLAY_MISMATCH, notice.message)]
    with prefecture:
        peer = prefecture.peer(COUNTY)
        assert (peer.out_seq, peer.out_follows, peer.acked_seq) == (2, 2, 2)
        there = PackageRefusal.objects.get(side=RefusalSide.THERE)
        assert there.package.seq == 2 and there.package.withdrawn_at is not None  # ours, already withdrawn
        assert AuditLog.objects.filter(action="exchange.refused_by_peer", data__code=REPLAY_MISMATCH).exists()

    report = carry(prefecture, county)  # number 3, following the county's 2

    assert report.applied == [3]
    assert report.counts == {ItemOutcome.SKIPPED: 1, ItemOutcome.COPIED: 1}  # the second case was there already
    assert numbers(county) == sorted([first, second, third])
    with county:
        assert CaseEvent.objects.filter(case=case_at(second)).count() == trail  # nothing added twice
    carry(county, prefecture)
    assert state(prefecture, COUNTY)["acked"] == 3


def test_a_number_reused_after_a_restore_is_not_taken_for_what_the_other_side_has(instances, wall):
    """Steps taken in the prefecture after its backup reached the county, then the prefecture was restored:
    they are lost there. The prefecture numbers its next case as the lost one (its counter came back with
    the backup). Its copy arrives at the county under a number the county already has from the prefecture:
    the registration times differ, so it is a conflict, named, and the county's case is left alone."""
    prefecture, county = instances
    first = assign_new_case(prefecture)
    carry(prefecture, county)
    carry(county, prefecture)
    snapshot = backup(prefecture)
    wall.advance(hours=2)
    lost = assign_new_case(prefecture, content="反映自来水管爆裂。")
    carry(prefecture, county)
    carry(county, prefecture)
    restore(prefecture, snapshot)
    wall.advance(hours=3)
    reused = assign_new_case(prefecture, content="反映噪音扰民。")
    assert reused == lost  # the counter came back with the backup

    with pytest.raises(pkg.PackageRejected):
        carry(prefecture, county)  # number 2 again: refused, told back
    carry(county, prefecture)  # the prefecture jumps past 2
    report = carry(prefecture, county)

    assert report.counts == {ItemOutcome.CONFLICT: 1}
    [(_seq, number, _action, outcome, message)] = report.problems
    assert (number, outcome) == (lost, ItemOutcome.CONFLICT) and "编号被重复使用" in message
    with county:
        assert case_at(lost).content == "反映自来水管爆裂。"  # the county's case, untouched
    assert numbers(county) == sorted([first, lost])


def test_an_entry_whose_key_names_another_entry_here_is_a_conflict_not_a_duplicate(instances, wall):
    """Keys of rows come back after a restore too (ids start again from the backup's). An entry whose key
    the receiver knows for another entry (another time, another action) is recorded as history with the
    conflict, not skipped as already there."""
    prefecture, county = instances
    number = assign_new_case(prefecture)
    carry(prefecture, county)
    with prefecture:
        wall.advance(days=1)
        act(case_at(number), "supervise", prefecture.user("supervisor"), note="请加快办理。",
            deadline=DAY0 + timedelta(days=20))
    data = send(prefecture, COUNTY)
    receive(county, data)
    with prefecture:
        wall.advance(days=1)
        act(case_at(number), "supervise", prefecture.user("supervisor"), note="再次督办。",
            deadline=DAY0 + timedelta(days=25))
    later = send(prefecture, COUNTY)
    items = items_of(later)
    items[0]["key"] = items[0]["item"] = items_of(data)[0]["key"]  # the key of the first 督办, reused
    body = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()

    report = receive(county, rebuild(later, key=prefecture.key, members={"items.jsonl": body}))

    assert report.counts == {ItemOutcome.CONFLICT: 1}
    with county:
        history = CaseEvent.objects.filter(case=case_at(number), action="supervise").order_by("id")
        assert history.count() == 2 and history.last().actor is None
        assert "编号被重复使用" in history.last().data["exchange"]["conflict"]
    assert receive(county, data).outcome == "duplicate"  # the genuine one: still already there


def test_a_late_package_does_not_move_the_acknowledgement_back(instances):
    """Packages can arrive out of order: an older package of the county, with an older acknowledgement,
    arriving after a newer one changes nothing on the prefecture's side (no re-basing)."""
    prefecture, county = instances
    assign_new_case(prefecture)
    carry(prefecture, county)
    older = send(county, PREFECTURE)  # acknowledges 1
    assign_new_case(prefecture, content="反映自来水管爆裂。")
    carry(prefecture, county)
    newer = send(county, PREFECTURE)  # acknowledges 2
    assert receive(prefecture, newer).outcome == "held"  # its number 2 waits for 1
    assert state(prefecture, COUNTY)["acked"] == 2

    assert receive(prefecture, older).applied == [1, 2]

    assert state(prefecture, COUNTY) == {"out": 2, "follows": 2, "acked": 2, "in": 2}
    with prefecture:
        assert not AuditLog.objects.filter(action="exchange.resync").exists()
        assert prefecture.peer(COUNTY).resync_note == ""
