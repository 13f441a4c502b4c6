"""Cases between instances (交办转办 between the prefecture's system and the counties' own systems,
docs/architecture.md §6.2): the other instances, and the numbered packages both ways.

The peers. The administrator who manages organizations marks an organization as running its
own instance (``peer_mark``: a county below this instance, or the prefecture's instance above
it) with its Ed25519 public key, adds a second key during a key change and deactivates the old
one (``peer_key_add``, ``peer_key_deactivate``), or stops the exchange (``peer_deactivate``). All
audited.

Sending (``package_send``). What the outbox holds for a peer (petitions/services/instance_outbox.py)
is written, in order, into the next package: number ``seq`` (1, 2, 3 … per receiver), ``prev``
(the manifest digest of the package it follows) and ``follows`` (that package's number), ``ack``
and ``ack_digest`` (the last package of the peer's applied here), the limits this instance takes,
and the notices of the peer's packages refused here, signed with this instance's key. A package
stays under the peer's limit (``peer_limits``): the queue is cut where the next item would not fit,
and an item that alone does not fit is held back and named, the items of its case waiting behind
it, instead of stopping the queue. The file is kept under ``EXCHANGE_ROOT`` until the peer reports
(in a package of its own) that it applied it, so a lost package is sent again as it was
(``packages_unacked``).

Receiving (``package_receive``). After the checks of ``petitions.lib.package.sealed_read`` (the
sender must be an active peer, the package addressed to this instance, signed with one of the
peer's active keys) its acknowledgement is taken (petitions/services/instance_sequence.py, which
also re-bases the sequence when the two sides' records disagree) and the sequence decides:

- ``seq`` already applied: with the same digest it is a replay and changes nothing (reported as
  already applied); a number the sender passed over when it re-based changes nothing either; with
  another digest it is refused (the sender's history differs from what was applied here);
- one that follows the last applied package (``follows`` = its number, ``prev`` = its digest;
  normally ``seq = last + 1``): its items and notices are applied in one transaction
  (petitions/services/instance_apply.py), then every package held that now follows, in order;
- a later one: a gap. The package is verified and held (kept as a file) and the missing numbers
  are reported; it is applied when the missing ones arrive. So packages arriving out of order are
  applied in order, and none is applied twice.

A package that fails any check is refused as a whole: nothing is written but a failed
``exchange.receive`` audit row and a notice of the refusal for the sender, and the sequence does
not move, so the sender can send it again.
"""
import json
import os
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError

from petitions.lib.package import (
    BAD_MANIFEST, BAD_ROW, MANIFEST, SEALED_SCHEMA, PackageRejected, jsonl, manifest_digest, private_key_load,
    public_key_load, public_key_text, sealed_read, sealed_write,
)
from petitions.models import (
    ExchangeKey, HeldBack, InboundItem, InboundPackage, InboundState, ItemOutcome, OutboundPackage, PackageRefusal,
    PeerOutboxItem, Peer, PeerDirection, RefusalSide,
)
from petitions.selectors.instances import missing_numbers
from petitions.services.events import cases_changed
from petitions.services.exchange import exchange_key_deactivate, exchange_key_register, key_fingerprint
from petitions.services.instance_apply import Context, item_apply, items_check
from petitions.services.instance_outbox import active_peers, item_row, self_code, self_org
from petitions.services.instance_rows import Codes, RowError
from petitions.services.instance_sequence import (
    CHAIN_BROKEN, REPLAY_MISMATCH, ack_take, file_size, held_path, notice_rows, notices_check, notices_take,
    outbox_path, own_limits, pass_over, passed_over, peer_limits, refusal_note, refusal_record,
)
from petitions.workflow import event_label

KIND = "instance"
PERMISSION = "petitions.exchange_package"
ADMIN_PERMISSION = "accounts.manage_orgunit"
# Refusal codes of this exchange (besides those of petitions.lib.package).
NOT_INSTANCE = "not_instance"
WRONG_RECEIVER = "wrong_receiver"
UNKNOWN_PEER = "unknown_peer"
# REPLAY_MISMATCH and CHAIN_BROKEN: petitions/services/instance_sequence.py.


def _require(actor, permission):
    """Command-line runs have no actor (shell access is the operator's)."""
    if actor is not None and not actor.has_perm(permission):
        raise NotAllowed(_("您没有该操作的权限。"))


# ---------------------------------------------------------------- peers

