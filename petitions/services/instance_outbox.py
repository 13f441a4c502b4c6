"""What this instance owes the other instances (docs/architecture.md §6.2): the outbox.

``outbox_on_event`` is called by ``petitions.services.events.case_event_record`` for every trail
entry, inside the step's transaction. When the case has just been handed into the subtree of an
organization that runs its own instance (a ``Peer`` below this one), the case is linked to that
peer and its copy (``snapshot_payload``: the case, its assignments, extension requests, 督办,
复查/复核 requests, evaluations, trail, attachments and documents, as they stand after the step) is
queued. On a case already shared, the entry itself is queued (``event_payload``) for every peer
that shares it, unless the entry is one each instance makes for itself (automatic entries, the
overdue scan, 标记查看). Rows are queued, not sent: ``petitions.services.instances.package_send``
numbers them into packages.

Who acts where. On a shared case each organization acts only in the instance that serves it:
the prefecture's users in the prefecture's instance, the county's in the county's. A step taken
here by a user of an organization another instance serves is refused (``_guard``), so the same
step is never taken twice. Steps that arrive from another instance are taken here by the
organization's exchange account (``exchange_account_for``), a locked system account like the
portal's.

Keys. A row keeps one key across instances: ``<org code of the instance that made it>:<kind>:<id
there>``; ``ExchangeRef`` maps the keys of rows made elsewhere to the rows here (``key_of``,
``resolve``).
"""
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.models import OrgUnit
from accounts.services import system_account_ensure

from petitions import clock
from petitions.exceptions import ServiceError
from petitions.models import (
    Assignment, Attachment, CaseEvent, Evaluation, ExchangeRef, ExtensionRequest, Hearing, Mediation, PeerOutboxItem,
    Peer, PeerDirection, ReviewRequest, SharedCase, Supervision,
)
from petitions.services.attachments import storage_path
from petitions.services.instance_rows import Codes, correction_complete, event_rows, row_dump

ACCOUNT_PREFIX = "exchange:"
ACCOUNT_NAME = "数据交换"  # stored as the account's name, shown in the trail (like the portal's "网上信访")
ACCOUNT_PERMISSIONS = ("petitions.triage_case", "petitions.handle_case", "petitions.register_case",
                       "petitions.supervise_case", "petitions.instruct_case")
# Entries each instance makes for itself: the overdue scan's and the access log's (automatic
# entries, actor None, are left out too: each instance's scan archives and escalates on its own).
LOCAL_ACTIONS = frozenset({"overdue", "mark_viewed", "history_import"})
# Event data fields that hold the id of a row of a kind that travels.
DATA_REFS = {"assignment": "assignment", "extension": "extension", "review": "review",
             "supervision": "supervision", "parent": "assignment", "hearing": "hearing", "mediation": "mediation"}
# Trail entries whose steps create assignments (their targets name them).
ASSIGNING = frozenset({"assign", "transfer", "instruct"})

# (peer, item key) while an item from another instance is being applied here.
_inbound = ContextVar("instances_inbound", default=None)


def replaying():
    """True while a step that happened in another instance is being taken again here (no text
    to the petitioner, no warning: the instance where it happened sent them)."""
    return _inbound.get() is not None


@contextmanager
def inbound(peer, key):
    token = _inbound.set((peer, key))
    try:
        yield
    finally:
        _inbound.reset(token)


# ---------------------------------------------------------------- this instance, the peers

def self_org():
    """The organization this instance serves (``EXCHANGE_INSTANCE_ORG``, else the root)."""
    code = settings.EXCHANGE_INSTANCE_ORG
    if code:
        org = OrgUnit.objects.filter(code=code).first()
        if org is None:
            raise ImproperlyConfigured(f"EXCHANGE_INSTANCE_ORG {code} is not an organization of this instance")
        return org
    org = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    if org is None:
        raise ImproperlyConfigured("no organization tree")
    return org


