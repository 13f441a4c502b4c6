"""What the intranet sends to the internet-side portal (docs/architecture.md §7.2): the public sheet
of every case whose sheet changed, sealed under its query code; the documents issued to petitioners;
the published replies; the outcome of each request the portal sent; and the lists of its forms.

Which cases: every case whose trail grew since the last run (one set-based pass over ``CaseEvent``
above ``PortalLink.event_watermark``: every change of state, an evaluation, a published reply, a
document issued writes an event), every case whose sheet offers an action that closes by the calendar
(``recheck_on``: the next day), and whatever a package carried that the portal has not confirmed
within PORTAL_TRANSFER_RESEND_MINUTES (``requeue``). The first run therefore sends every case, in
packages of PORTAL_TRANSFER_BATCH cases. A case is sent only when its sheet's fingerprint changed.

Only what the public may see: the sheet of ``portal.selectors.case_sheet`` (dates, a public state, the
answer, 复查/复核 decisions, the handover dates, the documents addressed to the petitioner, the receiving
bureau and the handling unit's name; never internal opinions, handler names or the petitioner's data),
sealed with AES-256-GCM under a key derived from the query code (``portal.sealing``); published replies
(public by definition, never of a confidential case) in clear. The query code itself never leaves.
"""
import base64
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation

from accounts.audit import audit_record
from documents.models import CaseDocument
from documents.services import document_open
from petitions import clock
from petitions.models import Case, CaseEvent, DictEntry, DictKind, Satisfaction
from petitions.lib.package import private_key_load
from portal import sealing, wire
from portal.intranet.models import (
    PackageDirection, PackageStatus, PortalDocumentSent, PortalItem, PortalLink, PortalMirrorState, PortalPackage,
)
from portal.public import sheet_dump
from portal.selectors import case_sheet, portal_bureaus

logger = logging.getLogger(__name__)
CHUNK = 5000


def link_get(*, lock=False):
    """The one ``PortalLink`` row (created on first use); locked with ``lock`` (serialises writers)."""
    PortalLink.objects.get_or_create(pk=1)
    qs = PortalLink.objects.select_for_update() if lock else PortalLink.objects
    return qs.get(pk=1)


# --- which cases ------------------------------------------------------------------------------------

def mark_dirty(*, today=None):
    """Flag the cases whose sheet may have changed: trail events above the watermark (states created
    for cases the portal has never had), and windows that close by the calendar. Returns the number
    of new states."""
    today = today or clock.today()
    created = 0
    with transaction.atomic():
        link = link_get(lock=True)
        top = CaseEvent.objects.aggregate(top=Max("id"))["top"] or 0
        if top > link.event_watermark:
            changed = CaseEvent.objects.filter(id__gt=link.event_watermark, id__lte=top).values("case_id")
            PortalMirrorState.objects.filter(case_id__in=changed, dirty=False).update(dirty=True)
            missing = (Case.objects.filter(pk__in=changed).exclude(pk__in=PortalMirrorState.objects.values("case_id"))
                       .order_by("pk").values_list("pk", flat=True))
            batch = []
            for pk in missing.iterator(chunk_size=CHUNK):
                batch.append(PortalMirrorState(case_id=pk, dirty=True))
                if len(batch) >= CHUNK:
                    created += len(PortalMirrorState.objects.bulk_create(batch))
                    batch = []
            created += len(PortalMirrorState.objects.bulk_create(batch))
            link.event_watermark = top
        PortalMirrorState.objects.filter(recheck_on__lte=today).update(dirty=True, recheck_on=None)
        link.updated_at = timezone.now()
        link.save()
    return created


def requeue(*, now=None):
    """What packages the portal has not confirmed within PORTAL_TRANSFER_RESEND_MINUTES carried goes
    again: their cases (with their documents) become dirty, their answers unsent. Returns the
    sequence numbers re-queued."""
    now = now or clock.now()
    limit = now - timedelta(minutes=settings.PORTAL_TRANSFER_RESEND_MINUTES)
    done = []
    with transaction.atomic():
        link = link_get(lock=True)
        stale = PortalPackage.objects.filter(direction=PackageDirection.OUT, status=PackageStatus.WRITTEN,
                                             acked_at__isnull=True, requeued=False, created_at__lt=limit)
        for package in stale.order_by("seq"):
            seq = package.seq
            documents = PortalDocumentSent.objects.filter(sent_seq=seq)
            cases_of_documents = CaseDocument.objects.filter(pk__in=documents.values("document_id")).values("case_id")
            PortalMirrorState.objects.filter(case_id__in=cases_of_documents).update(dirty=True, fingerprint="")
            PortalMirrorState.objects.filter(sent_seq=seq).update(dirty=True, fingerprint="")
            documents.delete()
            PortalItem.objects.filter(ack_seq=seq).update(ack_seq=None)
            if link.reference_seq == seq:
                link.reference_fingerprint = ""
            package.requeued = True
            package.save(update_fields=["requeued"])
            done.append(seq)
        link.save()
    return done