def peer_mark(*, actor, org, direction, public_key, note="", request=None):
    """Mark ``org`` as running its own instance, trusted with ``public_key`` (base64 raw Ed25519,
    what ``exchange_keygen`` prints there). ``direction``: ``lower`` for an organization below
    this instance (a county: the cases assigned into its subtree go there), ``upper`` for the
    instance above (the prefecture's). Marking an organization again re-activates it.

    Raises ``NotAllowed`` (the actor lacks ``accounts.manage_orgunit``) or ``ServiceError``: the
    organization is this instance's own or (for ``lower``) not below it, (for ``upper``) not above
    it, overlaps another peer, or the key is not a key. Audit: ``exchange.peer_mark`` and the key's
    ``exchange.key_register``."""
    _require(actor, ADMIN_PERMISSION)
    own = self_org()
    if direction not in PeerDirection.values:
        raise ServiceError(_("请选择对端系统与本系统的关系。"), field="direction", code="peer_direction")
    if org is None or not org.is_active:
        raise ServiceError(_("请选择启用中的机构。"), field="org", code="peer_org")
    if org.pk == own.pk:
        raise ServiceError(_("不能把本系统自己的机构登记为对端系统。"), field="org", code="peer_self")
    if direction == PeerDirection.LOWER and not org.path.startswith(own.path):
        raise ServiceError(_("下级系统须为本系统（%(own)s）管辖范围内的机构。") % {"own": own.name}, field="org",
                           code="peer_not_below")
    if direction == PeerDirection.UPPER and not own.path.startswith(org.path):
        raise ServiceError(_("上级系统须为本系统（%(own)s）的上级机构。") % {"own": own.name}, field="org",
                           code="peer_not_above")
    try:
        public_key_load(public_key or "")
    except ValueError:
        raise ServiceError(_("公钥格式不正确：应为对端系统 exchange_keygen 输出的 Base64 公钥。"), field="public_key",
                           code="peer_key") from None
    with transaction.atomic():
        for other in Peer.objects.filter(is_active=True).exclude(org=org).select_related("org"):
            if other.direction == direction == PeerDirection.UPPER:
                raise ServiceError(_("已登记上级系统%(org)s，请先停用。") % {"org": other.org.name}, field="org",
                                   code="peer_overlap")
            if direction == PeerDirection.LOWER and other.direction == PeerDirection.LOWER and (
                    org.path.startswith(other.org.path) or other.org.path.startswith(org.path)):
                raise ServiceError(_("%(org)s与已登记的下级系统%(other)s的范围重叠。") % {
                    "org": org.name, "other": other.org.name}, field="org", code="peer_overlap")
        peer, created = Peer.objects.get_or_create(org=org, defaults={"direction": direction, "note": note})
        if not created:
            Peer.objects.filter(pk=peer.pk).update(direction=direction, is_active=True, note=note or peer.note)
            peer.refresh_from_db()
        key = exchange_key_register(org=org, public_key=public_key, note=note, actor=actor)
        audit_record(action="exchange.peer_mark", actor=actor, target=org, request=request,
                     summary=f"{org.code} {direction} {key_fingerprint(key.public_key)}",
                     data={"org": org.code, "direction": direction, "key": key_fingerprint(key.public_key)})
    return peer


def peer_key_add(*, actor, peer, public_key, note="", request=None):
    """Trust a further key of ``peer`` (a key change: both stay active until the old one is
    deactivated, so packages the peer signed before the change still verify). Audited."""
    _require(actor, ADMIN_PERMISSION)
    try:
        return exchange_key_register(org=peer.org, public_key=public_key, note=note, actor=actor)
    except ValueError:
        raise ServiceError(_("公钥格式不正确：应为对端系统 exchange_keygen 输出的 Base64 公钥。"), field="public_key",
                           code="peer_key") from None


def peer_key_deactivate(*, actor, key, request=None):
    """Stop trusting ``key``: packages signed with it are refused from now on (held ones too when
    they come to be applied). Audited."""
    _require(actor, ADMIN_PERMISSION)
    exchange_key_deactivate(key=key, actor=actor)


def peer_deactivate(*, actor, peer, request=None):
    """Stop exchanging with ``peer``: nothing more is queued for it and its packages are refused;
    shared cases stay as they are. Audited."""
    _require(actor, ADMIN_PERMISSION)
    with transaction.atomic():
        Peer.objects.filter(pk=peer.pk).update(is_active=False)
        audit_record(action="exchange.peer_deactivate", actor=actor, target=peer.org, request=request,
                     summary=peer.org.code, data={"org": peer.org.code})


def peer_limit_set(*, actor, peer, max_bytes, request=None):
    """Set the largest package written for ``peer`` (bytes; 0: none set, the peer's announced limit
    or this instance's ``EXCHANGE_MAX_BYTES`` applies). For a transfer medium or a gateway smaller
    than what the peer takes. Audit: ``exchange.peer_limit``."""
    _require(actor, ADMIN_PERMISSION)
    if not isinstance(max_bytes, int) or max_bytes < 0 or (0 < max_bytes < MIN_PACKAGE_BYTES):
        raise ServiceError(_("单包大小上限须为0（不设）或不小于%(min)s。") % {"min": filesizeformat(MIN_PACKAGE_BYTES)},
                           field="max_bytes", code="peer_limit")
    with transaction.atomic():
        Peer.objects.filter(pk=peer.pk).update(max_bytes=max_bytes)
        peer.max_bytes = max_bytes
        audit_record(action="exchange.peer_limit", actor=actor, target=peer.org, request=request,
                     summary=f"{peer.org.code} max_bytes={max_bytes}", data={"org": peer.org.code, "max_bytes": max_bytes})
    return peer


