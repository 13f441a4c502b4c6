"""Keeping the sequence of packages between two instances in line (docs/architecture.md §6.2,
"Acknowledgements and re-basing" and "Refusals"): what each package's header says about the other
direction, notices of refusal back to the sender, and re-basing the sequence when the two sides'
records no longer agree (an instance restored from a backup, a package the peer cannot take).

Acknowledgements. Every package carries ``ack`` and ``ack_digest``: the number and manifest digest
of the last package the writer applied from the reader. ``ack_take`` reads them from every verified
package (applied, held, or refused afterwards for its sequence: the header is signed either way),
but only from a package written later than the last one they were taken from (the writer's own
clock, ``created_at``), so a package arriving late never moves anything back. The acknowledgement
is compared with this instance's own record of the packages it wrote:

- it names a package written here, on the current chain, at or after the last acknowledged one:
  the normal case. Files of acknowledged packages are removed;
- it names an earlier package than the peer acknowledged before: the peer lost packages it had
  applied (restored from a backup). Everything written after the one it names is withdrawn and its
  items queued again;
- it names a package this instance has no record of, or one whose digest differs: this instance
  lost packages the peer applied (this instance was restored). The sequence jumps forward: the next
  package follows the one the peer names (``follows``, ``prev``) under a number above every number
  either side used, and what was not acknowledged is sent again;
- it names a package withdrawn here: the peer applied it after all (a copy still in transit);
  the sequence is re-based onto it the same way.

Re-basing never reuses a number: a withdrawn package keeps its row (``withdrawn_at``, the reason)
and its items are taken again in their queue order by the next package, which says which package
it follows. The receiver accepts a package whose ``follows`` and ``prev`` are its last applied
package, whatever its number, and passes over the numbers in between (held ones there are marked
withdrawn). Items already applied there are skipped by their keys, so nothing counts twice.

Refusals. A package refused here whose manifest (read even when it does not verify) names an active
peer as sender and this instance as receiver, and that carries items or notices, is recorded
(``PackageRefusal``, side ``here``) and told to the peer in the next package written for it
(``notices.jsonl``: number, digest, code, reason, time, and this instance's limit for ``too_large``).
At the peer each notice is recorded (side ``there``), audited (``exchange.refused_by_peer``) and
shown on the 数据交换 page. A notice that this instance's package was too large (with the limit) or
that its number was taken by another package there makes the sender withdraw that package and the
ones after it and write their items again, under the limit, after the one it followed.
"""
import os
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record

from petitions.lib.package import BAD_ROW, TOO_LARGE, PackageRejected
from petitions.models import (
    InboundPackage, InboundState, OutboundPackage, PackageRefusal, Peer, PeerOutboxItem, RefusalSide,
)

REPLAY_MISMATCH = "replay_mismatch"
CHAIN_BROKEN = "chain_broken"
# Refusals of one of this instance's packages after which the package is written again (see the
# module docstring); the others (a key not registered there, a damaged file, a row the peer cannot
# read) are settled by people, and the same file is sent again.
REPACK_CODES = frozenset({TOO_LARGE, REPLAY_MISMATCH})
# Reasons of a re-basing (audit ``exchange.resync``).
PEER_REGRESSED = "peer_regressed"
HISTORY_LOST = "history_lost"
WITHDRAWN_APPLIED = "withdrawn_applied"
REPACK = "repack"


# ---------------------------------------------------------------- files

def outbox_path(stored_name):
    return settings.EXCHANGE_ROOT / "outbox" / stored_name


def held_path(stored_name):
    return settings.EXCHANGE_ROOT / "inbox" / stored_name


def _remove_on_commit(paths):
    paths = [p for p in paths if p is not None]
    if paths:
        transaction.on_commit(lambda: [p.unlink(missing_ok=True) for p in paths])


def purge_acknowledged(peer):
    """Remove the files of the packages ``peer`` reported as applied (after commit)."""
    done = list(OutboundPackage.objects.filter(peer=peer, seq__lte=peer.acked_seq).exclude(stored_name=""))
    if not done:
        return
    OutboundPackage.objects.filter(pk__in=[p.pk for p in done]).update(stored_name="")
    _remove_on_commit([outbox_path(p.stored_name) for p in done])


# ---------------------------------------------------------------- limits

