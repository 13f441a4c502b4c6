"""Reads of the exchange between instances (docs/architecture.md §6.2): each peer's sequence state both
ways (for the 数据交换 page and the commands) and the items the workflow could not take or took with a
different result (listed for the people who run the exchange; the case links go through the case page,
which answers 404 to whoever may not see the case)."""
from dataclasses import dataclass, field

from petitions.lib.package import public_key_fingerprint
from petitions.models import (
    ExchangeKey, InboundItem, InboundPackage, InboundState, ItemOutcome, OutboundPackage, Peer, PeerOutboxItem,
)
from petitions.selectors.visibility import case_visible_qs
from petitions.workflow import event_label

PROBLEMS = (ItemOutcome.CONFLICT, ItemOutcome.DIVERGED)


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


def peer_states(peers=None):
    """The state of every peer (or of ``peers``), a few queries per peer (there are a handful)."""
    peers = list(peers) if peers is not None else list(Peer.objects.select_related("org").order_by("org__path"))
    states = []
    for peer in peers:
        state = PeerState(peer=peer)
        state.keys = [(k, public_key_fingerprint(k.public_key)) for k in ExchangeKey.objects.filter(org=peer.org)
                      .order_by("-is_active", "-created_at")]
        state.pending_items = PeerOutboxItem.objects.filter(peer=peer, package__isnull=True).count()
        state.unacked = list(OutboundPackage.objects.filter(peer=peer, seq__gt=peer.acked_seq).order_by("seq"))
        state.last_out = OutboundPackage.objects.filter(peer=peer).order_by("-seq").first()
        state.last_in = InboundPackage.objects.filter(peer=peer, state=InboundState.APPLIED).order_by("-seq").first()
        waiting = list(InboundPackage.objects.filter(peer=peer, seq__gt=peer.in_seq).order_by("seq"))
        state.held = [p.seq for p in waiting if p.state == InboundState.HELD]
        state.refused = [p for p in waiting if p.state == InboundState.REFUSED]
        present = {p.seq for p in waiting if p.state == InboundState.HELD}
        top = max(present) if present else 0
        state.missing = [n for n in range(peer.in_seq + 1, top) if n not in present]
        state.problems = InboundItem.objects.filter(package__peer=peer, outcome__in=PROBLEMS).count()
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