# ---------------------------------------------------------------- files

def _root(*parts):
    path = settings.EXCHANGE_ROOT.joinpath(*parts)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def package_path(package):
    """The stored file of an outbound package (None once the peer applied it, or it was withdrawn,
    and it was removed)."""
    if not package.stored_name:
        return None
    return outbox_path(package.stored_name)


def package_filename(package):
    return f"xf-{self_code()}-{package.peer.org.code}-{package.seq:06d}.zip"


# ---------------------------------------------------------------- sending

# What a package needs besides its rows and files (manifest header, signature, the zip's directory),
# and each file besides its bytes (its manifest line, its zip headers): the writer's estimate, checked
# against the written file (``_measure``).
PACKAGE_OVERHEAD = 8 * 1024
FILE_OVERHEAD = 512
# The smallest package limit an administrator may set: a few items must fit.
MIN_PACKAGE_BYTES = 64 * 1024


def _measure(path):
    """The size of a written package as the receiver checks it: the larger of the file's size and the
    sum of its members' sizes (``petitions.lib.package``: both must stay under its limit)."""
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    return max(path.stat().st_size, unpacked)


def _what(item):
    if item.kind == PeerOutboxItem.KIND_CASE:
        return _("信访件副本")
    return event_label(item.payload.get("action", "")) if isinstance(item.payload, dict) else item.key


def _hold_back(peer, item, size, reason, *, limit, actor, request):
    """``item`` alone is larger than ``peer`` takes: it is not sent, and the later items of its case
    wait behind it until it is sent after all (``outbox_item_retry``, once the limit allows) or given
    up (``outbox_item_drop``). Audit: ``exchange.item_held_back`` naming it."""
    PeerOutboxItem.objects.filter(pk=item.pk).update(held_back=HeldBack.TOO_LARGE, held_back_at=timezone.now(),
                                                     held_back_reason=reason, size=size)
    audit_record(action="exchange.item_held_back", actor=actor, target=peer.org, request=request, succeeded=False,
                 summary=f"{peer.org.code} {item.case.number} {item.key} {size}>{limit}",
                 data={"peer": peer.org.code, "item": item.key, "case": item.case.number, "kind": item.kind,
                       "action": (item.payload or {}).get("action", ""), "size": size, "limit": limit})


def _select(peer, reserved, *, actor, request):
    """The queued items of ``peer`` for the next package, in queue order, as long as they fit in the
    peer's limit besides ``reserved`` bytes (the notices) and the package's own overhead (at most
    ``EXCHANGE_MAX_ITEMS``): ``[(item, row, {sha256: source})]``, each file once. An item that alone
    does not fit in a package, or has a file larger than the peer takes, is held back
    (``_hold_back``); the items after one held back on the same case wait behind it."""
    package_limit, file_limit = peer_limits(peer)
    room = package_limit - PACKAGE_OVERHEAD
    blocked = dict(PeerOutboxItem.objects.filter(peer=peer, package__isnull=True, held_back=HeldBack.TOO_LARGE)
                   .values_list("case_id").annotate(first=Min("id")))
    queued = (PeerOutboxItem.objects.filter(peer=peer, package__isnull=True, held_back="")
              .select_related("case", "event").order_by("id"))
    codes, chosen, used, remaining = Codes(), [], set(), room - reserved
    for item in queued.iterator(chunk_size=100):
        if len(chosen) >= settings.EXCHANGE_MAX_ITEMS:
            break
        if item.case_id in blocked and item.pk > blocked[item.case_id]:
            continue
        row, files = item_row(item, codes)
        row_bytes = len(jsonl([row]))
        sizes = {sha: file_size(source) for sha, source in files.items()}
        alone = row_bytes + sum(sizes.values()) + FILE_OVERHEAD * len(sizes)
        names = {a["sha256"]: a.get("name") for a in row.get("attachments") or [] if isinstance(a, dict)}
        big = next(((sha, n) for sha, n in sizes.items() if n > file_limit), None)
        if big is not None or alone > room:
            values = {"case": item.case.number, "what": _what(item), "org": peer.org.name}
            if big is not None:
                reason = _("%(case)s的%(what)s中的文件%(name)s有%(size)s，超过%(org)s接收的单个文件上限%(limit)s，暂不发送。") % {
                    **values, "name": names.get(big[0]) or big[0][:12], "size": filesizeformat(big[1]),
                    "limit": filesizeformat(file_limit)}
            else:
                reason = _("%(case)s的%(what)s连同附件共%(size)s，超过%(org)s接收的单包上限%(limit)s，暂不发送。") % {
                    **values, "size": filesizeformat(alone + PACKAGE_OVERHEAD), "limit": filesizeformat(package_limit)}
            _hold_back(peer, item, alone, reason, limit=package_limit, actor=actor, request=request)
            blocked[item.case_id] = item.pk
            continue
        new = {sha: source for sha, source in files.items() if sha not in used}
        cost = row_bytes + sum(sizes[sha] for sha in new) + FILE_OVERHEAD * len(new)
        if cost > remaining:
            break
        chosen.append((item, row, new))
        used.update(new)
        remaining -= cost
    return chosen


