"""What the intranet receives from the internet-side portal (docs/architecture.md §7.2): new online
petitions, evaluations, 复查/复核 requests and the first download of each document.

Every complete package in the inbound directory is imported in sequence order. Before anything is
written the package is verified (``portal.wire``: signature by a trusted portal key, hashes, counts)
and every row's identity is checked (a ``uid``, a known kind, no ``uid`` twice); a package that fails
is refused as a whole, named, with one failed ``portal.import`` audit row. Then, in one transaction
for the package, each request is applied once through the staff services, as the portal of the
single-database setup applies it:

- a petition through ``portal.services.portal_petition_submit`` (``register_case`` with the bureau's
  "网上信访" account: numbered, in the bureau's 分流池, with a query code), the ``uid`` as its submit
  token; the answer seals the number and query code under the key the portal sent;
- an evaluation through ``portal.services.case_evaluate``, a 复查/复核 request through
  ``portal.services.portal_review_request``, a download through
  ``documents.services.document_downloaded_online`` (its online delivery, at the download's time);
  each only with a valid proof under the case's key (``portal.sealing.item_proof``), which only a
  holder of the query code could make.

A request refused by a rule (fields, state, window) is recorded with the service's message, which
goes back to the petitioner. ``PortalItem`` (unique ``uid``) makes every request count once: a package
delivered twice, or sent again because its answer was lost, changes nothing the second time (a request
sent again whose answer went in a package the portal refused is answered again); an import
interrupted midway is rolled back whole and the next run imports the package again. The manifest's
``ack`` tells which of this side's packages the portal received or refused (``outbound.peer_answer``).
"""
import ipaddress
import re
import time
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from documents.models import CaseDocument
from documents.services import document_downloaded_online
from petitions import clock
from petitions.lib.package import PackageRejected
from petitions.models import Case, DictEntry, DictKind
from portal import sealing, wire
from portal.intranet.models import (
    ItemOutcome, PackageDirection, PackageStatus, PortalItem, PortalMirrorState, PortalPackage,
)
from portal.intranet.outbound import peer_answer
from portal.selectors import portal_bureaus
from portal.services import case_evaluate, portal_petition_submit, portal_review_request


UID = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
KINDS = ("submission", "evaluation", "review", "download")
BAD_ITEMS = "bad_items"


# --- the shape of one request ----------------------------------------------------------------------

def _text(data, name, *, limit, required=True):
    value = data.get(name)
    if not isinstance(value, str):
        return _("应为文本")
    if required and not value.strip():
        return _("不能为空")
    if len(value) > limit:
        return _("超过%(n)d个字符") % {"n": limit}
    return None


def _shape_errors(row):
    """``(field, problem)`` of the first field of ``row`` that is not what the portal writes, or None."""
    if not isinstance(row.get("at"), str) or _moment(row["at"]) is None:
        return "at", _("应为带时区的时间")
    data = row.get("data")
    if not isinstance(data, dict):
        return "data", _("应为对象")
    kind = row["kind"]
    if kind != "submission":
        problem = _text(row, "number", limit=40)
        if problem:
            return "number", problem
        if not isinstance(row.get("proof"), str) or not HEX64.match(row["proof"]):
            return "proof", _("应为64位十六进制")
    checks = {
        "submission": [("bureau", 20, True), ("purpose", 20, True), ("problem", 20, False), ("name", 50, True),
                       ("id_number", 30, True), ("phone", 30, True), ("address", 200, False),
                       ("content", 5000, True), ("client_ip", 45, False)],
        "evaluation": [("comment", 500, False)],
        "review": [("reason", 2000, True)],
        "download": [],
    }[kind]
    for name, limit, required in checks:
        problem = _text(data, name, limit=limit, required=required)
        if problem:
            return f"data.{name}", problem
    if kind == "submission":
        if not isinstance(data.get("receipt_key"), str) or not HEX64.match(data["receipt_key"]):
            return "data.receipt_key", _("应为64位十六进制")
        if data["client_ip"]:
            try:
                ipaddress.ip_address(data["client_ip"])
            except ValueError:
                return "data.client_ip", _("不是网络地址")
    if kind == "evaluation":
        ratings = data.get("ratings")
        if (not isinstance(ratings, dict) or not 1 <= len(ratings) <= 5
                or not all(isinstance(k, str) and isinstance(v, str) for k, v in ratings.items())):
            return "data.ratings", _("应为评价对象到评价结果的对照")
    if kind == "download" and (type(data.get("document")) is not int or data["document"] < 1):
        return "data.document", _("应为正整数")
    return None