def self_code():
    return settings.EXCHANGE_INSTANCE_ORG or self_org().code


def active_peers():
    return list(Peer.objects.filter(is_active=True).select_related("org"))


def serving_peer(org, peers, own):
    """The active peer whose instance serves ``org`` (None: this instance serves it)."""
    for peer in peers:
        if peer.direction == PeerDirection.LOWER and org.path.startswith(peer.org.path):
            return peer
    if not org.path.startswith(own.path):
        return next((p for p in peers if p.direction == PeerDirection.UPPER), None)
    return None


def is_exchange_account(user):
    return bool(getattr(user, "username", "").startswith(ACCOUNT_PREFIX))


def exchange_account_for(org):
    """The locked system account through which steps from another instance are taken here for
    ``org`` (created on first use; ``accounts.services.system_account_ensure``)."""
    return system_account_ensure(username=f"{ACCOUNT_PREFIX}{org.code}", organization=org, real_name=ACCOUNT_NAME,
                                 permissions=ACCOUNT_PERMISSIONS)


# ---------------------------------------------------------------- keys

def key_of(kind, pk):
    """The key of the local row ``pk`` of ``kind`` (see the module docstring)."""
    if pk is None:
        return None
    return keys_of(kind, [pk])[pk]


def keys_of(kind, pks):
    pks = [pk for pk in pks if pk is not None]
    found = dict(ExchangeRef.objects.filter(kind=kind, local_id__in=pks).values_list("local_id", "key"))
    own = self_code()
    return {pk: found.get(pk) or f"{own}:{kind}:{pk}" for pk in pks}


def resolve(kind, key):
    """The id here of the row ``key`` names, or None when this instance has no such row."""
    if not key:
        return None
    prefix = f"{self_code()}:{kind}:"
    if key.startswith(prefix):
        rest = key[len(prefix):]
        return int(rest) if rest.isdigit() else None
    return ExchangeRef.objects.filter(kind=kind, key=key).values_list("local_id", flat=True).first()


def ref_record(kind, key, local_id):
    """Remember that the row ``local_id`` stands for ``key`` (rows made elsewhere only)."""
    if not key.startswith(f"{self_code()}:{kind}:"):
        ExchangeRef.objects.get_or_create(kind=kind, key=key, defaults={"local_id": local_id})


# ---------------------------------------------------------------- the other apps' content

def handlers():
    """``accounts.hooks.EXCHANGE_HANDLERS``: objects with ``actions`` (the trail actions whose
    rows they carry, e.g. the documents app's ``issue_document``), ``export(event, key_of)`` →
    ``(payload, {sha256: path})`` or None, and ``apply(...)`` (petitions/services/instance_apply.py)."""
    return hooks.get_hooks(hooks.EXCHANGE_HANDLERS)


def handler_for(action):
    return next((h for h in handlers() if action in h.actions), None)


# ---------------------------------------------------------------- payloads

def _data(data):
    out = dict(data or {})
    out.pop("exchange", None)
    for name, kind in DATA_REFS.items():
        if isinstance(out.get(name), int):
            out[name] = key_of(kind, out[name])
    return out


def event_row(event, key, codes, actor_names=None):
    """A trail entry as it travels (without the rows it made: see ``event_payload``)."""
    meta = (event.data or {}).get("exchange") or {}
    actor = event.actor
    return {
        "key": key, "action": event.action, "from": event.from_status, "to": event.to_status,
        "actor": meta.get("actor") or (actor.display_name if actor is not None else ""),
        "actor_account": getattr(actor, "username", ""),
        "actor_org": codes.org(event.actor_org_id), "target_org": codes.org(event.target_org_id),
        "target_user": meta.get("target_user") or (event.target_user.display_name if event.target_user_id else ""),
        "target_user_org": codes.org(event.target_user.organization_id) if event.target_user_id else None,
        "note": event.note, "deadline": event.deadline.isoformat() if event.deadline else None,
        "created_at": event.created_at.isoformat(), "data": _data(event.data),
    }


