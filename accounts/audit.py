"""The one function that writes the audit chain, and the ones that verify the chained logs.

The chaining itself (numbering, the keyed MAC, the head row) is ``accounts.models.ChainedLog``;
the signed checkpoints outside the database are ``accounts/checkpoints.py``.
"""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import chain
from accounts.clientip import client_ip  # noqa: F401 (re-exported: the callers' one name for it)
from accounts.models import AccessLog, AuditLog, ChainedLog, ChainHead

GENESIS_HASH = chain.GENESIS_HASH


def compute_hash(prev_hash, row):
    """The MAC an audit row must carry after ``prev_hash`` (its ``seq`` as stored)."""
    return chain.row_mac(AuditLog.CHAIN, row.seq, prev_hash, row, AuditLog.CHAIN_FIELDS)


def audit_record(*, action, actor=None, target=None, summary="", data=None, request=None, succeeded=True,
                 username=""):
    """Append one row to the audit chain inside the caller's transaction.

    ``AuditLog.save`` locks the chain head row, so concurrent appends are serialised and the
    chain never forks. ``target`` may be any model instance (its class name and pk are stored).
    No personal data (ID numbers, phones) may be put in ``summary`` or ``data``.
    Returns the new ``AuditLog`` row.
    """
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
    )
    row.save()  # ChainedLog.save: locks the head, numbers, links and MACs the row in one transaction
    return row



# --- verification -------------------------------------------------------------------------------

def chained_models():
    """Every concrete chained log: the audit log and what higher apps add (``petitions.CaseView``),
    found by their base class so that ``accounts`` imports none of them."""
    return [model for model in apps.get_models() if issubclass(model, ChainedLog)]


def access_log_model():
    """The personal-data access log (a concrete ``AccessLog``), or None when no app provides one."""
    return next((model for model in apps.get_models() if issubclass(model, AccessLog)), None)


@dataclass
class ChainBreak:
    """The first row (or the head) where a chain stops verifying."""

    chain: str
    row_id: int
    seq: int
    reason: str


@dataclass
class ChainState:
    """A chain as verified: its head (``seq``, ``last_hash``), the model holding its rows and the
    archived ranges the walk bridged (``ArchivedRange``)."""

    chain: str
    model: type
    seq: int
    last_hash: str
    archived: list = field(default_factory=list)


# --- archived years (accounts/partition_archive.py) ---------------------------------------------------

ARCHIVE_ACTION = "partition.detach"


@dataclass(frozen=True)
class ArchivedRange:
    """Rows ``first``–``last`` of a chain left the database with an archived year; ``last_hash`` is
    the hash of row ``last``, which the next row in the database must name as its previous hash.
    ``source`` says what vouches for it: a signed archive checkpoint (``checkpoint <file>``) or the
    keyed audit row that recorded the archiving (``audit row <seq>``)."""

    chain: str
    first: int
    last: int
    last_hash: str
    source: str


def ranges_from(archived, source):
    """``ArchivedRange``s from the form the archive records keep: {chain: [[first, last, hash], …]}."""
    found = []
    for name, ranges in (archived or {}).items():
        for first, last, last_hash in ranges:
            found.append(ArchivedRange(str(name), int(first), int(last), str(last_hash), source))
    return found


def archive_ranges_recorded(*, key=None):
    """The archived ranges recorded by ``partition.detach`` rows of the audit log whose MAC verifies
    (a row forged or altered without the key vouches for nothing; the walk reports it anyway)."""
    key = key or chain.hmac_key()
    found = []
    for row in AuditLog.objects.filter(action=ARCHIVE_ACTION).order_by("seq"):
        if row.mac_matches(key) and isinstance(row.data, dict):
            try:
                found += ranges_from(row.data.get("archived"), f"audit row {row.seq}")
            except (TypeError, ValueError):
                continue
    return found


