"""The internet side's end of the crossing to the intranet (docs/architecture.md §7.2): the packages
of the outbox it writes, and the intranet's packages it imports into the mirror.

Sending (``outbox_send``): every request not yet answered by the intranet that was never sent, or was
sent more than PORTAL_TRANSFER_RESEND_MINUTES ago (its package, or the package with its answer, may
have been lost), goes into the next package, as many as fit its limits (``wire.Budget``; the rest go
in the next run's); the manifest also tells the intranet which of its packages arrived here and which
were refused (``ack``), so that it sends again what did not, and up to which number this side needs no
more word of its own packages (``settled``). A package is written only when there is a request to send
or something new to confirm. The intranet's ack marks this side's packages received (``acked_at``) or
refused (with its code and reason, logged; the requests of a package damaged on the way go again at
once, the others after PORTAL_TRANSFER_RESEND_MINUTES as any unanswered request).

Receiving (``inbox_receive``): every complete package of the intranet in the inbound directory, in
sequence order, verified before anything is read (``portal.wire``), every row checked, then applied in
one transaction: the lists of the forms replaced unless the ones held came in a later package, each
case's sealed sheet stored unless the one held is newer (a higher ``event_mark``, or the same mark from a
later package), documents stored (those of a sheet skipped as older too, when they are sealed under the
key held), published replies stored or withdrawn, and each answered request closed: its personal data
erased, the sealed number and query code of a petition kept for the receipt code. A package delivered
twice is recognised (sequence number and SHA-256) and not applied again; applying it again would change
nothing either.
"""
import base64
import binascii
import logging
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils.translation import gettext as _

from petitions import clock
from petitions.lib.package import BAD_ROW, PackageRejected, private_key_load
from portal import sealing, wire
from portal.models import (
    MirrorCase, MirrorDocument, MirrorEntry, MirrorEntryKind, MirrorReply, OutboxItem, OutboxOutcome,
    TransferDirection, TransferPackage, TransferStatus,
)

