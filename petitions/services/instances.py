"""Cases between instances (交办转办 between the prefecture's system and the counties' own systems,
docs/architecture.md §6.2): the other instances, and the numbered packages both ways.

The peers. The administrator who manages organizations marks an organization as running its
own instance (``peer_mark``: a county below this instance, or the prefecture's instance above
it) with its Ed25519 public key, adds a second key during a key change and deactivates the old
one (``peer_key_add``, ``peer_key_deactivate``), or stops the exchange (``peer_deactivate``). All
audited.

Sending (``package_send``). What the outbox holds for a peer (petitions/services/instance_outbox.py)
is written, in order, into the next package: number ``seq`` (1, 2, 3 … per receiver), ``prev``
(the manifest digest of the package before it), ``ack`` (the last package of the peer's applied
here), signed with this instance's key. The file is kept under ``EXCHANGE_ROOT`` until the peer
reports (in a package of its own) that it applied it, so a lost package is sent again as it was
(``packages_unacked``).

Receiving (``package_receive``). After the checks of ``petitions.lib.package.sealed_read`` (the
sender must be an active peer, the package addressed to this instance, signed with one of the
peer's active keys) the sequence decides:

- ``seq`` already applied: with the same digest it is a replay and changes nothing (reported as
  already applied); with another digest it is refused (the sender's history differs from what was
  applied here);
- the next one (``seq = last + 1``, ``prev`` = the last one's digest): its items are applied in one
  transaction (petitions/services/instance_apply.py), then every package held after it, in order;
- a later one: a gap. The package is verified and held (kept as a file) and the missing numbers
  are reported; it is applied when the missing ones arrive. So packages arriving out of order are
  applied in order, and none is applied twice.

A package that fails any check is refused as a whole: nothing is written but a failed
``exchange.receive`` audit row, and the sequence does not move, so the sender can send it again.
"""
import os
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError

from petitions.lib.package import (
    BAD_MANIFEST, BAD_ROW, SEALED_SCHEMA, PackageRejected, manifest_peek, private_key_load, public_key_load,
    public_key_text, sealed_read, sealed_write,
)
from petitions.models import (
    ExchangeKey, InboundItem, InboundPackage, InboundState, ItemOutcome, OutboundPackage, PeerOutboxItem, Peer,
    PeerDirection,
)
from petitions.services.events import cases_changed
from petitions.services.exchange import exchange_key_deactivate, exchange_key_register, key_fingerprint
from petitions.services.instance_apply import Context, item_apply, items_check
from petitions.services.instance_outbox import active_peers, item_rows, self_code, self_org
from petitions.services.instance_rows import Codes, RowError
from petitions.workflow import event_label

KIND = "instance"
PERMISSION = "petitions.exchange_package"
ADMIN_PERMISSION = "accounts.manage_orgunit"
# Refusal codes of this exchange (besides those of petitions.lib.package).
NOT_INSTANCE = "not_instance"
WRONG_RECEIVER = "wrong_receiver"
UNKNOWN_PEER = "unknown_peer"
REPLAY_MISMATCH = "replay_mismatch"
CHAIN_BROKEN = "chain_broken"


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


# ---------------------------------------------------------------- files

def _root(*parts):
    path = settings.EXCHANGE_ROOT.joinpath(*parts)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def package_path(package):
    """The stored file of an outbound package (None once the peer applied it and it was removed)."""
    if not package.stored_name:
        return None
    return settings.EXCHANGE_ROOT / "outbox" / package.stored_name


def package_filename(package):
    return f"xf-{self_code()}-{package.peer.org.code}-{package.seq:06d}.zip"


def _held_path(name):
    return settings.EXCHANGE_ROOT / "inbox" / name


def _purge_acknowledged(peer):
    """Remove the files of the packages ``peer`` reported as applied (after commit)."""
    done = list(OutboundPackage.objects.filter(peer=peer, seq__lte=peer.acked_seq).exclude(stored_name=""))
    if not done:
        return
    paths = [package_path(p) for p in done]
    OutboundPackage.objects.filter(pk__in=[p.pk for p in done]).update(stored_name="")

    def remove():
        for path in paths:
            path.unlink(missing_ok=True)
    transaction.on_commit(remove)


# ---------------------------------------------------------------- sending

