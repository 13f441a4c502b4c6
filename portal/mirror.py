"""Reads and writes of the internet-side portal (docs/architecture.md §7.2): the sealed mirror of the
cases the intranet sends, and the outbox of the petitioners' requests that cross to the intranet.

Reads open a case only with the key derived from its query code (``portal.sealing``); writes put one
``OutboxItem`` per request, which ``portal.gap`` sends until the intranet answers it. The rules of the
staff side (who may evaluate, the 复查/复核 window, a petition's fields) are applied again there, by the
staff services, when the request arrives; the checks here keep a petitioner from sending what the
sheet already shows is not possible, and tell him what is still on its way.
"""
import hashlib
import re
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.exceptions import ServiceError
from petitions import clock
from portal import sealing
from portal.models import (
    MirrorCase, MirrorDocument, MirrorEntry, MirrorEntryKind, MirrorReply, OutboxItem, OutboxKind, OutboxOutcome,
)
from portal.public import PublicNote, PublicReply, sheet_load

REPLIES_PAGE_SIZE = 20
TOKEN = re.compile(r"^[0-9a-f]{32}$")
# A refusal stays on the case page this long after it arrived.
REFUSAL_SHOWN_DAYS = 60
# A key derivation for an unknown number, so that a wrong number costs what a wrong code costs.
_DUMMY_SALT = bytes(sealing.SALT_BYTES)


# --- the lists of the forms ------------------------------------------------------------------------

def entry_choices(kind):
    """``(code, label)`` of one list the intranet sent, in its order."""
    return list(MirrorEntry.objects.filter(kind=kind).order_by("position", "code").values_list("code", "label"))


def _known(kind, code):
    return bool(code) and MirrorEntry.objects.filter(kind=kind, code=code).exists()


# --- 网上信访 --------------------------------------------------------------------------------------

def submission_create(*, submit_token, bureau, purpose, problem, name, id_number, phone, address, content,
                      client_ip=None):
    """Put a new online petition into the outbox; return ``(receipt code, replayed)``.

    The form's values are checked by the form (ID number, phone, content); here the lists: the bureau,
    信访目的 and 所属问题 must be among those the intranet last sent (``ServiceError`` on the field
    otherwise). Idempotent per form (``submit_token``, the item's ``uid``): a second post of the same
    form writes nothing and returns the same receipt code. The item carries the key the intranet seals
    the number and query code under (``sealing.receipt_key``); the portal keeps only the hash that
    finds it by the receipt code."""
    if not TOKEN.match(submit_token or ""):
        raise ServiceError(_("表单已失效，请刷新页面后重新提交。"), code="token_missing")
    receipt = sealing.receipt_code_for(submit_token)
    if OutboxItem.objects.filter(uid=submit_token).exists():
        return receipt, True
    errors = {}
    if not _known(MirrorEntryKind.BUREAU, bureau):
        errors["bureau"] = _("请选择受理机构。")
    if not _known(MirrorEntryKind.PURPOSE, purpose):
        errors["purpose"] = _("请选择信访目的。")
    if problem and not _known(MirrorEntryKind.PROBLEM, problem):
        errors["problem"] = _("所选所属问题已停用，请重新选择。")
    if errors:
        raise ServiceError(errors=errors, code="submission_invalid")
    data = {"bureau": bureau, "purpose": purpose, "problem": problem or "", "name": name, "id_number": id_number,
            "phone": phone, "address": address or "", "content": content,
            "receipt_key": sealing.receipt_key(receipt).hex(), "client_ip": client_ip or ""}
    try:
        with transaction.atomic():
            OutboxItem.objects.create(uid=submit_token, kind=OutboxKind.SUBMISSION, data=data, created_at=clock.now(),
                                      receipt_lookup=sealing.receipt_lookup(receipt))
    except IntegrityError:  # the same form posted twice at once: the first one stands
        return receipt, True
    return receipt, False