def package_send(*, peer, actor=None, request=None, private_key=None):
    """Write the next package for ``peer`` from its outbox; return the ``OutboundPackage``, or None
    when there is nothing to send (no item or notice, nothing new to acknowledge, nothing held here
    to report).

    Takes the queued items in order while the package stays under the peer's limit (``peer_limits``)
    and at most ``EXCHANGE_MAX_ITEMS`` of them (call again for the rest); an item that alone is
    larger is held back and named (``_hold_back``) instead of stopping the queue. Carries the
    pending notices of refusal and the acknowledgement of the peer's packages. Needs this instance's
    signing key (``EXCHANGE_PRIVATE_KEY_PATH``; ``FileNotFoundError`` without it). Raises
    ``NotAllowed``, ``ServiceError`` (inactive peer). Audit: ``exchange.send``."""
    _require(actor, PERMISSION)
    private_key = private_key or private_key_load()
    fingerprint = key_fingerprint(public_key_text(private_key.public_key()))
    own = self_code()
    final = None
    try:
        with transaction.atomic():
            peer = Peer.objects.select_for_update().select_related("org").get(pk=peer.pk)
            if not peer.is_active:
                raise ServiceError(_("已停止与%(org)s交换。") % {"org": peer.org.name}, code="peer_inactive")
            limit = peer_limits(peer)[0]
            notices = list(PackageRefusal.objects.filter(peer=peer, side=RefusalSide.HERE, carried_by__isnull=True)
                           .order_by("id"))
            told = notice_rows(notices)
            chosen = _select(peer, len(jsonl(told)), actor=actor, request=request)
            if not chosen and not notices and not _owes_ack(peer) and not peer.resend_wanted:
                return None
            seq, now = peer.out_seq + 1, timezone.now()
            header = {"kind": KIND, "sender": own, "receiver": peer.org.code, "seq": seq, "prev": peer.out_hash,
                      "follows": peer.out_follows, "ack": peer.in_seq, "ack_digest": peer.in_hash,
                      "created_at": now.isoformat(), "limits": own_limits()}
            name = f"{peer.org.code}/{own}-{peer.org.code}-{seq:06d}.zip"
            final = _root("outbox", peer.org.code) / f"{own}-{peer.org.code}-{seq:06d}.zip"
            tmp = final.with_suffix(".part")
            while True:
                rows = {"items": [row for _item, row, _files in chosen]}
                if told:
                    rows["notices"] = told
                files = {sha: source for _item, _row, needed in chosen for sha, source in needed.items()}
                with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                    _manifest, digest = sealed_write(out, private_key=private_key, header=header, rows=rows,
                                                     files=files)
                size = _measure(tmp)
                if size <= limit or not chosen:
                    break
                # The estimate fell short: one item fewer (it goes first into the next package), or, the item
                # alone, held back.
                item, row, _files = chosen.pop()
                if not chosen:
                    _hold_back(peer, item, size, _("%(case)s的%(what)s连同附件共%(size)s，超过%(org)s接收的单包上限"
                                                   "%(limit)s，暂不发送。") % {
                        "case": item.case.number, "what": _what(item), "org": peer.org.name,
                        "size": filesizeformat(size), "limit": filesizeformat(limit)},
                        limit=limit, actor=actor, request=request)
                    if not notices and not _owes_ack(peer) and not peer.resend_wanted:
                        tmp.unlink(missing_ok=True)
                        return None
            os.replace(tmp, final)
            items = [item for item, _row, _files in chosen]
            package = OutboundPackage.objects.create(
                peer=peer, seq=seq, digest=digest, prev=peer.out_hash, follows=peer.out_follows, ack=peer.in_seq,
                key_fingerprint=fingerprint, items=len(items), files=len(files), notices=len(notices),
                size=final.stat().st_size, stored_name=name, created_at=now, created_by=actor)
            PeerOutboxItem.objects.filter(pk__in=[i.pk for i in items]).update(package=package)
            PackageRefusal.objects.filter(pk__in=[n.pk for n in notices]).update(carried_by=package)
            Peer.objects.filter(pk=peer.pk).update(out_seq=seq, out_hash=digest, out_follows=seq, out_at=now,
                                                   ack_sent=peer.in_seq, resend_wanted=False)
            audit_record(action="exchange.send", actor=actor, target=peer.org, request=request,
                         summary=f"{own}->{peer.org.code} #{seq} items={len(items)}",
                         data={"peer": peer.org.code, "seq": seq, "digest": digest, "items": len(items),
                               "files": len(files), "notices": len(notices), "follows": peer.out_follows,
                               "ack": peer.in_seq, "size": size, "limit": limit, "key": fingerprint})
    except BaseException:
        if final is not None:
            final.unlink(missing_ok=True)
            final.with_suffix(".part").unlink(missing_ok=True)
        raise
    package.peer = peer
    return package