def case_state(case, codes):
    """What the step left: the case's status and each assignment's (checked after the step is
    taken again on the other side)."""
    assignments = list(Assignment.objects.filter(case_id=case.pk).order_by("id").values("id", "org_id", "status"))
    keys = keys_of("assignment", [a["id"] for a in assignments])
    return {"status": case.status,
            "assignments": [{"key": keys[a["id"]], "org": codes.org(a["org_id"]), "status": a["status"]}
                            for a in assignments]}


def _new_assignments(event, codes):
    """The assignments the step of ``event`` created: one per target, under the parent it names."""
    targets = (event.data or {}).get("targets") or []
    parent = (event.data or {}).get("parent")
    out = []
    for target in targets:
        a = (Assignment.objects.filter(case_id=event.case_id, parent_id=parent, org__code=target.get("org"))
             .order_by("-id").values("id", "org_id").first())
        if a is not None:
            out.append({"key": key_of("assignment", a["id"]), "org": codes.org(a["org_id"]),
                        "parent": key_of("assignment", parent)})
    return out


def event_payload(event, key, codes):
    """The queued form of a trail entry: the entry, the keys of the rows it concerns or made
    (``refs``), the state it left (``state``) and the rows its replay needs (``rows``:
    ``instance_rows.event_rows``). Files and the other apps' rows are added when the package is
    written (``item_row``): they are stored after the entry."""
    payload = event_row(event, key, codes)
    data = event.data or {}
    refs = {}
    for name, kind in DATA_REFS.items():
        if data.get(name) is not None:
            refs[name] = key_of(kind, data[name]) if isinstance(data[name], int) else data[name]
    if isinstance(data.get("extension"), int):
        ext = ExtensionRequest.objects.filter(pk=data["extension"]).values("assignment_id").first()
        if ext is not None:
            refs["extension_assignment"] = key_of("assignment", ext["assignment_id"])
    if event.action in ASSIGNING:
        refs["new_assignments"] = _new_assignments(event, codes)
    if event.action == "supervise":
        latest = Supervision.objects.filter(case_id=event.case_id).order_by("-id").values_list("id", flat=True).first()
        refs["supervision"] = key_of("supervision", latest)
    payload["refs"] = refs
    payload["state"] = case_state(event.case, codes)
    payload["rows"] = event_rows(event, codes, key_of)
    return payload


