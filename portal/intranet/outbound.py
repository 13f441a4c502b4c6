"""What the intranet sends to the internet-side portal (docs/architecture.md §7.2): the public sheet
of every case whose sheet changed, sealed under its query code; the documents issued to petitioners;
the published replies; the outcome of each request the portal sent; and the lists of its forms.

Which cases: every case whose trail grew since the last run (one set-based pass over ``CaseEvent``
above ``PortalLink.event_watermark``: every change of state, an evaluation, a published reply, a
document issued writes an event), every case whose sheet offers an action that closes by the calendar
(``recheck_on``: the next day), and whatever a package carried that the portal has not confirmed
within PORTAL_TRANSFER_RESEND_MINUTES (``requeue``) or reports refused on the way (``peer_answer``).
The first run therefore sends every case, in packages of PORTAL_TRANSFER_BATCH cases. A case is sent
only when its sheet's fingerprint changed or a document is new; each sheet carries its version
(``event_mark``: the case's last trail event) so that the portal never replaces it with an older one.

Every package is sized (``wire.Budget``): the lists, the answers, then the cases with their new
documents, as many as fit PORTAL_TRANSFER_MAX_BYTES and the 1 MiB manifest; a case whose documents do
not all fit stays dirty and the next package carries it again with the rest. What cannot fit even an
empty package (a document over the limit, in practice) is withheld: logged, one failed
``portal.export_withheld`` audit row naming it, and not tried again, so it never blocks the queue.

Only what the public may see: the sheet of ``portal.selectors.case_sheet`` (dates, a public state, the
answer, 复查/复核 decisions, the handover dates, the documents addressed to the petitioner, the receiving
bureau and the handling unit's name; never internal opinions, handler names or the petitioner's data),
sealed with AES-256-GCM under a key derived from the query code (``portal.sealing``); published replies
(public by definition, never of a confidential case) in clear. The query code itself never leaves.
"""
import base64
import hashlib
import logging
import os
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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


def _requeue(package, link):
    """What ``package`` carried goes again: its cases (with their documents) become dirty with their
    fingerprints cleared, its documents and answers unsent, its lists due."""
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
            _requeue(package, link)
            done.append(package.seq)
        link.save()
    return done


def requeue_refused():
    """``intranet_transfer --requeue-refused``: what every package the portal refused for its content
    carried (not sent again by itself, ``peer_answer``) goes again, once the cause is fixed (e.g. the two
    sides' PORTAL_TRANSFER_MAX_BYTES made equal). Returns the sequence numbers re-queued."""
    with transaction.atomic():
        link = link_get(lock=True)
        packages = list(PortalPackage.objects.filter(direction=PackageDirection.OUT, status=PackageStatus.REFUSED,
                                                     requeued=False).order_by("seq"))
        for package in packages:
            _requeue(package, link)
        link.save()
        if packages:
            audit_record(action="portal.requeue", summary=", ".join(p.name for p in packages)[:500],
                         data={"seqs": [p.seq for p in packages]})
    return [p.seq for p in packages]


# --- what the portal says of our packages ----------------------------------------------------------

def peer_answer(ack, *, now):
    """The portal's ``ack`` (from one of its packages, inside the import's transaction): the packages
    it names as received are confirmed (``acked_at``); each it names as refused is marked with its code
    and reason, logged and audited (``portal.export_refused``, failed), and is no longer waited for.
    What a refused package carried goes again at once when it was damaged or unverifiable on the way
    (``wire.TRANSIT_CODES``); refused for its content it would be refused again, so it waits for
    ``requeue_refused``. Returns the packages newly reported refused."""
    parsed = wire.ack_parse(ack)
    through, ranges, refused = parsed
    link = link_get(lock=True)
    written = PortalPackage.objects.filter(direction=PackageDirection.OUT, status=PackageStatus.WRITTEN)
    newly = []
    for entry in refused:
        package = written.filter(seq=entry["seq"]).first()
        if package is None:
            continue  # known already, or not one of ours
        package.status, package.code, package.reason, package.acked_at = (
            PackageStatus.REFUSED, entry["code"], entry["reason"], now)
        package.save(update_fields=["status", "code", "reason", "acked_at"])
        again = entry["code"] in wire.TRANSIT_CODES and not package.requeued
        if again:
            _requeue(package, link)
        logger.error("portal transfer: the portal refused %s (%s): %s; %s", package.name, entry["code"],
                     entry["reason"], "what it carried goes again" if again else "not sent again by itself")
        audit_record(action="portal.export_refused", summary=package.name, succeeded=False,
                     data={"seq": package.seq, "code": entry["code"], "reason": entry["reason"],
                           "requeued": again})
        newly.append(package)
    confirmed = [pk for pk, seq in written.filter(acked_at__isnull=True).values_list("pk", "seq")
                 if wire.ack_confirms(parsed, seq)]
    PortalPackage.objects.filter(pk__in=confirmed).update(acked_at=now)
    if through >= link.peer_through:
        link.peer_through, link.peer_also = through, [list(r) for r in ranges]
    link.save()
    return newly