def _code_digest(code):
    return hashlib.sha256(code.encode()).hexdigest()


def keys_prepare(state_ids):
    """Derive the sealing key of the given states that have none, or whose query code changed since
    (scrypt, slow on purpose: each state is saved at once, so an interrupted first run keeps what it
    derived). A new key makes the portal's copies of the case's documents useless: they go again."""
    kdf = sealing.kdf_params()
    states = PortalMirrorState.objects.filter(pk__in=state_ids).select_related("case").only(
        "id", "key", "code_digest", "kdf", "case__id", "case__query_code")
    for state in states:
        digest = _code_digest(state.case.query_code)
        if state.key is not None and state.code_digest == digest and sealing.kdf_valid(state.kdf):
            continue
        salt = sealing.new_salt()
        key = sealing.code_key(state.case.query_code, salt=salt, kdf=kdf)
        with transaction.atomic():
            PortalMirrorState.objects.filter(pk=state.pk).update(salt=salt, key=key, kdf=kdf, code_digest=digest,
                                                                 fingerprint="")
            PortalDocumentSent.objects.filter(document__case_id=state.case_id).delete()


# --- what goes -------------------------------------------------------------------------------------

def reference_rows():
    """The lists of the portal's forms: the bureaus a citizen may write to, 信访目的, 所属问题 (depth
    first, "一级 / 二级") and the values of an evaluation (message ids)."""
    rows = [{"kind": "bureau", "code": org.code, "label": org.name, "position": i}
            for i, org in enumerate(portal_bureaus())]
    purposes = DictEntry.objects.filter(kind=DictKind.PURPOSE, is_active=True).order_by("sort_order", "code")
    rows += [{"kind": "purpose", "code": e.code, "label": e.name, "position": i} for i, e in enumerate(purposes)]
    problems = [e for e in DictEntry.objects.filter(kind=DictKind.PROBLEM, is_active=True).select_related("parent")]
    top = {e.pk: (e.sort_order, e.code) for e in problems if e.parent_id is None}
    problems.sort(key=lambda e: (*top.get(e.parent_id or e.pk, (0, "")), e.parent_id is not None, e.sort_order, e.code))
    rows += [{"kind": "problem", "code": e.code, "label": e.label_with_parent, "position": i}
             for i, e in enumerate(problems)]
    with translation.override(None):
        rows += [{"kind": "satisfaction", "code": value, "label": str(label), "position": i}
                 for i, (value, label) in enumerate(Satisfaction.choices)]
    return rows


def _reply(case):
    if case.public_reply_at is None or case.is_confidential or not case.public_reply:
        return None
    return {"published_at": case.public_reply_at.isoformat(), "bureau": case.registered_org.name,
            "problem": case.problem.name if case.problem_id else "", "text": case.public_reply}


def _b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def _fingerprint(state, sheet, reply):
    return hashlib.sha256(sealing.canonical({"sheet": sheet, "reply": reply, "salt": bytes(state.salt).hex(),
                                             "kdf": state.kdf})).hexdigest()


def _documents(state, number, sheet, seq, blobs):
    """Rows and sealed blobs of the case's documents the portal does not have yet."""
    ids = [d["id"] for d in sheet["documents"]]
    sent = set(PortalDocumentSent.objects.filter(document_id__in=ids).values_list("document_id", flat=True))
    rows, new = [], []
    for document in CaseDocument.objects.filter(pk__in=[i for i in ids if i not in sent]):
        try:
            with document_open(document) as handle:
                content = handle.read()
        except FileNotFoundError:
            logger.error("portal export: the file of document %s (case %s) is missing", document.pk, number)
            continue
        blob = sealing.seal(state.key, content, aad=sealing.document_aad(number, document.pk))
        sha = hashlib.sha256(blob).hexdigest()
        blobs[sha] = blob
        rows.append({"number": number, "document": document.pk, "blob": sha})
        new.append(PortalDocumentSent(document_id=document.pk, sent_seq=seq))
    return rows, new


def _next_seq():
    last = PortalPackage.objects.filter(direction=PackageDirection.OUT).aggregate(top=Max("seq"))["top"]
    return (last or 0) + 1


def _peer_ack():
    """What this side has received from the portal, for the manifest (``wire`` ack)."""
    seqs = set(PortalPackage.objects.filter(direction=PackageDirection.IN,
                                            status__in=(PackageStatus.APPLIED, PackageStatus.DUPLICATE))
               .values_list("seq", flat=True))
    through = 0
    while through + 1 in seqs:
        through += 1
    return {"through": through, "also": sorted(s for s in seqs if s > through)[:1000]}