def submission_receipt_code(submit_token):
    """The receipt code of a petition already in the outbox for this form, or None."""
    if not TOKEN.match(submit_token or "") or not OutboxItem.objects.filter(uid=submit_token).exists():
        return None
    return sealing.receipt_code_for(submit_token)


def receipt_status(code):
    """What became of the petition with receipt ``code``: ``(state, submitted_on, number, query code,
    message)``, state ``pending``, ``registered`` or ``refused``; None for an unknown code."""
    item = OutboxItem.objects.filter(receipt_lookup=sealing.receipt_lookup(code), kind=OutboxKind.SUBMISSION).first()
    if item is None:
        return None
    submitted_on = timezone.localdate(item.created_at)
    if item.answered_at is None:
        return "pending", submitted_on, "", "", ""
    if item.outcome == OutboxOutcome.REFUSED:
        return "refused", submitted_on, "", "", item.outcome_message
    opened = sealing.unseal_json(sealing.receipt_key(code), item.sealed_receipt or b"", aad=sealing.receipt_aad(item.uid))
    if not opened:
        return None
    return "registered", submitted_on, opened["number"], opened["code"], ""


# --- 信访查询 --------------------------------------------------------------------------------------

def case_unlock(*, number, code):
    """The session token of the case with this number and query code, or None.

    The key is derived from the typed code with the case's salt; it opens the sheet only if the code
    is right. An unknown number costs the same derivation, so a wrong number and a wrong code look
    the same from outside."""
    number = (number or "").strip()[:40]
    row = MirrorCase.objects.filter(number=number).first() if number else None
    if row is None:
        sealing.code_key(code, salt=_DUMMY_SALT, kdf=sealing.kdf_params())
        return None
    try:
        key = sealing.code_key(code, salt=row.salt, kdf=row.kdf)
    except ValueError:
        return None
    if sealing.unseal(key, row.sealed, aad=sealing.case_aad(number)) is None:
        return None
    return {"number": number, "key": key.hex()}


def _opened(token):
    """``(row, key, sheet data)`` of the case a session unlocked, or None (gone, or re-sealed under a
    new code since)."""
    if not isinstance(token, dict) or not isinstance(token.get("number"), str):
        return None
    try:
        key = bytes.fromhex(token.get("key") or "")
    except ValueError:
        return None
    row = MirrorCase.objects.filter(number=token["number"]).first()
    data = sealing.unseal_json(key, row.sealed, aad=sealing.case_aad(row.number)) if row is not None else None
    return (row, key, data) if data is not None else None


def case_sheet(token, *, today):
    """The ``CaseSheet`` of the unlocked case with the requests still on their way or refused
    (``notes``), or None. A target evaluated but not yet answered is no longer offered, nor a
    second 复查/复核 request while one is on its way."""
    opened = _opened(token)
    if opened is None:
        return None
    row, _key, data = opened
    sheet = sheet_load(data, today=today)
    since = clock.now() - timedelta(days=REFUSAL_SHOWN_DAYS)
    items = (OutboxItem.objects.filter(case_number=row.number, kind__in=(OutboxKind.EVALUATION, OutboxKind.REVIEW))
             .exclude(outcome=OutboxOutcome.APPLIED).order_by("created_at", "id"))
    pending_targets, review_pending = set(), False
    for item in items:
        kind = OutboxKind(item.kind).label
        made_on = timezone.localdate(item.created_at)
        if item.answered_at is None:
            sheet.case.notes.append(PublicNote(on=made_on, text=_(
                "您提交的%(kind)s已收到，正在传送至信访部门，办理结果将在此显示。") % {"kind": kind}))
            if item.kind == OutboxKind.EVALUATION:
                pending_targets.update(item.data.get("ratings", {}))
            else:
                review_pending = True
        elif item.answered_at >= since:
            sheet.case.notes.append(PublicNote(on=made_on, refused=True, text=_(
                "您提交的%(kind)s未能办理：%(reason)s") % {"kind": kind, "reason": item.outcome_message}))
    sheet.evaluation_targets = [(t, label) for t, label in sheet.evaluation_targets if t not in pending_targets]
    sheet.case.can_evaluate = sheet.case.can_evaluate and bool(sheet.evaluation_targets)
    if review_pending:
        sheet.case.review_open = False
    return sheet