def refused_by_peer():
    """The ids of the packages the portal reported refused: the command compares them before and after
    a run to report the ones new in it."""
    return set(PortalPackage.objects.filter(direction=PackageDirection.OUT, status=PackageStatus.REFUSED)
               .values_list("pk", flat=True))


def packages_by_id(ids):
    return list(PortalPackage.objects.filter(pk__in=ids).order_by("seq"))


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


def _next_seq():
    last = PortalPackage.objects.filter(direction=PackageDirection.OUT).aggregate(top=Max("seq"))["top"]
    return (last or 0) + 1


def _peer_ack():
    """What this side has received from the portal, for the manifest (``wire.ack_build``)."""
    inbound = PortalPackage.objects.filter(direction=PackageDirection.IN)
    taken = inbound.filter(status__in=(PackageStatus.APPLIED, PackageStatus.DUPLICATE))
    settled = taken.aggregate(top=Max("settled"))["top"] or 0
    refused = (inbound.filter(status=PackageStatus.REFUSED, seq__gt=settled).order_by("-seq", "-id")
               .values_list("seq", "code", "reason")[:wire.MAX_ACK_REFUSED * 10])
    return wire.ack_build(settled=settled, received=taken.filter(seq__gt=settled).values_list("seq", flat=True),
                          refused=refused)


def settled_through():
    """Up to which number the portal need not name this side's packages any more: each is confirmed,
    refused or re-queued (what it carried went again under a later number)."""
    written = PortalPackage.objects.filter(direction=PackageDirection.OUT)
    waiting = (written.filter(status=PackageStatus.WRITTEN, acked_at__isnull=True, requeued=False)
               .aggregate(low=Min("seq"))["low"])
    if waiting is not None:
        return waiting - 1
    return written.aggregate(top=Max("seq"))["top"] or 0


def _refusals_to_tell():
    """Whether a package of the portal was refused here since this side last wrote one: the portal
    learns it at once (a package with nothing but the ``ack``), not with the next case that changes.
    Only refusals make such a package: one for every package received would answer the portal's
    confirmations with confirmations, back and forth."""
    last = (PortalPackage.objects.filter(direction=PackageDirection.OUT).order_by("-pk")
            .values_list("pk", flat=True).first())
    return PortalPackage.objects.filter(direction=PackageDirection.IN, status=PackageStatus.REFUSED,
                                        pk__gt=last or 0).exists()


def _withhold(reported, withheld, *, summary, what, **data):
    """An item that cannot fit even an empty package: logged, audited (failed
    ``portal.export_withheld``) and named in the command's report; the caller marks it so that it is
    not tried again."""
    logger.error("portal transfer: %s withheld: %s", summary, what)
    reported.append((summary, what, data))
    if withheld is not None:
        withheld.append(f"{summary}: {what}")


def _pending_documents(sheet):
    """The case's documents listed on its sheet that the portal does not have yet (nor were withheld)."""
    ids = [d["id"] for d in sheet["documents"]]
    sent = set(PortalDocumentSent.objects.filter(document_id__in=ids).values_list("document_id", flat=True))
    return list(CaseDocument.objects.filter(pk__in=[i for i in ids if i not in sent]).order_by("pk"))


