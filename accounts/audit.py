"""The one function that writes the audit chain, and the one that verifies it."""
import hashlib
import json
from datetime import timezone as dt_timezone
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import AuditChainHead, AuditLog

GENESIS_HASH = "0" * 64


def _canonical(row):
    """Canonical JSON of the fields covered by the hash (stable key order, UTC ISO time)."""
    payload = {
        "created_at": row.created_at.astimezone(dt_timezone.utc).isoformat(timespec="microseconds"),
        "actor_id": row.actor_id,
        "actor_username": row.actor_username,
        "actor_org_code": row.actor_org_code,
        "ip_address": row.ip_address,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "summary": row.summary,
        "data": row.data,
        "succeeded": row.succeeded,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def compute_hash(prev_hash, row):
    return hashlib.sha256((prev_hash + _canonical(row)).encode("utf-8")).hexdigest()


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(*, action, actor=None, target=None, summary="", data=None, request=None, succeeded=True,
                 username=""):
    """Append one row to the audit chain inside the caller's transaction.

    Locks the chain head row so that concurrent appends are serialised and the chain
    never forks. ``target`` may be any model instance (its class name and pk are stored).
    No personal data (ID numbers, phones) may be put in ``summary`` or ``data``.
    Returns the new ``AuditLog`` row.
    """
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        org = getattr(actor, "organization", None) if actor is not None else None
        row = AuditLog(
            created_at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_username=getattr(actor, "username", "") or username,
            actor_org_code=getattr(org, "code", "") or "",
            ip_address=client_ip(request),
            action=action,
            object_type=type(target).__name__ if target is not None else "",
            object_id=str(target.pk) if target is not None and target.pk is not None else "",
            summary=str(summary)[:500],
            data=data or {},
            succeeded=succeeded,
            prev_hash=head.last_hash,
        )
        # Normalise JSON through a round trip so that what is hashed is what the database returns.
        row.data = json.loads(json.dumps(row.data, ensure_ascii=False, default=str))
        row.row_hash = compute_hash(head.last_hash, row)
        row.save()
        AuditChainHead.objects.filter(pk=1).update(last_hash=row.row_hash, last_id=row.pk)
    return row


@dataclass
class ChainBreak:
    row_id: int
    reason: str


def verify_chain(batch_size=5000):
    """Walk the chain in id order; return the first ``ChainBreak`` or None if intact.

    Detects an altered row (hash mismatch), a removed row (prev_hash does not match the
    previous row's hash) and a removed tail (chain head disagrees with the last row).
    """
    prev = GENESIS_HASH
    last_id = 0
    qs = AuditLog.objects.order_by("id")
    for row in qs.iterator(chunk_size=batch_size):
        if row.prev_hash != prev:
            return ChainBreak(row.id, "previous hash does not match: a row before it was removed or altered")
        if compute_hash(row.prev_hash, row) != row.row_hash:
            return ChainBreak(row.id, "row content does not match its hash: the row was altered")
        prev = row.row_hash
        last_id = row.id
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != prev or head.last_id != last_id):
        return ChainBreak(last_id, "chain head does not match the last row: rows were removed from the end")
    return None