def snapshot_payload(case, codes):
    """The first copy of a case for a peer, as it stands now (after the step that linked it), its
    hearings and mediations included.
    Petitioners and file contents are added when the package is written (personal data is not
    kept in the outbox; ``item_row``)."""
    row = row_dump(case, codes)
    row["first_case"] = case.first_case.number if case.first_case_id else None
    assignments = list(Assignment.objects.filter(case_id=case.pk).order_by("id"))
    akeys = keys_of("assignment", [a.pk for a in assignments])
    extensions = list(ExtensionRequest.objects.filter(assignment__case_id=case.pk).order_by("id"))
    supervisions = list(Supervision.objects.filter(case_id=case.pk).order_by("id"))
    reviews = list(ReviewRequest.objects.filter(case_id=case.pk).order_by("id"))
    events = list(CaseEvent.objects.filter(case_id=case.pk).select_related("actor", "target_user")
                  .order_by("created_at", "id"))
    ekeys = keys_of("event", [e.pk for e in events])
    skeys = keys_of("supervision", [s.pk for s in supervisions])
    rkeys = keys_of("review", [r.pk for r in reviews])
    xkeys = keys_of("extension", [x.pk for x in extensions])
    attachments = list(Attachment.objects.filter(case_id=case.pk).order_by("id"))
    hearings = list(Hearing.objects.filter(case_id=case.pk).order_by("id"))
    hkeys = keys_of("hearing", [h.pk for h in hearings])
    mediations = list(Mediation.objects.filter(case_id=case.pk).order_by("id"))
    mkeys = keys_of("mediation", [m.pk for m in mediations])
    return {
        "case": row,
        "abnormal_behaviors": sorted(codes.entry(pk) for pk in case.abnormal_behaviors.values_list("pk", flat=True)),
        "assignments": [{"key": akeys[a.pk], "parent": akeys.get(a.parent_id), **row_dump(a, codes)}
                        for a in assignments],
        "extensions": [{"key": xkeys[x.pk], "assignment": akeys.get(x.assignment_id), **row_dump(x, codes)}
                       for x in extensions],
        "supervisions": [{"key": skeys[s.pk], **row_dump(s, codes)} for s in supervisions],
        "reviews": [{"key": rkeys[r.pk], **row_dump(r, codes)} for r in reviews],
        "evaluations": [row_dump(v, codes) for v in Evaluation.objects.filter(case_id=case.pk).order_by("id")],
        "hearings": [{"key": hkeys[h.pk], "review": rkeys.get(h.review_id), **row_dump(h, codes)} for h in hearings],
        "mediations": [{"key": mkeys[m.pk], **row_dump(m, codes)} for m in mediations],
        "events": [event_row(e, ekeys[e.pk], codes) for e in events],
        "attachments": [{"sha256": a.sha256, "name": a.original_name, "content_type": a.content_type, "size": a.size,
                         "event": ekeys.get(a.event_id), "created_at": a.created_at.isoformat()}
                        for a in attachments],
    }


# ---------------------------------------------------------------- the hook

def _guard(event, own, peers):
    """On a shared case, a person acts only in the instance that serves his organization."""
    actor = event.actor
    if actor is None or is_exchange_account(actor) or event.actor_org_id is None:
        return
    org = event.actor_org
    peer = serving_peer(org, peers, own)
    if peer is not None:
        raise ServiceError(_("该信访件由%(org)s在%(instance)s的系统中办理，本系统不能代为操作。") % {
            "org": org.name, "instance": peer.org.name}, code="other_instance")


def _enqueue(peer, case, kind, key, payload, event=None):
    PeerOutboxItem.objects.create(peer=peer, case=case, event=event, kind=kind, key=key, payload=payload,
                              created_at=clock.now())


def _link_new(case, peers, shares, codes, exclude=None, event=None):
    """Link ``case`` to every lower peer into whose subtree it has now been handed, queueing its
    copy (with ``event``, the step that linked it: its files are stored after it and join the copy
    when the package is written); return the new shares."""
    linked = {s.peer_id for s in shares}
    lower = [p for p in peers if p.direction == PeerDirection.LOWER and p.pk not in linked and p != exclude]
    if not lower:
        return []
    paths = set(Assignment.objects.filter(case_id=case.pk).values_list("org_path", flat=True))
    new = []
    for peer in lower:
        if any(path.startswith(peer.org.path) for path in paths):
            new.append(SharedCase.objects.create(case=case, peer=peer, linked_at=clock.now()))
            _enqueue(peer, case, PeerOutboxItem.KIND_CASE, key_of("case", case.pk), snapshot_payload(case, codes),
                     event=event)
    return new


def outbox_on_event(event):
    """Queue what ``event`` owes the other instances (see the module docstring). Called inside the
    step's transaction; raises ``ServiceError`` when the step belongs to another instance."""
    if _inbound.get() is not None:
        return  # taken again here: the applier queues it for the other peers (``relay``)
    peers = active_peers()
    if not peers:
        return
    case = event.case
    shares = list(SharedCase.objects.filter(case_id=case.pk).select_related("peer__org"))
    active_shares = [s for s in shares if s.peer.is_active]
    if active_shares:
        _guard(event, self_org(), peers)
    codes = Codes()
    _link_new(case, peers, shares, codes, event=event)
    if event.actor_id is None or event.action in LOCAL_ACTIONS or not active_shares:
        return
    key = key_of("event", event.pk)
    payload = event_payload(event, key, codes)
    for share in active_shares:
        _enqueue(share.peer, case, PeerOutboxItem.KIND_EVENT, key, payload, event=event)