def verify_log(model, *, batch_size=5000, key=None, archived=None):
    """Walk one chained log in ``seq`` order; return ``(ChainState, ChainBreak or None)``.

    Detects an altered row or a chain recomputed without the key (MAC mismatch), a removed row
    (a gap in ``seq``), a replaced row (``prev_hash`` mismatch), a duplicated number, a head moved
    back (rows beyond it) and a removed tail (the head names a row that is not the last). A tail
    removed together with moving the head back leaves a consistent chain: only the checkpoints show it.

    A gap is accepted only where a year was archived: ``archived`` (default: the ranges recorded in
    the audit log) names rows ``first``–``last`` and the hash of ``last``; the walk resumes after
    them only if the next row is ``last + 1`` and names that hash. The first remaining row is thus
    verified from the archive checkpoint at or before it (accounts/partition_archive.py).
    """
    name = model.CHAIN
    key = key or chain.hmac_key()
    if archived is None:
        archived = archive_ranges_recorded(key=key)
    bridges = {}
    for item in sorted((r for r in archived if r.chain == name), key=lambda r: not r.source.startswith("checkpoint")):
        bridges.setdefault(item.first, item)  # a signed checkpoint first, when both record the range
    head = ChainHead.objects.filter(chain=name).first()
    head_seq = head.seq if head is not None else 0
    state = ChainState(name, model, head_seq, head.last_hash if head is not None else GENESIS_HASH)
    prev, expected, last = GENESIS_HASH, 1, None
    for row in model.objects.order_by("seq").iterator(chunk_size=batch_size):
        if head is None:
            return state, ChainBreak(name, row.id, row.seq, "the chain head is missing: it was deleted")
        if row.seq > head_seq:
            return state, ChainBreak(name, row.id, row.seq,
                                     "rows beyond the chain head: the head was moved back")
        if row.seq < expected:
            return state, ChainBreak(name, row.id, row.seq, f"row number {row.seq} occurs twice: a row was "
                                                            f"inserted beside the chain")
        if row.seq != expected:
            bridge = bridges.get(expected)
            if bridge is None or bridge.last != row.seq - 1:
                return state, ChainBreak(name, row.id, row.seq,
                                         f"sequence gap: rows {expected}–{row.seq - 1} before it were removed")
            if row.prev_hash != bridge.last_hash:
                return state, ChainBreak(name, row.id, row.seq,
                                         f"previous hash does not match the archived row {bridge.last} "
                                         f"({bridge.source}): the row was altered or the archive record is not "
                                         f"this chain's")
            prev = bridge.last_hash
            state.archived.append(bridge)
        elif row.prev_hash != prev:
            return state, ChainBreak(name, row.id, row.seq,
                                     "previous hash does not match: a row before it was removed or altered")
        if not row.mac_matches(key):
            return state, ChainBreak(name, row.id, row.seq, "row content does not match its MAC: the row was "
                                                            "altered, or the chain was recomputed without the key")
        prev, expected, last = row.row_hash, row.seq + 1, row
    bridge, tail_archived = bridges.get(expected), False
    if head is not None and bridge is not None and bridge.last == head_seq:  # the whole rest archived
        prev, expected, tail_archived = bridge.last_hash, bridge.last + 1, True
        state.archived.append(bridge)
    if head is not None and (head_seq != expected - 1 or head.last_hash != prev
                             or (last is not None and not tail_archived and head.last_id != last.id)):
        return state, ChainBreak(name, last.id if last else 0, expected - 1,
                                 "chain head does not match the last row: rows were removed from the end")
    return state, None


def verify_chains(*, key=None, archived=()):
    """Verify every chained log in one consistent snapshot (REPEATABLE READ on PostgreSQL, so rows
    appended meanwhile neither break the walk nor pass unchecked). ``archived``: ranges of archived
    years vouched for by signed checkpoints, besides those the audit log records. Returns
    ``(states, breaks)``."""
    states, breaks = [], []
    connection = transaction.get_connection()
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        ranges = [*archived, *archive_ranges_recorded(key=key)]
        for model in chained_models():
            state, broken = verify_log(model, key=key, archived=ranges)
            states.append(state)
            if broken is not None:
                breaks.append(broken)
    return states, breaks


def verify_chain(batch_size=5000):
    """The first break of the audit log's chain, or None if intact."""
    return verify_log(AuditLog, batch_size=batch_size)[1]


# --- 个人信息查看记录 (the 安全审计员's search of the access log) ------------------------------------------

def access_log_search(model, *, username="", subject="", person="", ip_address="", date_from=None, date_to=None):
    """Rows of the access log ``model``, newest first, narrowed by who (account), whose data (the
    subject, e.g. a case number or its beginning; or a person's exact full name, which the log's own
    queryset resolves), from where (an address or its beginning) and when (local dates, inclusive).

    For holders of ``accounts.view_audit`` only (the view checks); every row, whoever's.
    """
    qs = model.objects.select_related("user", "org").order_by("-seq")
    tz = timezone.get_current_timezone()
    if username:
        qs = qs.filter(user__username__iexact=username)
    if subject:
        qs = qs.filter(subject__startswith=subject)
    if person:
        qs = qs.about_person(person)
    if ip_address:
        qs = qs.filter(ip_address__startswith=ip_address)
    if date_from:
        qs = qs.filter(created_at__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        qs = qs.filter(created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tz))
    return qs


def access_log_search_record(*, actor, request, criteria):
    """Audit one search of the access log (``audit.access_search``): the auditor's reading of who
    saw whose data is itself on record. A person's name is recorded only as having been given
    (no personal data in audit rows); the other criteria as they were."""
    data = {name: str(value) for name, value in criteria.items() if value and name != "person"}
    data["person"] = bool(criteria.get("person"))
    return audit_record(action="audit.access_search", actor=actor, request=request, data=data,
                        summary=_("查询个人信息查看记录"))