def _request(token, *, kind, data, uid=None):
    """One request on the unlocked case into the outbox, with its proof under the case key."""
    opened = _opened(token)
    if opened is None:
        raise ServiceError(_("查询已失效，请重新输入信访件编号和查询码。"), code="not_unlocked")
    row, key, _data = opened
    uid = uid or uuid.uuid4().hex
    proof = sealing.item_proof(key, uid=uid, kind=kind, number=row.number, data=data)
    item, _created = OutboxItem.objects.get_or_create(
        uid=uid, defaults={"kind": kind, "case_number": row.number, "data": data, "proof": proof,
                           "created_at": clock.now()})
    return item


def evaluation_request(token, *, ratings, comment, today):
    """满意度评价 into the outbox: at least one of the targets still open, each value one the intranet
    lists; ``ServiceError`` otherwise."""
    sheet = case_sheet(token, today=today)
    if sheet is None:
        raise ServiceError(_("查询已失效，请重新输入信访件编号和查询码。"), code="not_unlocked")
    open_targets = {t for t, _label in sheet.evaluation_targets}
    values = {code for code, _label in entry_choices(MirrorEntryKind.SATISFACTION)}
    ratings = {t: v for t, v in (ratings or {}).items() if v}
    if not ratings:
        raise ServiceError(_("请至少选择一项评价。"), code="evaluation_empty")
    if not sheet.case.can_evaluate or any(t not in open_targets or v not in values for t, v in ratings.items()):
        raise ServiceError(_("评价选项无效。"), code="evaluation_invalid")
    return _request(token, kind=OutboxKind.EVALUATION, data={"ratings": ratings, "comment": (comment or "").strip()})


def review_request(token, *, reason, today):
    """复查/复核申请 into the outbox, while the sheet shows the window open and none is on its way."""
    sheet = case_sheet(token, today=today)
    if sheet is None:
        raise ServiceError(_("查询已失效，请重新输入信访件编号和查询码。"), code="not_unlocked")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写请求理由。"), field="reason", code="reason_required")
    if not sheet.case.review_open:
        raise ServiceError(_("该信访件现在不能在网上提出复查（复核）申请。"), code="review_not_open")
    return _request(token, kind=OutboxKind.REVIEW, data={"reason": reason})


def document_fetch(token, pk):
    """``(file name, bytes)`` of document ``pk`` of the unlocked case, opened with the case key, or
    None. The first download goes to the intranet as the document's online delivery (one item per
    document, whatever the number of downloads)."""
    opened = _opened(token)
    if opened is None:
        return None
    row, key, data = opened
    listed = next((d for d in sheet_load(data, today=clock.today()).documents if d.pk == pk), None)
    blob = MirrorDocument.objects.filter(case=row, document_id=pk).values_list("sealed", flat=True).first()
    content = sealing.unseal(key, blob, aad=sealing.document_aad(row.number, pk)) if blob is not None else None
    if listed is None or content is None:
        return None
    uid = hashlib.sha256(f"download:{row.number}:{pk}".encode()).hexdigest()[:32]
    _request(token, kind=OutboxKind.DOWNLOAD, data={"document": pk}, uid=uid)
    return listed.filename(row.number), content


# --- 公开答复 --------------------------------------------------------------------------------------

def replies_page(page):
    """One page (newest first) of the published replies the intranet sent, and whether there is a next."""
    page = max(1, page)
    start = (page - 1) * REPLIES_PAGE_SIZE
    rows = list(MirrorReply.objects.order_by("-published_at", "-id")[start:start + REPLIES_PAGE_SIZE + 1])
    replies = [PublicReply(published_on=timezone.localdate(r.published_at), bureau_name=r.bureau_name,
                           problem=r.problem, text=r.text) for r in rows[:REPLIES_PAGE_SIZE]]
    return replies, len(rows) > REPLIES_PAGE_SIZE