def relay(event, key, source):
    """After an entry from ``source`` was applied here as ``event``: link the case to lower peers
    it has now reached, and queue the entry for the other peers sharing the case (a county between
    the prefecture and a township that runs its own instance passes the steps on both ways)."""
    peers = active_peers()
    shares = list(SharedCase.objects.filter(case_id=event.case_id).select_related("peer__org"))
    codes = Codes()
    _link_new(event.case, peers, shares, codes, exclude=source, event=event)
    others = [s for s in shares if s.peer.is_active and s.peer_id != source.pk]
    if not others:
        return
    payload = event_payload(event, key, codes)
    for share in others:
        _enqueue(share.peer, event.case, PeerOutboxItem.KIND_EVENT, key, payload, event=event)


# ---------------------------------------------------------------- writing a package

def _attachment_meta(a, event_key):
    return {"sha256": a.sha256, "name": a.original_name, "content_type": a.content_type, "size": a.size,
            "event": event_key, "created_at": a.created_at.isoformat()}


def item_row(item, codes):
    """The row of one ``PeerOutboxItem`` as it travels and the files it needs (``{sha256: path}``).
    Adds what was not fixed when the item was queued: the petitioners of a copy, the files of an
    entry (stored after it: for a copy, those of the step that linked the case) and the other apps'
    rows (documents)."""
    payload = dict(item.payload)
    payload["type"], payload["item"] = item.kind, item.key
    case = item.case
    payload["case_number"] = case.number
    files = {}
    if item.kind == PeerOutboxItem.KIND_CASE:
        payload["petitioners"] = [row_dump(p, codes) for p in case.petitioners.order_by("position", "id")]
        stored = dict(Attachment.objects.filter(case_id=case.pk).values_list("sha256", "stored_name"))
        payload["attachments"] = list(payload.get("attachments") or [])
        if item.event_id is not None:
            # The files uploaded with the linking step (交办 with its materials) were stored after the copy
            # was queued: they travel with it, under the step's key.
            listed = {a["sha256"] for a in payload["attachments"]}
            event_key = key_of("event", item.event_id)
            for a in Attachment.objects.filter(event_id=item.event_id).order_by("id"):
                if a.sha256 not in listed:
                    payload["attachments"].append(_attachment_meta(a, event_key))
                    listed.add(a.sha256)
        for a in payload["attachments"]:
            files[a["sha256"]] = storage_path(stored[a["sha256"]])
        extras = []
        for e in payload["events"]:
            handler = handler_for(e["action"])
            local = resolve("event", e["key"])
            if handler is None or local is None:
                continue
            exported = handler.export(CaseEvent.objects.get(pk=local), key_of)
            if exported is not None:
                extra, extra_files = exported
                extras.append({"event": e["key"], "action": e["action"], **extra})
                files.update(extra_files)
        payload["extras"] = extras
    else:
        event = item.event
        payload["attachments"] = []
        for a in Attachment.objects.filter(event_id=event.pk).order_by("id"):
            payload["attachments"].append(_attachment_meta(a, item.key))
            files[a.sha256] = storage_path(a.stored_name)
        # A correction's identity number, phone and address, in clear (instance_rows.correction_complete).
        payload["rows"] = correction_complete(payload.get("rows"), payload.get("data"))
        handler = handler_for(event.action)
        payload["extra"] = None
        if handler is not None:
            exported = handler.export(event, key_of)
            if exported is not None:
                payload["extra"], extra_files = exported
                files.update(extra_files)
    return payload, files