def package_write_next(*, now=None, directory=None, withheld=None):
    """Write the next package for the portal, if there is anything to send; return its
    ``PortalPackage`` or None.

    The lists of the forms when they changed, the answers not yet sent, then the dirty cases (lowest
    ids first, at most PORTAL_TRANSFER_BATCH) with their new documents, as many as the package's limits
    take (``wire.Budget``). The states are locked and read again inside the transaction; the file is
    written into the outbound directory (atomically, ``portal.wire``) before the transaction commits,
    so a package either exists and is recorded, or a failure leaves no record and the next run sends
    the same again (the portal applies a sheet only if newer). What is withheld (too large for any
    package) is described in ``withheld`` when a list is given."""
    now = now or clock.now()
    directory = directory or settings.PORTAL_TRANSFER_OUTBOX
    batch = list(PortalMirrorState.objects.filter(dirty=True).order_by("case_id")
                 .values_list("pk", flat=True)[:settings.PORTAL_TRANSFER_BATCH])
    keys_prepare(batch)
    today = timezone.localdate(now)
    with transaction.atomic():
        link = link_get(lock=True)
        seq = _next_seq()
        ack, settled = _peer_ack(), settled_through()
        budget = wire.Budget(sender=wire.INTRANET, ack=ack, settled=settled, created_at=now)
        reported = []

        # The lists of the forms, when they changed: the forms need them first.
        reference = reference_rows()
        reference_fingerprint = hashlib.sha256(sealing.canonical(reference)).hexdigest()
        if reference_fingerprint == link.reference_fingerprint:
            reference = []
        elif not budget.take(rows={wire.REFERENCE: sum(wire.row_bytes(r) for r in reference)}):
            _withhold(reported, withheld, summary=_("网上信访表单选项"), what=_("超过数据包大小上限"),
                      rows=len(reference))
            link.reference_fingerprint, reference = reference_fingerprint, []  # not tried again until they change
        else:
            link.reference_fingerprint, link.reference_seq = reference_fingerprint, seq

        # The answers to the portal's requests.
        ack_rows, answered, answers_withheld = [], [], []
        for item in PortalItem.objects.select_for_update().filter(ack_seq__isnull=True).order_by("id"):
            row = {"uid": item.uid, "outcome": item.outcome, "code": item.code, "message": item.message[:2000],
                   "receipt": _b64(item.sealed_receipt) if item.sealed_receipt else None}
            size = {wire.ACKS: wire.row_bytes(row)}
            if budget.take(rows=size):
                ack_rows.append(row)
                answered.append(item.pk)
            elif budget.fits_alone(rows=size):
                break  # the package is full: the rest go in the next one
            else:
                answers_withheld.append(item.pk)
                _withhold(reported, withheld, summary=_("请求 %(uid)s 的办理结果") % {"uid": item.uid},
                          what=_("超过数据包大小上限"), uid=item.uid)

        # The cases, each with its documents the portal does not have yet.
        states = list(PortalMirrorState.objects.select_for_update(of=("self",)).filter(pk__in=batch, dirty=True)
                      .select_related("case__registered_org", "case__problem").order_by("case_id"))
        marks = dict(CaseEvent.objects.filter(case_id__in=[s.case_id for s in states]).values("case_id")
                     .annotate(top=Max("id")).values_list("case_id", "top"))
        case_rows, document_rows, blobs, sent_documents, touched = [], [], {}, [], []
        for state in states:
            case = state.case
            with translation.override(None):  # labels as message ids (portal/public.py)
                found = case_sheet(case.pk)
                sheet = sheet_dump(found)
            reply = _reply(case)
            fingerprint = _fingerprint(state, sheet, reply)
            recheck_on = today + timedelta(days=1) if (found.case.can_evaluate or found.case.review_open) else None
            pending = _pending_documents(sheet)
            if fingerprint == state.fingerprint and not pending:
                state.dirty, state.recheck_on = False, recheck_on
                touched.append(state)
                continue
            mark = marks.get(case.pk, 0)
            case_row = {"number": case.number, "salt": _b64(state.salt), "kdf": state.kdf, "event_mark": mark,
                        "sealed": _b64(sealing.seal_json(state.key, sheet, aad=sealing.case_aad(case.number))),
                        "reply": reply}
            case_size = wire.row_bytes(case_row)
            if not budget.fits_alone(rows={wire.CASES: case_size}):
                _withhold(reported, withheld, summary=_("信访件 %(number)s 的公开信息") % {"number": case.number},
                          what=_("超过数据包大小上限"), number=case.number, bytes=case_size)
                # Not tried again until the sheet changes.
                state.dirty, state.recheck_on, state.fingerprint = False, recheck_on, fingerprint
                touched.append(state)
                continue
            if not budget.take(rows={wire.CASES: case_size}):
                break  # the package is full: this case and the rest stay dirty for the next one
            rows, complete = [], True
            for document in pending:
                try:
                    handle = document_open(document)
                except FileNotFoundError:
                    logger.error("portal export: the file of document %s (case %s) is missing", document.pk,
                                 case.number)
                    continue
                with handle:
                    blob_size = os.fstat(handle.fileno()).st_size + sealing.SEAL_OVERHEAD
                    row = {"number": case.number, "document": document.pk, "blob": "0" * 64}
                    size = {wire.DOCUMENTS: wire.row_bytes(row)}
                    if not budget.fits_alone(rows={wire.CASES: case_size, **size}, blob_sizes=(blob_size,)):
                        _withhold(reported, withheld,
                                  summary=_("信访件 %(number)s 的文书 %(document)s（%(title)s）") % {
                                      "number": case.number, "document": document.number, "title": document.title},
                                  what=_("%(size)d 字节，超过可传送的上限 %(limit)d 字节") % {
                                      "size": blob_size, "limit": min(wire.blob_limit(), budget.max_bytes)},
                                  number=case.number, document=document.pk, bytes=blob_size)
                        sent_documents.append(PortalDocumentSent(document_id=document.pk,
                                                                 sent_seq=PortalDocumentSent.WITHHELD))
                        continue
                    if not budget.take(rows=size, blob_sizes=(blob_size,)):
                        complete = False  # the rest go with the case in the next package
                        break
                    content = handle.read()
                blob = sealing.seal(state.key, content, aad=sealing.document_aad(case.number, document.pk))
                sha = hashlib.sha256(blob).hexdigest()
                blobs[sha] = blob
                rows.append({"number": case.number, "document": document.pk, "blob": sha})
                sent_documents.append(PortalDocumentSent(document_id=document.pk, sent_seq=seq))
            state.dirty, state.recheck_on = not complete, recheck_on
            touched.append(state)
            if rows or fingerprint != state.fingerprint:  # else only missing files: nothing new to send
                case_rows.append(case_row)
                document_rows += rows
                state.fingerprint, state.sent_seq, state.event_mark = fingerprint, seq, mark
            if not complete:
                break

        PortalMirrorState.objects.bulk_update(touched, ["dirty", "recheck_on", "fingerprint", "sent_seq",
                                                        "event_mark"])
        PortalItem.objects.filter(pk__in=answers_withheld).update(ack_seq=PortalItem.WITHHELD)
        for summary, what, data in reported:
            audit_record(action="portal.export_withheld", summary=f"{summary}: {what}", succeeded=False, data=data)
        if not (case_rows or document_rows or ack_rows or reference or _refusals_to_tell()):
            PortalDocumentSent.objects.bulk_create(sent_documents)  # only withheld ones here
            link.save()
            return None
        PortalDocumentSent.objects.bulk_create(sent_documents)
        PortalItem.objects.filter(pk__in=answered).update(ack_seq=seq)
        link.updated_at = now
        link.save()
        counts = {"cases": len(case_rows), "documents": len(document_rows), "answers": len(ack_rows),
                  "reference": len(reference)}
        path = wire.package_write(directory, sender=wire.INTRANET, seq=seq,
                                  private_key=private_key_load(settings.PORTAL_TRANSFER_KEY_PATH), created_at=now,
                                  ack=ack, settled=settled,
                                  rows={wire.CASES: case_rows, wire.DOCUMENTS: document_rows, wire.ACKS: ack_rows,
                                        wire.REFERENCE: reference}, blobs=blobs)
        package = PortalPackage.objects.create(direction=PackageDirection.OUT, seq=seq, name=path.name,
                                               sha256=wire.file_sha256(path), status=PackageStatus.WRITTEN,
                                               counts=counts, created_at=now)
        audit_record(action="portal.export", summary=path.name, data={"seq": seq, **counts})
    return package


def export(*, now=None, directory=None, max_packages=None, withheld=None):
    """One run of the intranet's sending side: mark what changed, re-queue what was not confirmed,
    then write packages until nothing is left (or ``max_packages``). Returns the packages written;
    what had to be withheld is described in ``withheld`` when a list is given."""
    now = now or clock.now()
    mark_dirty(today=timezone.localdate(now))
    requeue(now=now)
    written = []
    dirty = PortalMirrorState.objects.filter(dirty=True)
    left = dirty.count()
    while max_packages is None or len(written) < max_packages:
        package = package_write_next(now=now, directory=directory, withheld=withheld)
        if package is None:
            before, left = left, dirty.count()
            if not left:
                break
            if left >= before:  # nothing moved: never loop on it (each state is written or withheld)
                logger.error("portal export: %d cases stay dirty and none could be written", left)
                break
            continue
        written.append(package)
        left = dirty.count()
    return written
