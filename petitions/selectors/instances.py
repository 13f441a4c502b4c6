"""Reads of the exchange between instances (docs/architecture.md §6.2): each peer's sequence state both
ways (for the 数据交换 page and the commands) and the items the workflow could not take or took with a
different result (listed for the people who run the exchange; the case links go through the case page,
which answers 404 to whoever may not see the case)."""
from dataclasses import dataclass, field

from petitions.lib.package import public_key_fingerprint
from petitions.models import (
    ExchangeKey, HeldBack, InboundItem, InboundPackage, InboundState, ItemOutcome, OutboundPackage, PackageRefusal,
    Peer, PeerOutboxItem, RefusalSide,
)
from petitions.selectors.visibility import case_visible_qs
from petitions.workflow import event_label

PROBLEMS = (ItemOutcome.CONFLICT, ItemOutcome.DIVERGED)
# The latest refusals and withdrawn packages shown per peer (all are kept; the audit log has each).
REFUSALS_SHOWN = 20


def missing_numbers(in_seq, held):
    """The numbers still to come before the held packages ``held`` (``[(seq, follows)]``) can be
    applied after ``in_seq``: those not held and not passed over by a held package that follows an
    earlier one (docs/architecture.md §6.2, re-basing)."""
    if not held:
        return []
    present = {seq for seq, _follows in held}
    skipped = set()
    for seq, follows in held:
        skipped.update(range(follows + 1, seq))
    return [n for n in range(in_seq + 1, max(present)) if n not in present and n not in skipped]


@dataclass
class PeerState:
    peer: Peer
    keys: list = field(default_factory=list)  # (ExchangeKey, fingerprint)
    pending_items: int = 0  # queued, not yet in a package
    unacked: list = field(default_factory=list)  # OutboundPackage the peer has not reported applied
    last_out: OutboundPackage | None = None
    last_in: InboundPackage | None = None
    held: list = field(default_factory=list)  # sequence numbers received and waiting
    missing: list = field(default_factory=list)  # sequence numbers not received, before a held one
    refused: list = field(default_factory=list)  # InboundPackage held then refused (to be sent again)
    problems: int = 0
    held_back: list = field(default_factory=list)  # PeerOutboxItem too large to send (with its case)
    waiting_behind: int = 0  # queued items of cases with an item held back, waiting behind it
    refused_there: list = field(default_factory=list)  # PackageRefusal: the peer refused these packages (latest)
    refused_here: list = field(default_factory=list)  # PackageRefusal: refused here, told or to be told (latest)
    withdrawn: list = field(default_factory=list)  # OutboundPackage withdrawn by a re-basing (latest)


def peer_states(peers=None):
    """The state of every peer (or of ``peers``), a few queries per peer (there are a handful)."""
    peers = list(peers) if peers is not None else list(Peer.objects.select_related("org").order_by("org__path"))
    states = []
    for peer in peers:
        state = PeerState(peer=peer)
        state.keys = [(k, public_key_fingerprint(k.public_key)) for k in ExchangeKey.objects.filter(org=peer.org)
                      .order_by("-is_active", "-created_at")]
        queued = PeerOutboxItem.objects.filter(peer=peer, package__isnull=True)
        state.pending_items = queued.filter(held_back="").count()
        state.held_back = list(queued.filter(held_back=HeldBack.TOO_LARGE).select_related("case").order_by("id"))
        firsts = {}
        for item in state.held_back:
            firsts.setdefault(item.case_id, item.pk)
        state.waiting_behind = sum(queued.filter(held_back="", case_id=case_id, id__gt=first).count()
                                   for case_id, first in firsts.items())
        state.unacked = list(OutboundPackage.objects.filter(peer=peer, seq__gt=peer.acked_seq, withdrawn_at__isnull=True)
                             .order_by("seq"))
        state.last_out = OutboundPackage.objects.filter(peer=peer).order_by("-seq").first()
        state.last_in = InboundPackage.objects.filter(peer=peer, state=InboundState.APPLIED).order_by("-seq").first()
        waiting = list(InboundPackage.objects.filter(peer=peer, seq__gt=peer.in_seq).order_by("seq"))
        state.held = [p.seq for p in waiting if p.state == InboundState.HELD]
        state.refused = [p for p in waiting if p.state == InboundState.REFUSED]
        state.missing = missing_numbers(peer.in_seq, [(p.seq, p.follows) for p in waiting
                                                      if p.state == InboundState.HELD])
        state.problems = InboundItem.objects.filter(package__peer=peer, outcome__in=PROBLEMS).count()
        refusals = PackageRefusal.objects.filter(peer=peer).order_by("-id")
        state.refused_there = list(refusals.filter(side=RefusalSide.THERE).select_related("package")[:REFUSALS_SHOWN])
        state.refused_here = list(refusals.filter(side=RefusalSide.HERE).select_related("carried_by")[:REFUSALS_SHOWN])
        state.withdrawn = list(OutboundPackage.objects.filter(peer=peer, withdrawn_at__isnull=False)
                               .order_by("-seq")[:REFUSALS_SHOWN])
        states.append(state)
    return states


def exchange_problems(user, limit=100):
    """The latest items the workflow here could not take (``conflict``) or took with another result
    (``diverged``), of cases ``user`` may see, newest first."""
    visible = case_visible_qs(user).values("pk")
    items = list(InboundItem.objects.filter(outcome__in=PROBLEMS, case__in=visible)
                 .select_related("case", "package__peer__org").order_by("-id")[:limit])
    for item in items:
        item.action_label = event_label(item.action)
    return items