def package_write_next(*, now=None, directory=None):
    """Write the next package for the portal, if there is anything to send; return its
    ``PortalPackage`` or None.

    At most PORTAL_TRANSFER_BATCH dirty cases (lowest ids first), the answers not yet sent and the
    lists of the forms when they changed. The states are locked and read again inside the
    transaction; the file is written into the outbound directory (atomically, ``portal.wire``)
    before the transaction commits, so a package either exists and is recorded, or a failure leaves
    no record and the next run sends the same again (the portal applies a sheet only if newer)."""
    now = now or clock.now()
    directory = directory or settings.PORTAL_TRANSFER_OUTBOX
    batch = list(PortalMirrorState.objects.filter(dirty=True).order_by("case_id")
                 .values_list("pk", flat=True)[:settings.PORTAL_TRANSFER_BATCH])
    keys_prepare(batch)
    today = timezone.localdate(now)
    with transaction.atomic():
        link = link_get(lock=True)
        seq = _next_seq()
        states = list(PortalMirrorState.objects.select_for_update(of=("self",)).filter(pk__in=batch, dirty=True)
                      .select_related("case__registered_org", "case__problem").order_by("case_id"))
        case_rows, document_rows, blobs, sent_documents = [], [], {}, []
        for state in states:
            case = state.case
            with translation.override(None):  # labels as message ids (portal/public.py)
                found = case_sheet(case.pk)
                sheet = sheet_dump(found)
            reply = _reply(case)
            fingerprint = _fingerprint(state, sheet, reply)
            rows, new = _documents(state, case.number, sheet, seq, blobs)
            state.dirty = False
            state.recheck_on = today + timedelta(days=1) if (found.case.can_evaluate or found.case.review_open) else None
            if fingerprint != state.fingerprint or rows:
                case_rows.append({"number": case.number, "salt": _b64(state.salt), "kdf": state.kdf,
                                  "sealed": _b64(sealing.seal_json(state.key, sheet,
                                                                   aad=sealing.case_aad(case.number))),
                                  "reply": reply})
                document_rows += rows
                sent_documents += new
                state.fingerprint, state.sent_seq = fingerprint, seq
        answers = list(PortalItem.objects.select_for_update().filter(ack_seq__isnull=True).order_by("id"))
        ack_rows = [{"uid": item.uid, "outcome": item.outcome, "code": item.code, "message": item.message,
                     "receipt": _b64(item.sealed_receipt) if item.sealed_receipt else None} for item in answers]
        reference = reference_rows()
        reference_fingerprint = hashlib.sha256(sealing.canonical(reference)).hexdigest()
        if reference_fingerprint == link.reference_fingerprint:
            reference = []
        PortalMirrorState.objects.bulk_update(states, ["dirty", "recheck_on", "fingerprint", "sent_seq"])
        if not (case_rows or document_rows or ack_rows or reference):
            return None
        PortalDocumentSent.objects.bulk_create(sent_documents)
        PortalItem.objects.filter(pk__in=[item.pk for item in answers]).update(ack_seq=seq)
        if reference:
            link.reference_fingerprint, link.reference_seq = reference_fingerprint, seq
        link.updated_at = now
        link.save()
        counts = {"cases": len(case_rows), "documents": len(document_rows), "answers": len(ack_rows),
                  "reference": len(reference)}
        path = wire.package_write(directory, sender=wire.INTRANET, seq=seq,
                                  private_key=private_key_load(settings.PORTAL_TRANSFER_KEY_PATH), created_at=now,
                                  ack=_peer_ack(),
                                  rows={wire.CASES: case_rows, wire.DOCUMENTS: document_rows, wire.ACKS: ack_rows,
                                        wire.REFERENCE: reference}, blobs=blobs)
        package = PortalPackage.objects.create(direction=PackageDirection.OUT, seq=seq, name=path.name,
                                               sha256=wire.file_sha256(path), status=PackageStatus.WRITTEN,
                                               counts=counts, created_at=now)
        audit_record(action="portal.export", summary=path.name, data={"seq": seq, **counts})
    return package


def export(*, now=None, directory=None, max_packages=None):
    """One run of the intranet's sending side: mark what changed, re-queue what was not confirmed,
    then write packages until nothing is left (or ``max_packages``). Returns the packages written."""
    now = now or clock.now()
    mark_dirty(today=timezone.localdate(now))
    requeue(now=now)
    written = []
    while max_packages is None or len(written) < max_packages:
        package = package_write_next(now=now, directory=directory)
        if package is None:
            if not PortalMirrorState.objects.filter(dirty=True).exists():
                break
            continue
        written.append(package)
    return written