def _moment(text):
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _identity_errors(received):
    """Refuse the whole package if a row cannot be answered: no ``uid``, an unknown kind, a ``uid``
    twice."""
    seen = set()
    for line, row in enumerate(received.rows[wire.ITEMS], start=1):
        uid, kind = row.get("uid"), row.get("kind")
        if not isinstance(uid, str) or not UID.match(uid):
            field = "uid"
        elif kind not in KINDS:
            field = "kind"
        elif uid in seen:
            field = "uid"
        else:
            seen.add(uid)
            continue
        return PackageRejected(_("数据包 %(file)s：文件 %(member)s 第%(line)d行字段 %(field)s 无效，已拒收。")
                               % {"file": received.name, "member": wire.ITEMS, "line": line, "field": field},
                               code=BAD_ITEMS)
    return None


# --- applying one request --------------------------------------------------------------------------

class _Refused(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.message, self.code = message, code


def _message(exc):
    if hasattr(exc, "error_dict"):
        return "；".join(m for messages in exc.message_dict.values() for m in messages)
    return "；".join(exc.messages) if hasattr(exc, "messages") else str(exc)


def _case_with_key(row):
    """The case a request names and its sealing key, after checking the request's proof."""
    case = Case.objects.select_related("registered_org").filter(number=row["number"]).first()
    if case is None:
        raise _Refused(_("信访件 %(number)s 不存在。") % {"number": row["number"]}, "no_case")
    state = PortalMirrorState.objects.filter(case=case).only("key").first()
    if state is None or state.key is None or not sealing.item_proof_ok(
            state.key, row["proof"], uid=row["uid"], kind=row["kind"], number=row["number"], data=row["data"]):
        raise _Refused(_("查询码校验未通过（查询码可能已更换），请重新查询后再提交。"), "bad_proof")
    return case


def _submission(row):
    data = row["data"]
    bureau = portal_bureaus().filter(code=data["bureau"]).first()
    if bureau is None:
        raise _Refused(_("受理机构（代码 %(code)s）不存在或已停用，请重新提交。") % {"code": data["bureau"]}, "bureau")
    entries = {}
    for kind, name, label in ((DictKind.PURPOSE, "purpose", _("信访目的")), (DictKind.PROBLEM, "problem", _("所属问题"))):
        code = data[name]
        entries[name] = DictEntry.objects.filter(kind=kind, code=code, is_active=True).first() if code else None
        if code and entries[name] is None:
            raise _Refused(_("%(label)s（代码 %(code)s）已停用，请重新提交。") % {"label": label, "code": code}, name)
    made_at = _moment(row["at"])
    case = portal_petition_submit(
        bureau=bureau, name=data["name"], id_number=data["id_number"], phone=data["phone"], content=data["content"],
        address=data["address"], purpose=entries["purpose"], problem=entries["problem"], submit_token=row["uid"],
        petition_date=timezone.localdate(made_at))
    receipt = sealing.seal_json(bytes.fromhex(data["receipt_key"]), {"number": case.number, "code": case.query_code},
                                aad=sealing.receipt_aad(row["uid"]))
    return case, receipt


def _evaluation(row):
    case = _case_with_key(row)
    case_evaluate(case=case, ratings=row["data"]["ratings"], comment=row["data"].get("comment", ""))
    return case, None


def _review(row):
    case = _case_with_key(row)
    portal_review_request(case=case, reason=row["data"]["reason"])
    return case, None


def _download(row):
    case = _case_with_key(row)
    document = CaseDocument.objects.filter(pk=row["data"]["document"], case=case, to_petitioner=True).first()
    if document is None:
        raise _Refused(_("文书不存在。"), "no_document")
    document_downloaded_online(document=document, delivered_at=_moment(row["at"]))
    return case, None


APPLY = {"submission": _submission, "evaluation": _evaluation, "review": _review, "download": _download}


def _apply(row, *, name, line, seq):
    """Apply one request in a savepoint and record it (``PortalItem``); a refusal is recorded too."""
    shape = _shape_errors(row)
    case, receipt, outcome, code, message = None, None, ItemOutcome.APPLIED, "", ""
    if shape is not None:
        field, problem = shape
        outcome, code = ItemOutcome.REFUSED, "bad_field"
        message = _("数据包 %(file)s 文件 %(member)s 第%(line)d行字段 %(field)s：%(problem)s。") % {
            "file": name, "member": wire.ITEMS, "line": line, "field": field, "problem": problem}
    else:
        try:
            with transaction.atomic():
                case, receipt = APPLY[row["kind"]](row)
        except _Refused as exc:
            outcome, code, message = ItemOutcome.REFUSED, exc.code, exc.message
        except (ServiceError, NotAllowed) as exc:
            outcome, code, message = ItemOutcome.REFUSED, getattr(exc, "code", "refused") or "refused", _message(exc)
    client_ip = row["data"].get("client_ip") if row["kind"] == "submission" and shape is None else None
    PortalItem.objects.create(uid=row["uid"], kind=row["kind"], case=case, outcome=outcome, code=str(code)[:50],
                              message=message, made_at=_moment(row["at"]) if isinstance(row.get("at"), str) else None,
                              client_ip=client_ip or None, package_seq=seq, sealed_receipt=receipt)
    return outcome


# --- one package -----------------------------------------------------------------------------------

def _record_refusal(name, seq, exc):
    with transaction.atomic():
        PortalPackage.objects.create(direction=PackageDirection.IN, seq=seq, name=name, status=PackageStatus.REFUSED,
                                     reason=exc.message, code=exc.code or "", counts={})
        audit_record(action="portal.import", summary=name, succeeded=False,
                     data={"seq": seq, "reason": exc.code})


def _answer_again(items):
    """Requests the portal sent again whose answer went in a package it refused: answered again in the
    next package (the portal closes a request once, so an answer that arrives twice changes nothing)."""
    seqs = {item.ack_seq for item in items if item.ack_seq not in (None, PortalItem.WITHHELD)}
    refused = set(PortalPackage.objects.filter(direction=PackageDirection.OUT, status=PackageStatus.REFUSED,
                                               seq__in=seqs).values_list("seq", flat=True))
    PortalItem.objects.filter(pk__in=[item.pk for item in items if item.ack_seq in refused]).update(ack_seq=None)


def package_import(path, *, now=None):
    """Import one portal package; return ``(status, counts or reason)``.

    ``status``: ``applied``, ``duplicate`` (this very file was imported before: nothing is done) or
    ``refused`` (named reason; nothing written but the refusal). An exception other than a refusal
    (a crash) rolls the whole package back and propagates: the file stays where it is and the next
    run imports it again."""
    now = now or clock.now()
    path = Path(path)
    seq = int(wire.FILE_NAME.match(path.name).group(2)) if wire.FILE_NAME.match(path.name) else 0
    try:
        received = wire.package_read(path, sender=wire.PORTAL, public_keys=settings.PORTAL_TRANSFER_PEER_KEYS)
    except PackageRejected as exc:
        _record_refusal(path.name, seq, exc)
        return PackageStatus.REFUSED, exc.message
    try:
        refusal = _identity_errors(received)
        if refusal is not None:
            _record_refusal(path.name, seq, refusal)
            return PackageStatus.REFUSED, refusal.message
        with transaction.atomic():
            if PortalPackage.objects.filter(direction=PackageDirection.IN, seq=seq, sha256=received.sha256,
                                            status=PackageStatus.APPLIED).exists():
                PortalPackage.objects.create(direction=PackageDirection.IN, seq=seq, name=path.name,
                                             sha256=received.sha256, status=PackageStatus.DUPLICATE,
                                             settled=received.settled, created_at=now)
                return PackageStatus.DUPLICATE, {}
            counts = {"applied": 0, "refused": 0, "repeated": 0}
            rows = received.rows[wire.ITEMS]
            known = {item.uid: item for item in PortalItem.objects.filter(uid__in=[r["uid"] for r in rows])
                     .only("pk", "uid", "ack_seq")}
            for line, row in enumerate(rows, start=1):
                if row["uid"] in known:
                    counts["repeated"] += 1  # sent again before its answer arrived: applied once already
                    continue
                outcome = _apply(row, name=path.name, line=line, seq=seq)
                counts["applied" if outcome == ItemOutcome.APPLIED else "refused"] += 1
            peer_answer(received.ack, now=now)
            _answer_again(list(known.values()))
            PortalPackage.objects.create(direction=PackageDirection.IN, seq=seq, name=path.name, sha256=received.sha256,
                                         status=PackageStatus.APPLIED, counts=counts, settled=received.settled,
                                         created_at=now)
            audit_record(action="portal.import", summary=path.name, data={"seq": seq, **counts})
        return PackageStatus.APPLIED, counts
    finally:
        received.close()


def import_inbox(*, directory=None, now=None):
    """Import every complete portal package in the inbound directory, in sequence order; each is
    moved to ``done/`` or ``refused/`` once handled, and archived packages older than
    PORTAL_TRANSFER_KEEP_DAYS are deleted. Returns ``[(name, status, detail), ...]``."""
    directory = directory or settings.PORTAL_TRANSFER_INBOX
    results = []
    for _seq, path in wire.complete_packages(directory, wire.PORTAL):
        status, detail = package_import(path, now=now)
        wire.package_archive(path, refused=status == PackageStatus.REFUSED)
        results.append((path.name, status, detail))
    wire.archive_prune(directory, days=settings.PORTAL_TRANSFER_KEEP_DAYS, now_timestamp=time.time())
    return results