logger = logging.getLogger(__name__)
NUMBER = re.compile(r"^[0-9A-Za-z-]{1,40}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


# --- sending ----------------------------------------------------------------------------------------

def _item_row(item):
    row = {"uid": item.uid, "kind": item.kind, "at": item.created_at.isoformat(), "data": item.data}
    if item.case_number:
        row.update(number=item.case_number, proof=item.proof)
    return row


def received_ack():
    """Which of the intranet's packages this side has imported or refused (``wire.ack_build``), above
    the number the intranet last declared settled."""
    inbound = TransferPackage.objects.filter(direction=TransferDirection.IN)
    taken = inbound.filter(status__in=(TransferStatus.APPLIED, TransferStatus.DUPLICATE))
    settled = taken.aggregate(top=Max("settled"))["top"] or 0
    refused = (inbound.filter(status=TransferStatus.REFUSED, seq__gt=settled).order_by("-seq", "-id")
               .values_list("seq", "code", "reason")[:wire.MAX_ACK_REFUSED * 10])
    return wire.ack_build(settled=settled, received=taken.filter(seq__gt=settled).values_list("seq", flat=True),
                          refused=refused)


def settled_through(now):
    """Up to which number the intranet need not name this side's packages any more: each is confirmed,
    refused, or older than PORTAL_TRANSFER_RESEND_MINUTES (its unanswered requests have gone again)."""
    resend_before = now - timedelta(minutes=settings.PORTAL_TRANSFER_RESEND_MINUTES)
    written = TransferPackage.objects.filter(direction=TransferDirection.OUT)
    waiting = (written.filter(status=TransferStatus.WRITTEN, acked_at__isnull=True, created_at__gte=resend_before)
               .aggregate(low=Min("seq"))["low"])
    if waiting is not None:
        return waiting - 1
    return written.aggregate(top=Max("seq"))["top"] or 0


def outbox_send(*, now=None, directory=None):
    """Write the next package of the outbox, if there is anything to send or to confirm; return its
    ``TransferPackage`` or None. The requests go oldest first, as many as the package's limits take
    (``wire.Budget``); the others stay due for the next run. The file is written (atomically) before
    the transaction that marks the requests sent commits: a crash leaves either both or neither, and
    unsent requests go next time."""
    now = now or clock.now()
    directory = directory or settings.PORTAL_TRANSFER_OUTBOX
    resend_before = now - timedelta(minutes=settings.PORTAL_TRANSFER_RESEND_MINUTES)
    with transaction.atomic():
        last = (TransferPackage.objects.select_for_update().filter(direction=TransferDirection.OUT)
                .order_by("-seq").first())
        items = list(OutboxItem.objects.select_for_update().filter(answered_at__isnull=True)
                     .filter(Q(sent_at__isnull=True) | Q(sent_at__lt=resend_before)).order_by("created_at", "id"))
        ack = received_ack()
        settled = settled_through(now)
        budget = wire.Budget(sender=wire.PORTAL, ack=ack, settled=settled, created_at=now)
        rows, taken = [], []
        for item in items:
            row = _item_row(item)
            size = wire.row_bytes(row)
            if budget.take(rows={wire.ITEMS: size}):
                rows.append(row)
                taken.append(item)
            elif budget.fits_alone(rows={wire.ITEMS: size}):
                break  # the package is full: the rest go in the next run's
            else:
                logger.error("portal transfer: request %s (%s) is %d bytes, more than a package may carry "
                             "(PORTAL_TRANSFER_MAX_BYTES %d): not sent", item.uid, item.kind, size,
                             settings.PORTAL_TRANSFER_MAX_BYTES)
        if not taken and ack == (last.ack if last is not None else wire.EMPTY_ACK):
            return None
        seq = (last.seq if last is not None else 0) + 1
        path = wire.package_write(directory, sender=wire.PORTAL, seq=seq,
                                  private_key=private_key_load(settings.PORTAL_TRANSFER_KEY_PATH), created_at=now,
                                  ack=ack, settled=settled, rows={wire.ITEMS: rows})
        OutboxItem.objects.filter(pk__in=[item.pk for item in taken]).update(sent_at=now, sent_seq=seq)
        return TransferPackage.objects.create(direction=TransferDirection.OUT, seq=seq, name=path.name,
                                              sha256=wire.file_sha256(path), status=TransferStatus.WRITTEN,
                                              counts={"items": len(taken)}, ack=ack, settled=settled,
                                              created_at=now)


# --- receiving --------------------------------------------------------------------------------------

def _b64(value, *, allow_none=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise ValueError
    return base64.b64decode(value, validate=True)


def _row_problem(member, row):
    """The first field of an intranet row that is not what the intranet writes, or None."""
    try:
        if member == wire.CASES:
            if not isinstance(row.get("number"), str) or not NUMBER.match(row["number"]):
                return "number"
            if len(_b64(row.get("salt"))) != sealing.SALT_BYTES:
                return "salt"
            if not sealing.kdf_valid(row.get("kdf")):
                return "kdf"
            if len(_b64(row.get("sealed"))) < sealing.NONCE_BYTES + 16:
                return "sealed"
            if "event_mark" in row and (type(row["event_mark"]) is not int or row["event_mark"] < 0):
                return "event_mark"
            reply = row.get("reply")
            if reply is not None:
                if not isinstance(reply, dict) or not all(isinstance(reply.get(k), str)
                                                          for k in ("published_at", "bureau", "problem", "text")):
                    return "reply"
                if datetime.fromisoformat(reply["published_at"]).tzinfo is None:
                    return "reply.published_at"
        elif member == wire.DOCUMENTS:
            if not isinstance(row.get("number"), str) or not NUMBER.match(row["number"]):
                return "number"
            if type(row.get("document")) is not int or row["document"] < 1:
                return "document"
            if not isinstance(row.get("blob"), str) or not HEX64.match(row["blob"]):
                return "blob"
        elif member == wire.ACKS:
            if not isinstance(row.get("uid"), str) or not re.match(r"^[0-9a-f]{32}$", row["uid"]):
                return "uid"
            if row.get("outcome") not in OutboxOutcome.values:
                return "outcome"
            if not isinstance(row.get("message"), str) or not isinstance(row.get("code"), str):
                return "message"
            _b64(row.get("receipt"), allow_none=True)
        elif member == wire.REFERENCE:
            if row.get("kind") not in MirrorEntryKind.values:
                return "kind"
            if not all(isinstance(row.get(k), str) and 0 < len(row[k]) <= limit
                       for k, limit in (("code", 40), ("label", 200))):
                return "label"
            if type(row.get("position")) is not int or row["position"] < 0:
                return "position"
    except (ValueError, TypeError, binascii.Error):
        return {wire.CASES: "salt/sealed", wire.ACKS: "receipt"}.get(member, "value")
    return None


def _check_rows(received):
    """Refuse the whole package (nothing written) at the first row that is not well formed, naming it."""
    for member in (wire.REFERENCE, wire.CASES, wire.DOCUMENTS, wire.ACKS):
        for line, row in enumerate(received.rows[member], start=1):
            field = _row_problem(member, row)
            if field is not None:
                raise PackageRejected(_("数据包 %(file)s：文件 %(member)s 第%(line)d行字段 %(field)s 无效，已拒收。")
                                      % {"file": received.name, "member": member, "line": line, "field": field},
                                      code=BAD_ROW)
    numbers = {row["number"] for row in received.rows[wire.CASES]}
    for line, row in enumerate(received.rows[wire.DOCUMENTS], start=1):
        if row["number"] not in numbers or wire.BLOB_DIR + row["blob"] not in received.blob_names:
            raise PackageRejected(_("数据包 %(file)s：文件 %(member)s 第%(line)d行的文书没有对应的信访件或文件，已拒收。")
                                  % {"file": received.name, "member": wire.DOCUMENTS, "line": line}, code=BAD_ROW)


def _apply(received, now):
    seq = received.seq
    counts = {"cases": 0, "older": 0, "documents": 0, "stale_documents": 0, "answers": 0, "reference": 0,
              "older_reference": 0}
    reference = received.rows[wire.REFERENCE]
    if reference:
        held_seq = MirrorEntry.objects.aggregate(top=Max("seq"))["top"]
        if held_seq is not None and held_seq > seq:
            counts["older_reference"] = len(reference)  # a later package already brought newer lists
        else:
            MirrorEntry.objects.all().delete()
            MirrorEntry.objects.bulk_create([MirrorEntry(kind=r["kind"], code=r["code"], label=r["label"],
                                                         position=r["position"], seq=seq) for r in reference])
            counts["reference"] = len(reference)
    cases, late = {}, {}
    for row in received.rows[wire.CASES]:
        number = row["number"]
        mark = row.get("event_mark", 0)
        salt = _b64(row["salt"])
        held = MirrorCase.objects.select_for_update().filter(number=number).first()
        if held is not None and (held.event_mark, held.seq) > (mark, seq):
            counts["older"] += 1  # a later package already brought a newer sheet
            if bytes(held.salt) == salt:
                late[number] = held  # its documents are sealed under the key held: they are kept
            continue
        if held is None:
            held = MirrorCase(number=number)
        elif bytes(held.salt) != salt:
            held.documents.all().delete()  # sealed under the old key: the intranet sends them again
        held.salt, held.kdf, held.sealed, held.seq, held.updated_at = salt, row["kdf"], _b64(row["sealed"]), seq, now
        held.event_mark = mark
        held.save()
        cases[number] = held
        reply = row["reply"]
        if reply is None:
            MirrorReply.objects.filter(number=number).delete()
        else:
            MirrorReply.objects.update_or_create(number=number, defaults={
                "published_at": datetime.fromisoformat(reply["published_at"]), "bureau_name": reply["bureau"],
                "problem": reply["problem"], "text": reply["text"]})
        counts["cases"] += 1
    for row in received.rows[wire.DOCUMENTS]:
        number = row["number"]
        if number in cases:
            MirrorDocument.objects.update_or_create(case=cases[number], document_id=row["document"],
                                                    defaults={"sealed": received.blob(row["blob"])})
            counts["documents"] += 1
        elif number in late:
            # A document never changes: one that came with a newer sheet is the same one.
            _document, created = MirrorDocument.objects.get_or_create(
                case=late[number], document_id=row["document"], defaults={"sealed": received.blob(row["blob"])})
            counts["documents"] += int(created)
        else:
            # Sealed under a key the case no longer has (its query code changed since): the intranet
            # sends every document again under the new key with the newer sheet.
            counts["stale_documents"] += 1
    for row in received.rows[wire.ACKS]:
        updated = OutboxItem.objects.filter(uid=row["uid"], answered_at__isnull=True).update(
            answered_at=now, outcome=row["outcome"], outcome_message=row["message"][:2000], data={}, proof="",
            sealed_receipt=_b64(row["receipt"], allow_none=True))
        counts["answers"] += updated
    _confirmations(received.ack, now)
    return counts


def _confirmations(ack, now):
    """The intranet's word on this side's packages: received ones are ``acked_at``; refused ones are
    marked with the code and reason and logged, and the open requests of one damaged on the way go
    again at once (the others after PORTAL_TRANSFER_RESEND_MINUTES, as any unanswered request)."""
    parsed = wire.ack_parse(ack)
    written = TransferPackage.objects.filter(direction=TransferDirection.OUT, status=TransferStatus.WRITTEN)
    for entry in parsed[2]:
        package = written.filter(seq=entry["seq"]).first()
        if package is None:
            continue  # already known, or not one of ours
        package.status, package.code, package.reason, package.acked_at = (
            TransferStatus.REFUSED, entry["code"], entry["reason"], now)
        package.save(update_fields=["status", "code", "reason", "acked_at"])
        again = entry["code"] in wire.TRANSIT_CODES
        if again:
            OutboxItem.objects.filter(sent_seq=package.seq, answered_at__isnull=True).update(sent_at=None)
        logger.error("portal transfer: the intranet refused %s (%s): %s%s", package.name, entry["code"],
                     entry["reason"], "; its requests go again now" if again else "")
    confirmed = [pk for pk, seq in written.filter(acked_at__isnull=True).values_list("pk", "seq")
                 if wire.ack_confirms(parsed, seq)]
    TransferPackage.objects.filter(pk__in=confirmed).update(acked_at=now)


def refused_by_peer():
    """The ids of this side's packages the intranet reported refused: the command compares them before
    and after a run to report the ones new in it."""
    return set(TransferPackage.objects.filter(direction=TransferDirection.OUT, status=TransferStatus.REFUSED)
               .values_list("pk", flat=True))


def packages_by_id(ids):
    return list(TransferPackage.objects.filter(pk__in=ids).order_by("seq"))


def package_receive(path, *, now=None):
    """Import one intranet package; return ``(status, counts or reason)`` (``applied``, ``duplicate``
    or ``refused``). A crash rolls the package back whole; the file stays for the next run."""
    now = now or clock.now()
    name = Path(path).name
    match = wire.FILE_NAME.match(name)
    seq = int(match.group(2)) if match else 0
    try:
        received = wire.package_read(path, sender=wire.INTRANET, public_keys=settings.PORTAL_TRANSFER_PEER_KEYS)
    except PackageRejected as exc:
        TransferPackage.objects.create(direction=TransferDirection.IN, seq=seq, name=name,
                                       status=TransferStatus.REFUSED, reason=exc.message, code=exc.code or "",
                                       created_at=now)
        return TransferStatus.REFUSED, exc.message
    try:
        try:
            _check_rows(received)
        except PackageRejected as exc:
            TransferPackage.objects.create(direction=TransferDirection.IN, seq=seq, name=name,
                                           sha256=received.sha256, status=TransferStatus.REFUSED,
                                           reason=exc.message, code=exc.code or "", created_at=now)
            return TransferStatus.REFUSED, exc.message
        with transaction.atomic():
            if TransferPackage.objects.filter(direction=TransferDirection.IN, seq=seq, sha256=received.sha256,
                                              status=TransferStatus.APPLIED).exists():
                TransferPackage.objects.create(direction=TransferDirection.IN, seq=seq, name=name,
                                               sha256=received.sha256, status=TransferStatus.DUPLICATE,
                                               settled=received.settled, created_at=now)
                return TransferStatus.DUPLICATE, {}
            counts = _apply(received, now)
            TransferPackage.objects.create(direction=TransferDirection.IN, seq=seq, name=name, sha256=received.sha256,
                                           status=TransferStatus.APPLIED, counts=counts, ack=received.ack,
                                           settled=received.settled, created_at=now)
        return TransferStatus.APPLIED, counts
    finally:
        received.close()


def inbox_receive(*, directory=None, now=None):
    """Import every complete intranet package in the inbound directory, in sequence order, moving each
    to ``done/`` or ``refused/``; then delete archived packages older than PORTAL_TRANSFER_KEEP_DAYS.
    Returns ``[(name, status, detail), ...]``."""
    directory = directory or settings.PORTAL_TRANSFER_INBOX
    results = []
    for _seq, path in wire.complete_packages(directory, wire.INTRANET):
        status, detail = package_receive(path, now=now)
        wire.package_archive(path, refused=status == TransferStatus.REFUSED)
        results.append((path.name, status, detail))
    wire.archive_prune(directory, days=settings.PORTAL_TRANSFER_KEEP_DAYS, now_timestamp=time.time())
    return results


def link_status():
    """For the command's report: the last package written and received, and requests waiting."""
    return {
        "sent": TransferPackage.objects.filter(direction=TransferDirection.OUT).aggregate(top=Max("seq"))["top"] or 0,
        "received": received_ack(),
        "waiting": OutboxItem.objects.filter(answered_at__isnull=True).count(),
    }