def _owes_ack(peer):
    """True when packages with items or notices were applied from ``peer`` since the last
    acknowledgement sent: then a package goes even with nothing else in it. A package that only
    acknowledges needs no acknowledgement itself (it is acknowledged with the next package that
    carries something), so two instances never keep sending each other empty packages."""
    return InboundPackage.objects.filter(peer=peer, seq__gt=peer.ack_sent, state=InboundState.APPLIED).filter(
        Q(items__gt=0) | Q(notices__gt=0)).exists()


def packages_unacked(peer):
    """The packages written for ``peer`` that it has not reported as applied and that were not
    withdrawn, oldest first."""
    return list(OutboundPackage.objects.filter(peer=peer, seq__gt=peer.acked_seq, withdrawn_at__isnull=True)
                .select_related("peer__org").order_by("seq"))


def package_resend(*, package, actor=None, request=None):
    """The stored file of a package not yet applied by its peer, to be carried again (a lost
    package). Raises ``ServiceError`` once the peer applied it or it was withdrawn. Audit:
    ``exchange.resend``."""
    _require(actor, PERMISSION)
    if package.withdrawn_at is not None:
        raise ServiceError(_("第%(seq)d号包已撤回，其中的事项已重新编入后续的包。") % {"seq": package.seq},
                           code="package_withdrawn")
    path = package_path(package)
    if path is None or not path.exists():
        raise ServiceError(_("第%(seq)d号包对方已应用，不再保留。") % {"seq": package.seq}, code="package_gone")
    audit_record(action="exchange.resend", actor=actor, target=package.peer.org, request=request,
                 summary=f"{package.peer.org.code} #{package.seq}", data={"peer": package.peer.org.code,
                                                                          "seq": package.seq})
    return path


def outbox_item_retry(*, actor, item, request=None):
    """Queue again an item held back as too large (after the limit was raised, or to try once more):
    the next package takes it first, or holds it back again. Audit: ``exchange.item_retry``."""
    _require(actor, PERMISSION)
    with transaction.atomic():
        changed = PeerOutboxItem.objects.filter(pk=item.pk, package__isnull=True, held_back=HeldBack.TOO_LARGE).update(
            held_back="", held_back_at=None, held_back_reason="")
        if not changed:
            raise ServiceError(_("该事项不是暂不发送的事项。"), code="item_not_held_back")
        audit_record(action="exchange.item_retry", actor=actor, target=item.peer.org, request=request,
                     summary=f"{item.peer.org.code} {item.case.number} {item.key}",
                     data={"peer": item.peer.org.code, "item": item.key, "case": item.case.number})


def outbox_item_drop(*, actor, item, request=None):
    """Give up an item held back as too large: it is never sent (the other instance will lack that
    step, or that copy: the two offices settle it), and the items of its case waiting behind it go
    on. Audit: ``exchange.item_dropped``."""
    _require(actor, PERMISSION)
    with transaction.atomic():
        changed = PeerOutboxItem.objects.filter(pk=item.pk, package__isnull=True, held_back=HeldBack.TOO_LARGE).update(
            held_back=HeldBack.DROPPED, held_back_at=timezone.now())
        if not changed:
            raise ServiceError(_("该事项不是暂不发送的事项。"), code="item_not_held_back")
        audit_record(action="exchange.item_dropped", actor=actor, target=item.peer.org, request=request,
                     summary=f"{item.peer.org.code} {item.case.number} {item.key}",
                     data={"peer": item.peer.org.code, "item": item.key, "case": item.case.number})


# ---------------------------------------------------------------- receiving

@dataclass
class ReceiveReport:
    """What ``package_receive`` did with one package (and the held ones it released)."""

    sender: str = ""
    seq: int = 0
    outcome: str = ""  # applied / duplicate / superseded / held / already_held
    applied: list = field(default_factory=list)  # sequence numbers applied by this call
    counts: dict = field(default_factory=dict)  # item outcome -> number
    problems: list = field(default_factory=list)  # (seq, case number, action, outcome, message)
    held: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    refused_held: list = field(default_factory=list)  # (seq, message)
    refusals: list = field(default_factory=list)  # (seq, code, message): the peer refused these packages of ours
    resync: list = field(default_factory=list)  # notes of the sequence re-based by this package

    @property
    def message(self):
        if self.outcome == "duplicate":
            return _("第%(seq)d号包此前已应用，本次未作任何改动。") % {"seq": self.seq}
        if self.outcome == "superseded":
            return _("第%(seq)d号包已被对方撤回（其内容已由后续的包重新发送），本次未作任何改动。") % {"seq": self.seq}
        if self.outcome in ("held", "already_held"):
            return _("第%(seq)d号包已暂存：缺少第%(missing)s号包，收到后按顺序应用。") % {
                "seq": self.seq, "missing": "、".join(str(n) for n in self.missing)}
        return _("已按顺序应用第%(seqs)s号包。") % {"seqs": "、".join(str(n) for n in self.applied)}

    def as_dict(self):
        return {"sender": self.sender, "seq": self.seq, "outcome": self.outcome, "applied": self.applied,
                "counts": self.counts, "problems": len(self.problems), "held": self.held, "missing": self.missing,
                "refusals": [(seq, code) for seq, code, _message in self.refusals], "resync": bool(self.resync)}