def peer_limits(peer):
    """``(package bytes, file bytes)``: the largest package and the largest file this instance
    writes for ``peer``. The package limit is the smaller of the one the administrator set and the
    one the peer announces in its packages, or this instance's ``EXCHANGE_MAX_BYTES`` while neither
    is known; the file limit the peer's announced one, or ``ATTACHMENT_MAX_BYTES``."""
    known = [n for n in (peer.max_bytes, peer.peer_max_bytes) if n]
    package = min(known) if known else settings.EXCHANGE_MAX_BYTES
    return package, peer.peer_max_file_bytes or settings.ATTACHMENT_MAX_BYTES


def own_limits():
    """What this instance takes, announced in every package it writes (``limits``)."""
    return {"package": settings.EXCHANGE_MAX_BYTES, "file": settings.ATTACHMENT_MAX_BYTES}


# ---------------------------------------------------------------- acknowledgements

def _moment(text):
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def _limit(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def ack_take(peer, manifest, *, actor=None, request=None):
    """Take the acknowledgement and the announced limits of a verified package from ``peer`` (see the
    module docstring), in a transaction of its own: they stand even if the package is then refused
    for its place in the sequence. Returns the re-basing note, or ""."""
    moment = _moment(manifest.get("created_at"))
    if moment is None:
        return ""
    with transaction.atomic():
        peer = Peer.objects.select_for_update().select_related("org").get(pk=peer.pk)
        if peer.ack_taken_at is not None and moment <= peer.ack_taken_at:
            return ""  # an older package than the last one read: its acknowledgement is stale
        changes = {"ack_taken_at": moment}
        limits = manifest.get("limits") if isinstance(manifest.get("limits"), dict) else {}
        if _limit(limits.get("package")):
            changes["peer_max_bytes"] = limits["package"]
        if _limit(limits.get("file")):
            changes["peer_max_file_bytes"] = limits["file"]
        Peer.objects.filter(pk=peer.pk).update(**changes)
        for name, value in changes.items():
            setattr(peer, name, value)
        return _ack(peer, manifest["ack"], manifest.get("ack_digest"), actor=actor, request=request)


def _ack(peer, ack, digest, *, actor, request):
    if digest is None:  # a package of a release before re-basing: acknowledgements only move forward
        acked = max(peer.acked_seq, min(ack, peer.out_seq))
        if acked != peer.acked_seq:
            Peer.objects.filter(pk=peer.pk).update(acked_seq=acked)
            peer.acked_seq = acked
            purge_acknowledged(peer)
        return ""
    names = {"org": peer.org.name, "ack": ack, "acked": peer.acked_seq}
    if ack == 0:
        if peer.acked_seq == 0:
            return ""
        return rebase(peer, base=0, digest="", withdraw_after=0, reason=PEER_REGRESSED, actor=actor, request=request,
                      note=_("%(org)s报告尚未应用本系统的任何包，而此前已确认应用至第%(acked)d号：对方系统可能已从备份恢复。"
                             "本系统已撤回其后的包，其中的事项重新发送。") % names)
    package = OutboundPackage.objects.filter(peer=peer, seq=ack).first()
    if package is None or package.digest != digest:
        return rebase(peer, base=ack, digest=digest, withdraw_after=min(ack, peer.acked_seq), reason=HISTORY_LOST,
                      actor=actor, request=request,
                      note=_("%(org)s报告已应用本系统的第%(ack)d号包，但本系统没有该包的记录或内容不同：本系统可能已从备份恢复。"
                             "序号已前移，下一个包接续对方的第%(ack)d号；对方尚未确认的事项重新发送。备份之后在本系统办理、"
                             "已送达对方的操作只在对方系统中，请两端核对。") % names)
    if package.withdrawn_at is not None:
        return rebase(peer, base=ack, digest=digest, withdraw_after=min(ack, peer.acked_seq), reason=WITHDRAWN_APPLIED,
                      actor=actor, request=request,
                      note=_("%(org)s应用了本系统已撤回的第%(ack)d号包：下一个包改为接续该包，其后的事项重新发送。") % names)
    if ack < peer.acked_seq:
        return rebase(peer, base=ack, digest=digest, withdraw_after=ack, reason=PEER_REGRESSED, actor=actor,
                      request=request,
                      note=_("%(org)s报告已应用本系统的包至第%(ack)d号，而此前已确认至第%(acked)d号：对方系统可能已从备份恢复。"
                             "第%(ack)d号之后的包已撤回，其中的事项重新编入下一个包。") % names)
    if ack > peer.acked_seq:
        Peer.objects.filter(pk=peer.pk).update(acked_seq=ack)
        peer.acked_seq = ack
        purge_acknowledged(peer)
    return ""


def rebase(peer, *, base, digest, withdraw_after, reason, note, acked=True, actor=None, request=None):
    """Withdraw this instance's packages for ``peer`` numbered after ``withdraw_after`` (their items
    and notices queued again, their files removed) and make the next package follow package
    ``base`` of digest ``digest``, under a number above every number used. ``acked``: the peer has
    applied ``base`` (it said so); a re-packing after a refusal leaves the acknowledgement alone.
    ``peer`` must be locked. Audit: ``exchange.resync``."""
    now = timezone.now()
    withdrawn = list(OutboundPackage.objects.filter(peer=peer, seq__gt=withdraw_after, withdrawn_at__isnull=True)
                     .order_by("seq"))
    ids = [p.pk for p in withdrawn]
    OutboundPackage.objects.filter(pk__in=ids).update(withdrawn_at=now, withdrawn_reason=note, stored_name="")
    _remove_on_commit([outbox_path(p.stored_name) for p in withdrawn if p.stored_name])
    requeued = PeerOutboxItem.objects.filter(package_id__in=ids).update(package=None)
    PackageRefusal.objects.filter(carried_by_id__in=ids).update(carried_by=None)
    changes = {"out_seq": max(peer.out_seq, base), "out_hash": digest, "out_follows": base, "resync_at": now,
               "resync_note": note}
    if acked:
        changes["acked_seq"] = base
    Peer.objects.filter(pk=peer.pk).update(**changes)
    for name, value in changes.items():
        setattr(peer, name, value)
    audit_record(action="exchange.resync", actor=actor, target=peer.org, request=request,
                 summary=f"{peer.org.code} {reason} follows #{base}",
                 data={"peer": peer.org.code, "reason": reason, "follows": base, "withdrawn": [p.seq for p in withdrawn],
                       "requeued": requeued, "next": peer.out_seq + 1})
    return note


# ---------------------------------------------------------------- refusals told back

def refusal_note(*, manifest, digest, code, message, own_code):
    """Record that the package ``manifest`` describes (unverified: the claim is enough to address the
    notice, which says only what was refused and why) was refused here, to be told to its sender.
    Nothing for a package that is not addressed here by an active peer, or that carries neither
    items nor notices (an acknowledgement alone: telling it would only start an exchange of
    refusals)."""
    if not isinstance(manifest, dict) or manifest.get("kind") != "instance" or manifest.get("receiver") != own_code:
        return None
    seq, counts = manifest.get("seq"), manifest.get("counts")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1 or not isinstance(counts, dict) \
            or not (counts.get("items") or counts.get("notices")):
        return None
    peer = Peer.objects.filter(org__code=manifest.get("sender"), is_active=True).first()
    if peer is None:
        return None
    return refusal_record(peer, seq=seq, digest=digest, code=code, message=message)


def refusal_record(peer, *, seq, digest, code, message):
    """A notice for ``peer`` that its package ``seq`` (``digest``) was refused here. One not yet sent
    for the same package and reason is not repeated; none for a number the sender passed over."""
    digest = digest or ""
    if seq <= peer.in_seq and passed_over(peer, seq):
        return None  # withdrawn by the sender: it knows
    if PackageRefusal.objects.filter(peer=peer, side=RefusalSide.HERE, seq=seq, digest=digest, code=code,
                                     carried_by__isnull=True).exists():
        return None
    now = timezone.now()
    return PackageRefusal.objects.create(
        peer=peer, side=RefusalSide.HERE, seq=seq, digest=digest, code=code, message=str(message)[:2000],
        limit=settings.EXCHANGE_MAX_BYTES if code == TOO_LARGE else 0, refused_at=now, recorded_at=now)


def notice_rows(notices):
    return [{"seq": n.seq, "digest": n.digest, "code": n.code, "message": n.message,
             "refused_at": n.refused_at.isoformat(), "limit": n.limit} for n in notices]


def notices_check(rows):
    """Read the notices of a package back before anything is written (``PackageRejected``)."""
    if not isinstance(rows, list):
        raise PackageRejected(_("数据包中的拒收通知格式有误，已拒收。"), code=BAD_ROW)
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or not isinstance(row.get("seq"), int) or isinstance(row.get("seq"), bool) \
                or row["seq"] < 1 or not all(isinstance(row.get(k), str) for k in ("digest", "code", "message")) \
                or _moment(row.get("refused_at")) is None or not isinstance(row.get("limit", 0), int):
            raise PackageRejected(_("数据包中的第%(n)d条拒收通知格式有误，已拒收。") % {"n": n}, code=BAD_ROW)


def notices_take(peer, rows, *, actor=None, request=None):
    """Record the refusals ``peer`` reports of this instance's packages (side ``there``), audited, and
    write again what it could not take (``REPACK_CODES``, see the module docstring). ``peer`` is
    locked (the package is being applied). Returns the recorded rows."""
    now = timezone.now()
    taken = []
    for row in rows:
        ours = OutboundPackage.objects.filter(peer=peer, seq=row["seq"], digest=row["digest"]).first()
        refusal = PackageRefusal.objects.create(
            peer=peer, side=RefusalSide.THERE, seq=row["seq"], digest=row["digest"], code=row["code"][:40],
            message=row["message"][:2000], limit=_limit(row.get("limit")), refused_at=_moment(row["refused_at"]),
            package=ours, recorded_at=now)
        taken.append(refusal)
        audit_record(action="exchange.refused_by_peer", actor=actor, target=peer.org, request=request,
                     summary=f"{peer.org.code} refused #{row['seq']} {row['code'][:40]}",
                     data={"peer": peer.org.code, "seq": row["seq"], "code": row["code"][:40], "ours": ours is not None,
                           "limit": refusal.limit})
        if ours is not None and refusal.code in REPACK_CODES and ours.withdrawn_at is None \
                and ours.seq > peer.acked_seq:
            _repack(peer, ours, refusal, actor=actor, request=request)
    return taken


def _repack(peer, package, refusal, *, actor, request):
    names = {"org": peer.org.name, "seq": package.seq}
    if refusal.code == TOO_LARGE:
        used = peer_limits(peer)[0]
        if not refusal.limit or (refusal.limit >= used and refusal.limit >= package.size):
            # Written again under the same limit it would be refused again (a file over the peer's file limit, or a
            # limit not given): people settle it.
            return
        if not peer.peer_max_bytes or refusal.limit < peer.peer_max_bytes:
            Peer.objects.filter(pk=peer.pk).update(peer_max_bytes=refusal.limit)
            peer.peer_max_bytes = refusal.limit
        note = _("%(org)s以超过大小上限（%(limit)s）为由拒收第%(seq)d号包：该包及其后尚未确认的包已撤回，"
                 "其中的事项按该上限重新编包。") % {**names, "limit": filesizeformat(refusal.limit)}
    else:
        note = _("%(org)s已有另一个第%(seq)d号包，拒收了本系统的该包：该包及其后尚未确认的包已撤回，"
                 "其中的事项以新的序号重新发送。") % names
    rebase(peer, base=package.follows, digest=package.prev, withdraw_after=package.seq - 1, reason=REPACK,
           note=note, acked=False, actor=actor, request=request)


# ---------------------------------------------------------------- receiving: numbers passed over

def pass_over(peer, below):
    """A package following the last applied one jumped to number ``below``: the held packages
    numbered in between were withdrawn by the sender (their items come again in the later
    packages). Mark them so and remove their files (after commit)."""
    held = list(InboundPackage.objects.filter(peer=peer, seq__gt=peer.in_seq, seq__lt=below,
                                              state=InboundState.HELD))
    if held:
        InboundPackage.objects.filter(pk__in=[p.pk for p in held]).update(
            state=InboundState.WITHDRAWN, stored_name="",
            message=_("对方已撤回，内容由第%(seq)d号包重新发送。") % {"seq": below})
        _remove_on_commit([held_path(p.stored_name) for p in held if p.stored_name])


def passed_over(peer, seq):
    """True when number ``seq`` was passed over by a package that followed an earlier one."""
    return InboundPackage.objects.filter(peer=peer, state=InboundState.APPLIED, follows__lt=seq, seq__gt=seq).exists() \
        or InboundPackage.objects.filter(peer=peer, seq=seq, state=InboundState.WITHDRAWN).exists()


def file_size(source):
    return len(source) if isinstance(source, (bytes, bytearray)) else os.path.getsize(source)