def package_send(*, peer, actor=None, request=None, private_key=None):
    """Write the next package for ``peer`` from its outbox; return the ``OutboundPackage``, or None
    when there is nothing to send (no item, and nothing new to acknowledge).

    Takes at most ``EXCHANGE_MAX_ITEMS`` items (call again for the rest). Needs this instance's
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
            items = list(PeerOutboxItem.objects.filter(peer=peer, package__isnull=True).select_related("case", "event")
                         .order_by("id")[:settings.EXCHANGE_MAX_ITEMS])
            if not items and not _owes_ack(peer):
                return None
            rows, files = item_rows(items)
            seq, now = peer.out_seq + 1, timezone.now()
            header = {"kind": KIND, "sender": own, "receiver": peer.org.code, "seq": seq, "prev": peer.out_hash,
                      "ack": peer.in_seq, "created_at": now.isoformat()}
            name = f"{peer.org.code}/{own}-{peer.org.code}-{seq:06d}.zip"
            final = _root("outbox", peer.org.code) / f"{own}-{peer.org.code}-{seq:06d}.zip"
            tmp = final.with_suffix(".part")
            with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
                _manifest, digest = sealed_write(out, private_key=private_key, header=header, rows={"items": rows},
                                                 files=files)
            os.replace(tmp, final)
            package = OutboundPackage.objects.create(
                peer=peer, seq=seq, digest=digest, prev=peer.out_hash, ack=peer.in_seq, key_fingerprint=fingerprint,
                items=len(rows), files=len(files), size=final.stat().st_size, stored_name=name, created_at=now,
                created_by=actor)
            PeerOutboxItem.objects.filter(pk__in=[i.pk for i in items]).update(package=package)
            Peer.objects.filter(pk=peer.pk).update(out_seq=seq, out_hash=digest, out_at=now, ack_sent=peer.in_seq)
            audit_record(action="exchange.send", actor=actor, target=peer.org, request=request,
                         summary=f"{own}->{peer.org.code} #{seq} items={len(rows)}",
                         data={"peer": peer.org.code, "seq": seq, "digest": digest, "items": len(rows),
                               "files": len(files), "ack": peer.in_seq, "key": fingerprint})
    except BaseException:
        if final is not None:
            final.unlink(missing_ok=True)
            final.with_suffix(".part").unlink(missing_ok=True)
        raise
    package.peer = peer
    return package


def _owes_ack(peer):
    """True when packages with items were applied from ``peer`` since the last acknowledgement sent:
    then a package goes even with nothing else in it. A package that only acknowledges needs no
    acknowledgement itself (it is acknowledged with the next package that carries items), so two
    instances never keep sending each other empty packages."""
    return InboundPackage.objects.filter(peer=peer, seq__gt=peer.ack_sent, state=InboundState.APPLIED,
                                         items__gt=0).exists()


def packages_unacked(peer):
    """The packages written for ``peer`` that it has not reported as applied, oldest first."""
    return list(OutboundPackage.objects.filter(peer=peer, seq__gt=peer.acked_seq).select_related("peer__org")
                .order_by("seq"))


def package_resend(*, package, actor=None, request=None):
    """The stored file of a package not yet applied by its peer, to be carried again (a lost
    package). Raises ``ServiceError`` once the peer applied it. Audit: ``exchange.resend``."""
    _require(actor, PERMISSION)
    path = package_path(package)
    if path is None or not path.exists():
        raise ServiceError(_("第%(seq)d号包对方已应用，不再保留。") % {"seq": package.seq}, code="package_gone")
    audit_record(action="exchange.resend", actor=actor, target=package.peer.org, request=request,
                 summary=f"{package.peer.org.code} #{package.seq}", data={"peer": package.peer.org.code,
                                                                          "seq": package.seq})
    return path


# ---------------------------------------------------------------- receiving

@dataclass
class ReceiveReport:
    """What ``package_receive`` did with one package (and the held ones it released)."""

    sender: str = ""
    seq: int = 0
    outcome: str = ""  # applied / duplicate / held / already_held
    applied: list = field(default_factory=list)  # sequence numbers applied by this call
    counts: dict = field(default_factory=dict)  # item outcome -> number
    problems: list = field(default_factory=list)  # (seq, case number, action, outcome, message)
    held: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    refused_held: list = field(default_factory=list)  # (seq, message)

    @property
    def message(self):
        if self.outcome == "duplicate":
            return _("第%(seq)d号包此前已应用，本次未作任何改动。") % {"seq": self.seq}
        if self.outcome in ("held", "already_held"):
            return _("第%(seq)d号包已暂存：缺少第%(missing)s号包，收到后按顺序应用。") % {
                "seq": self.seq, "missing": "、".join(str(n) for n in self.missing)}
        return _("已按顺序应用第%(seqs)s号包。") % {"seqs": "、".join(str(n) for n in self.applied)}

    def as_dict(self):
        return {"sender": self.sender, "seq": self.seq, "outcome": self.outcome, "applied": self.applied,
                "counts": self.counts, "problems": len(self.problems), "held": self.held, "missing": self.missing}


def _header(manifest):
    if manifest.get("kind") != KIND:
        raise PackageRejected(_("这不是系统间交办数据包。"), code=NOT_INSTANCE)
    own = self_code()
    if manifest.get("receiver") != own:
        raise PackageRejected(_("该数据包是发给%(to)s的，本系统为%(own)s，已拒收。") % {
            "to": manifest.get("receiver"), "own": own}, code=WRONG_RECEIVER)
    seq, prev, ack = manifest.get("seq"), manifest.get("prev"), manifest.get("ack")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1 or not isinstance(prev, str) \
            or not isinstance(ack, int) or ack < 0 or not isinstance(manifest.get("sender"), str):
        raise PackageRejected(_("数据包清单缺少序号信息，已拒收。"), code=BAD_MANIFEST)
    peer = Peer.objects.filter(org__code=manifest["sender"], is_active=True).select_related("org").first()
    if peer is None:
        raise PackageRejected(_("发送方%(code)s未登记为对端系统（或已停用），已拒收。") % {"code": manifest["sender"]},
                              code=UNKNOWN_PEER)
    return peer


def _keys_for(manifest):
    peer = _header(manifest)
    return list(ExchangeKey.objects.filter(org=peer.org, is_active=True).values_list("id", "public_key"))


def package_receive(*, fileobj, size, actor=None, request=None):
    """Verify a package from another instance and apply it in sequence (see the module
    docstring); return a ``ReceiveReport``. Raises ``PackageRejected`` (nothing written but a
    failed ``exchange.receive`` audit row) or ``NotAllowed``. Audit: one ``exchange.receive``
    row with the counts."""
    _require(actor, PERMISSION)
    try:
        sealed = sealed_read(fileobj, size=size, keys_for=_keys_for)
        try:
            return _receive(sealed, fileobj, actor=actor, request=request)
        finally:
            sealed.close()
    except PackageRejected as exc:
        audit_record(action="exchange.receive", actor=actor, request=request, succeeded=False,
                     summary=f"rejected {exc.code}", data={"code": exc.code})
        raise


def _receive(sealed, fileobj, *, actor, request):
    manifest = sealed.manifest
    peer = _header(manifest)
    seq = manifest["seq"]
    report = ReceiveReport(sender=peer.org.code, seq=seq)
    stored = None
    contexts = []
    try:
        with transaction.atomic():
            peer = Peer.objects.select_for_update().select_related("org").get(pk=peer.pk)
            existing = InboundPackage.objects.filter(peer=peer, seq=seq).first()
            if seq <= peer.in_seq:
                if existing is None or existing.digest != sealed.digest:
                    raise PackageRejected(_("第%(seq)d号包此前已应用过内容不同的包，本包已拒收（对方的发送记录与本系统不一致，"
                                            "请核对后再发）。") % {"seq": seq}, code=REPLAY_MISMATCH)
                report.outcome = "duplicate"
            elif seq > peer.in_seq + 1:
                if existing is not None and existing.state == InboundState.HELD:
                    if existing.digest != sealed.digest:
                        raise PackageRejected(_("已暂存另一个第%(seq)d号包，内容不同，本包已拒收。") % {"seq": seq},
                                              code=REPLAY_MISMATCH)
                    report.outcome = "already_held"
                else:
                    stored = _hold(peer, sealed, fileobj, existing)
                    report.outcome = "held"
            else:
                if manifest["prev"] != peer.in_hash:
                    raise PackageRejected(_("第%(seq)d号包与已应用的第%(last)d号包衔接不上（前一包校验值不符），已拒收。") % {
                        "seq": seq, "last": peer.in_seq}, code=CHAIN_BROKEN)
                contexts.append(_apply(peer, sealed, existing, report, key_id=sealed.key_id))
                report.outcome = "applied"
                _drain(peer, report, contexts)
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
    values = {"digest": sealed.digest, "prev": sealed.manifest["prev"], "state": InboundState.HELD,
              "key_id": sealed.key_id, "stored_name": name, "size": size, "message": "",
              "received_at": timezone.now(), "applied_at": None, "counts": {}}
    if existing is not None:  # a refused copy is replaced by the one sent again
        InboundPackage.objects.filter(pk=existing.pk).update(**values)
    else:
        InboundPackage.objects.create(peer=peer, seq=sealed.manifest["seq"], **values)
    return path


def _apply(peer, sealed, existing, report, *, key_id):
    """Apply the items of ``sealed`` (the next package of ``peer``) and move the sequence on."""
    items = sealed.rows.get("items")
    if not isinstance(items, list) or set(sealed.rows) != {"items"}:
        raise PackageRejected(_("数据包内容不完整，已拒收。"), code=BAD_ROW)
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
    values = {"digest": sealed.digest, "prev": sealed.manifest["prev"], "state": InboundState.APPLIED,
              "key_id": key_id, "stored_name": "", "items": len(items), "counts": counts, "message": "",
              "applied_at": now}
    if existing is not None:
        InboundPackage.objects.filter(pk=existing.pk).update(**values)
        row = InboundPackage.objects.get(pk=existing.pk)
    else:
        row = InboundPackage.objects.create(peer=peer, seq=seq, received_at=now, **values)
    InboundItem.objects.bulk_create([
        InboundItem(package=row, key=item["item"], case=o.case, action=o.action or item.get("action", ""),
                    actor=(o.actor or "")[:100], outcome=o.outcome, message=o.message)
        for item, o in zip(items, outcomes)])
    acked = max(peer.acked_seq, min(sealed.manifest["ack"], peer.out_seq))
    Peer.objects.filter(pk=peer.pk).update(in_seq=seq, in_hash=sealed.digest, in_at=now, acked_seq=acked)
    peer.in_seq, peer.in_hash, peer.in_at, peer.acked_seq = seq, sealed.digest, now, acked
    _purge_acknowledged(peer)
    report.applied.append(seq)
    for key, n in counts.items():
        report.counts[key] = report.counts.get(key, 0) + n
    report.problems += [(seq, o.case.number if o.case else item["case_number"], event_label(o.action), o.outcome,
                         o.message)
                        for item, o in zip(items, outcomes)
                        if o.outcome in (ItemOutcome.CONFLICT, ItemOutcome.DIVERGED)]
    return ctx


def _drain(peer, report, contexts):
    """Apply the held packages that now follow in sequence. One that can no longer be applied
    (its key was deactivated, its file is damaged, its content is refused) is marked refused and
    the sequence waits for it to be sent again."""
    while True:
        held = InboundPackage.objects.filter(peer=peer, seq=peer.in_seq + 1, state=InboundState.HELD).first()
        if held is None:
            return
        path = _held_path(held.stored_name)
        try:
            with transaction.atomic():
                with open(path, "rb") as fh:
                    sealed = sealed_read(fh, size=path.stat().st_size, keys_for=_keys_for)
                    try:
                        if sealed.digest != held.digest or sealed.manifest["seq"] != held.seq:
                            raise PackageRejected(_("暂存文件与收到时不一致。"), code=REPLAY_MISMATCH)
                        if sealed.manifest["prev"] != peer.in_hash:
                            raise PackageRejected(_("与前一包衔接不上（前一包校验值不符）。"), code=CHAIN_BROKEN)
                        contexts.append(_apply(peer, sealed, held, report, key_id=sealed.key_id))
                    finally:
                        sealed.close()
        except (PackageRejected, OSError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            InboundPackage.objects.filter(pk=held.pk).update(state=InboundState.REFUSED, message=message,
                                                             stored_name="")
            report.refused_held.append((held.seq, message))
            transaction.on_commit(lambda p=path: p.unlink(missing_ok=True))
            return
        transaction.on_commit(lambda p=path: p.unlink(missing_ok=True))


def _gaps(peer, report):
    held = sorted(InboundPackage.objects.filter(peer=peer, state=InboundState.HELD, seq__gt=peer.in_seq)
                  .values_list("seq", flat=True))
    report.held = held
    report.missing = [n for n in range(peer.in_seq + 1, max(held) if held else 0) if n not in held] \
        if held else []


def is_instance_package(fileobj, *, size):
    """True when ``fileobj`` looks like a package between instances (schema 2, kind ``instance``),
    False for anything else (a period package of §6.1 or not a package: its own reader refuses it).
    Reads the manifest only, unverified: the choice of reader, never trust."""
    try:
        manifest = manifest_peek(fileobj, size=size)
    except PackageRejected:
        return False
    finally:
        fileobj.seek(0)
    return manifest.get("schema") == SEALED_SCHEMA and manifest.get("kind") == KIND


def peer_for(code):
    """The peer of organization ``code`` (active or not), or None."""
    return Peer.objects.filter(org__code=code).select_related("org").first()


__all__ = [
    "KIND", "PERMISSION", "ReceiveReport", "active_peers", "is_instance_package", "package_receive",
    "package_resend", "package_send", "packages_unacked", "peer_deactivate", "peer_for", "peer_key_add",
    "peer_key_deactivate", "peer_mark", "self_org",
]