def _int(value, minimum):
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _header(manifest):
    if manifest.get("kind") != KIND:
        raise PackageRejected(_("这不是系统间交办数据包。"), code=NOT_INSTANCE)
    own = self_code()
    if manifest.get("receiver") != own:
        raise PackageRejected(_("该数据包是发给%(to)s的，本系统为%(own)s，已拒收。") % {
            "to": manifest.get("receiver"), "own": own}, code=WRONG_RECEIVER)
    seq, prev, ack = manifest.get("seq"), manifest.get("prev"), manifest.get("ack")
    follows = manifest.get("follows", seq - 1 if _int(seq, 1) else None)
    ack_digest = manifest.get("ack_digest")
    if not _int(seq, 1) or not isinstance(prev, str) or not _int(ack, 0) \
            or not isinstance(manifest.get("sender"), str) or not _int(follows, 0) or follows >= seq \
            or not (ack_digest is None or isinstance(ack_digest, str)):
        raise PackageRejected(_("数据包清单缺少序号信息，已拒收。"), code=BAD_MANIFEST)
    peer = Peer.objects.filter(org__code=manifest["sender"], is_active=True).select_related("org").first()
    if peer is None:
        raise PackageRejected(_("发送方%(code)s未登记为对端系统（或已停用），已拒收。") % {"code": manifest["sender"]},
                              code=UNKNOWN_PEER)
    return peer


def _follows(manifest):
    return manifest.get("follows", manifest["seq"] - 1)


def _keys_for(manifest):
    peer = _header(manifest)
    return list(ExchangeKey.objects.filter(org=peer.org, is_active=True).values_list("id", "public_key"))


# The largest manifest read to address a notice of refusal (a package refused before it verified).
CLAIM_MAX_BYTES = 16 * 1024 * 1024


def _claimed(fileobj):
    """The manifest a package claims and its digest, read without verifying it (within bounds), or
    ``(None, "")``: only to address a notice of refusal (``refusal_note``)."""
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            info = archive.getinfo(MANIFEST)
            if info.file_size > CLAIM_MAX_BYTES:
                return None, ""
            with archive.open(info) as fh:
                data = fh.read(CLAIM_MAX_BYTES + 1)
        if len(data) > CLAIM_MAX_BYTES:
            return None, ""
        manifest = json.loads(data.decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        return None, ""
    return (manifest, manifest_digest(data)) if isinstance(manifest, dict) else (None, "")


def package_receive(*, fileobj, size, actor=None, request=None):
    """Verify a package from another instance and apply it in sequence (see the module
    docstring); return a ``ReceiveReport``. Raises ``PackageRejected`` (nothing written but a
    failed ``exchange.receive`` audit row, the acknowledgement its header carries if it verified,
    and the notice of refusal for its sender) or ``NotAllowed``. Audit: one ``exchange.receive``
    row with the counts."""
    _require(actor, PERMISSION)
    sealed = None
    try:
        sealed = sealed_read(fileobj, size=size, keys_for=_keys_for)
        try:
            resync = ack_take(_header(sealed.manifest), sealed.manifest, actor=actor, request=request)
            report = _receive(sealed, fileobj, actor=actor, request=request)
            if resync:
                report.resync.insert(0, resync)
            return report
        finally:
            sealed.close()
    except PackageRejected as exc:
        manifest, digest = (sealed.manifest, sealed.digest) if sealed is not None else _claimed(fileobj)
        claim = {"sender": manifest.get("sender"), "seq": manifest.get("seq")} \
            if isinstance(manifest, dict) and manifest.get("kind") == KIND else {}
        audit_record(action="exchange.receive", actor=actor, request=request, succeeded=False,
                     summary=f"rejected {exc.code}", data={"code": exc.code, **claim})
        refusal_note(manifest=manifest, digest=digest, code=exc.code, message=exc.message, own_code=self_code())
        raise


def _receive(sealed, fileobj, *, actor, request):
    manifest = sealed.manifest
    peer = _header(manifest)
    seq, follows = manifest["seq"], _follows(manifest)
    report = ReceiveReport(sender=peer.org.code, seq=seq)
    stored = None
    contexts = []
    try:
        with transaction.atomic():
            peer = Peer.objects.select_for_update().select_related("org").get(pk=peer.pk)
            existing = InboundPackage.objects.filter(peer=peer, seq=seq).first()
            if seq <= peer.in_seq:
                if existing is not None and existing.state == InboundState.APPLIED \
                        and existing.digest == sealed.digest:
                    report.outcome = "duplicate"
                elif passed_over(peer, seq):
                    report.outcome = "superseded"
                else:
                    raise PackageRejected(_("第%(seq)d号包此前已应用过内容不同的包，本包已拒收（对方的发送记录与本系统不一致，"
                                            "请核对后再发）。") % {"seq": seq}, code=REPLAY_MISMATCH)
            elif follows == peer.in_seq:
                if manifest["prev"] != peer.in_hash:
                    raise PackageRejected(_("第%(seq)d号包与已应用的第%(last)d号包衔接不上（前一包校验值不符），已拒收。") % {
                        "seq": seq, "last": peer.in_seq}, code=CHAIN_BROKEN)
                pass_over(peer, seq)
                contexts.append(_apply(peer, sealed, existing, report, key_id=sealed.key_id, actor=actor,
                                       request=request))
                report.outcome = "applied"
                _drain(peer, report, contexts, actor=actor, request=request)
            elif follows < peer.in_seq:
                raise PackageRejected(_("第%(seq)d号包接续对方的第%(follows)d号包，而本系统已应用至第%(last)d号，已拒收"
                                        "（对方将按本系统的确认重新衔接）。") % {
                    "seq": seq, "follows": follows, "last": peer.in_seq}, code=CHAIN_BROKEN)
            elif existing is not None and existing.state == InboundState.HELD:
                if existing.digest != sealed.digest:
                    raise PackageRejected(_("已暂存另一个第%(seq)d号包，内容不同，本包已拒收。") % {"seq": seq},
                                          code=REPLAY_MISMATCH)
                report.outcome = "already_held"
            else:
                stored = _hold(peer, sealed, fileobj, existing)
                report.outcome = "held"
                Peer.objects.filter(pk=peer.pk).update(resend_wanted=True)
            _gaps(peer, report)
            audit_record(action="exchange.receive", actor=actor, target=peer.org, request=request,
                         summary=f"{peer.org.code}->{self_code()} #{seq} {report.outcome}", data=report.as_dict())
            # The statistics follow the cases the packages wrote (after the audit row: docs/reports.md §8).
            cases_changed(sorted(set().union(*(ctx.case_ids for ctx in contexts))))
    except BaseException:
        for ctx in contexts:
            ctx.discard()
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    return report


def _hold(peer, sealed, fileobj, existing):
    """Keep the verified package as a file until the packages before it arrive."""
    name = f"{peer.org.code}/{sealed.manifest['seq']:06d}-{sealed.digest[:16]}.zip"
    path = _root("inbox", peer.org.code) / name.split("/", 1)[1]
    fileobj.seek(0)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        size = 0
        while chunk := fileobj.read(1024 * 1024):
            out.write(chunk)
            size += len(chunk)
    values = {"digest": sealed.digest, "prev": sealed.manifest["prev"], "follows": _follows(sealed.manifest),
              "state": InboundState.HELD, "key_id": sealed.key_id, "stored_name": name, "size": size, "message": "",
              "received_at": timezone.now(), "applied_at": None, "counts": {}}
    if existing is not None:  # a refused or withdrawn copy is replaced by the one sent again
        InboundPackage.objects.filter(pk=existing.pk).update(**values)
    else:
        InboundPackage.objects.create(peer=peer, seq=sealed.manifest["seq"], **values)
    return path


def _apply(peer, sealed, existing, report, *, key_id, actor=None, request=None):
    """Apply the items and notices of ``sealed`` (the next package of ``peer``) and move the sequence on."""
    items = sealed.rows.get("items")
    told = sealed.rows.get("notices", [])
    if not isinstance(items, list) or not set(sealed.rows) <= {"items", "notices"}:
        raise PackageRejected(_("数据包内容不完整，已拒收。"), code=BAD_ROW)
    notices_check(told)
    codes = Codes()
    items_check(items, sealed, codes)
    ctx = Context(peer=peer, sealed=sealed, codes=codes)
    seq = sealed.manifest["seq"]
    try:
        outcomes = [item_apply(item, ctx) for item in items]
    except (RowError, ServiceError, KeyError, TypeError, ValueError) as exc:
        # Checked before writing; a defect found only now still refuses the whole package (also a rule of
        # this instance that refuses a row, e.g. a document whose 文号 is already taken here: documents/exchange.py).
        ctx.discard()
        raise PackageRejected(_("数据包中的数据有误（%(detail)s），已拒收，未导入任何内容。") % {
            "detail": getattr(exc, "message", None) or type(exc).__name__}, code=BAD_ROW) from None
    except BaseException:
        ctx.discard()
        raise
    now = timezone.now()
    counts = {}
    for o in outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    values = {"digest": sealed.digest, "prev": sealed.manifest["prev"], "follows": _follows(sealed.manifest),
              "state": InboundState.APPLIED, "key_id": key_id, "stored_name": "", "items": len(items),
              "notices": len(told), "counts": counts, "message": "", "applied_at": now}
    if existing is not None:
        if existing.stored_name:  # a held copy under this number, now applied (or replaced by the one applied)
            transaction.on_commit(lambda p=held_path(existing.stored_name): p.unlink(missing_ok=True))
        InboundPackage.objects.filter(pk=existing.pk).update(**values)
        row = InboundPackage.objects.get(pk=existing.pk)
    else:
        row = InboundPackage.objects.create(peer=peer, seq=seq, received_at=now, **values)
    InboundItem.objects.bulk_create([
        InboundItem(package=row, key=item["item"], case=o.case, action=o.action or item.get("action", ""),
                    actor=(o.actor or "")[:100], outcome=o.outcome, message=o.message)
        for item, o in zip(items, outcomes)])
    Peer.objects.filter(pk=peer.pk).update(in_seq=seq, in_hash=sealed.digest, in_at=now)
    peer.in_seq, peer.in_hash, peer.in_at = seq, sealed.digest, now
    before = peer.resync_at
    for refusal in notices_take(peer, told, actor=actor, request=request):
        report.refusals.append((refusal.seq, refusal.code, refusal.message))
    if peer.resync_at != before:
        report.resync.append(peer.resync_note)
    report.applied.append(seq)
    for key, n in counts.items():
        report.counts[key] = report.counts.get(key, 0) + n
    report.problems += [(seq, o.case.number if o.case else item["case_number"], event_label(o.action), o.outcome,
                         o.message)
                        for item, o in zip(items, outcomes)
                        if o.outcome in (ItemOutcome.CONFLICT, ItemOutcome.DIVERGED)]
    return ctx


def _drain(peer, report, contexts, *, actor, request):
    """Apply the held packages that now follow in sequence (that follow the last one applied; of
    several, the highest number: the sender's latest). One that can no longer be applied (its key
    was deactivated, its file is damaged, its content is refused) is marked refused, told to the
    sender, and the sequence waits for it to be sent again."""
    while True:
        candidates = list(InboundPackage.objects.filter(peer=peer, follows=peer.in_seq, seq__gt=peer.in_seq,
                                                        state=InboundState.HELD).order_by("-seq"))
        if not candidates:
            return
        held = candidates[0]
        path = held_path(held.stored_name)
        try:
            with transaction.atomic():
                with open(path, "rb") as fh:
                    sealed = sealed_read(fh, size=path.stat().st_size, keys_for=_keys_for)
                    try:
                        if sealed.digest != held.digest or sealed.manifest["seq"] != held.seq:
                            raise PackageRejected(_("暂存文件与收到时不一致。"), code=REPLAY_MISMATCH)
                        if sealed.manifest["prev"] != peer.in_hash:
                            raise PackageRejected(_("与前一包衔接不上（前一包校验值不符）。"), code=CHAIN_BROKEN)
                        pass_over(peer, held.seq)
                        contexts.append(_apply(peer, sealed, held, report, key_id=sealed.key_id, actor=actor,
                                               request=request))
                    finally:
                        sealed.close()
        except (PackageRejected, OSError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            InboundPackage.objects.filter(pk=held.pk).update(state=InboundState.REFUSED, message=message,
                                                             stored_name="")
            report.refused_held.append((held.seq, message))
            refusal_record(peer, seq=held.seq, digest=held.digest, code=getattr(exc, "code", None) or "unreadable",
                           message=message)
            transaction.on_commit(lambda p=path: p.unlink(missing_ok=True))
            return
        transaction.on_commit(lambda p=path: p.unlink(missing_ok=True))


def _gaps(peer, report):
    waiting = InboundPackage.objects.filter(peer=peer, state=InboundState.HELD, seq__gt=peer.in_seq)
    held = sorted(waiting.values_list("seq", "follows"))
    report.held = [seq for seq, _follows in held]
    report.missing = missing_numbers(peer.in_seq, held)


def is_instance_package(fileobj, *, size):
    """True when ``fileobj`` looks like a package between instances (schema 2, kind ``instance``),
    False for anything else (a period package of §6.1 or not a package: its own reader refuses it).
    Reads the manifest only, unverified: the choice of reader, never trust."""
    manifest, _digest = _claimed(fileobj)  # no size bound: a package too large is refused by its reader, told back
    fileobj.seek(0)
    return manifest is not None and manifest.get("schema") == SEALED_SCHEMA and manifest.get("kind") == KIND


def peer_for(code):
    """The peer of organization ``code`` (active or not), or None."""
    return Peer.objects.filter(org__code=code).select_related("org").first()


__all__ = [
    "KIND", "PERMISSION", "ReceiveReport", "active_peers", "is_instance_package", "outbox_item_drop",
    "outbox_item_retry", "package_receive", "package_resend", "package_send", "packages_unacked", "peer_deactivate",
    "peer_for", "peer_key_add", "peer_key_deactivate", "peer_limit_set", "peer_limits", "peer_mark", "self_org",
]
