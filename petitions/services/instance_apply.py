"""Taking in the items of a package from another instance (docs/architecture.md §6.2).

``items_check`` reads every item back before anything is written: its shape, every row of a copy
(``petitions.services.instance_rows.row_values``: unknown fields, organizations and dictionary
entries this instance does not have, malformed dates), the organizations an entry names and the
files it needs. A defect refuses the whole package (``PackageRejected``, naming the item and the
field); nothing is written.

``item_apply`` then takes one item, inside the package's transaction:

- a copy (``case``): the case is created here as it stands there, with its petitioners,
  assignments, extension requests, 督办, 复查/复核 requests, evaluations, hearings, mediations,
  attachments, documents and trail (the trail as history: no audit row of its own, it was audited
  where it happened, like the period packages of §6.1); the organizations served here that have a
  pending assignment find it in 审核办理 → 上级交办 and are notified; a confidential case is granted
  to them;
- a trail entry whose step is in ``REPLAY`` (or in ``SERVICES``: 满意度评价, 更正登记): the step is
  taken again here through ``case_transition`` (``case_evaluate``, ``case_correct``), by the exchange
  account of the organization that took it there, with the rows it needs carried by the entry
  (``instance_rows.event_rows``: a hearing, a mediation, a correction's values) and with the clock
  set to the moment it was taken there (``petitions.clock.at``), so every rule, deadline and window
  is computed as it was there, and this instance's reminders, deadlines and approvals follow (a
  result reported by the county waits here for the prefecture's 审核通过; a hearing there stops the
  clock here). If the workflow refuses it here (both sides acted at once and the state has moved on),
  the refusal is recorded (``conflict``) and the entry kept as history; if it was taken but left a
  different state than there, that is recorded too (``diverged``);
- any other trail entry is kept as history (with the documents it issued, through
  ``accounts.hooks.EXCHANGE_HANDLERS``): ``HISTORY_ONLY`` names the workflow steps deliberately not
  taken again and why; of those, ``FLAGGED`` are also listed as conflicts (未能办理), because the two
  sides now differ and only the offices can settle it.

An item already taken (its key is known here) is skipped: applying the same package twice, or the
same entry by two routes, changes nothing.
"""
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm

from accounts.models import OrgUnit
from accounts.selectors import users_acting_for

from petitions import clock, permissions
from petitions.lib.package import BAD_ROW, PackageRejected
from petitions.lib.text import search_text
from petitions.models import (
    Assignment, AssignmentStatus, Case, CaseCounter, CaseEvent, DictEntry, DictKind, Evaluation, ExtensionRequest,
    Hearing, ItemOutcome, Mediation, Petitioner, ReviewRequest, SharedCase, Supervision,
)
from petitions.services import notify
from petitions.services.attachments import attachments_store, discard, stage_chunks
from petitions.services.corrections import CORRECTABLE_CASE_FIELDS, CORRECTABLE_PERSON_FIELDS, case_correct
from petitions.services.evaluations import case_evaluate
from petitions.services.instance_outbox import (
    exchange_account_for, handler_for, inbound, ref_record, relay, resolve, self_org, serving_peer, active_peers,
)
from petitions.services.instance_rows import RowError, row_values
from petitions.services.intake import query_code_generate
from petitions.services.transitions import case_grant_view, case_transition
from petitions.workflow import HANDLE, TRANSITIONS, TRIAGE

ITEM_TYPES = ("case", "event")


class ItemRefused(Exception):
    """This instance's workflow (or its records) cannot take the item; ``message`` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Outcome:
    outcome: str
    case: Case | None = None
    action: str = ""
    actor: str = ""
    message: str = ""


def _message(exc):
    if getattr(exc, "message", None):
        return str(exc.message)
    messages = getattr(exc, "messages", None)
    return "；".join(str(m) for m in messages) if messages else str(exc)


# ---------------------------------------------------------------- checking before writing

def _where(index, item):
    key = item.get("item") if isinstance(item, dict) else None
    return _("第%(n)d项（%(key)s）") % {"n": index, "key": key or "?"}


def _refuse(index, item, text):
    raise PackageRejected(_("数据包%(where)s有误：%(text)s。已拒收，未导入任何内容。") % {
        "where": _where(index, item), "text": text}, code=BAD_ROW)


# Keys of a travelling row that are not model fields: its own key and its links.
LINKS = ("key", "parent", "assignment", "first_case", "review")


def _fields_only(row):
    return {k: v for k, v in row.items() if k not in LINKS} if isinstance(row, dict) else row


def _check_rows(index, item, model, rows, codes, label):
    if not isinstance(rows, list):
        _refuse(index, item, _("%(label)s格式有误") % {"label": label})
    for n, row in enumerate(rows, 1):
        try:
            row_values(model, _fields_only(row), codes)
        except RowError as exc:
            _refuse(index, item, _("%(label)s第%(n)d行：%(text)s") % {"label": label, "n": n, "text": exc.message})


def _check_files(index, item, sealed, metas):
    for meta in metas or []:
        if not isinstance(meta, dict) or not isinstance(meta.get("sha256"), str) or not sealed.has_file(meta["sha256"]):
            _refuse(index, item, _("缺少附件文件 %(name)s") % {"name": (meta or {}).get("name", "?")})


def _check_time(index, item, value, label):
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        _refuse(index, item, _("%(label)s格式有误") % {"label": label})


def _check_org(index, item, codes, code, label):
    if code is not None and codes.org_pk(code) is None:
        _refuse(index, item, _("%(label)s：本系统没有机构代码 %(code)s") % {"label": label, "code": code})


def items_check(items, sealed, codes):
    """Read every item back without writing; raise ``PackageRejected`` at the first defect."""
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict) or item.get("type") not in ITEM_TYPES or not isinstance(item.get("item"), str) \
                or not isinstance(item.get("case_number"), str):
            _refuse(index, item, _("类型、编号或信访件编号缺失"))
        if item["type"] == "case":
            if not isinstance(item.get("case"), dict):
                _refuse(index, item, _("缺少信访件内容"))
            _check_rows(index, item, Case, [item["case"]], codes, _("信访件"))
            if item["case"].get("number") != item["case_number"]:
                _refuse(index, item, _("信访件编号不一致"))
            _check_rows(index, item, Petitioner, item.get("petitioners"), codes, _("信访人"))
            _check_rows(index, item, Assignment, item.get("assignments"), codes, _("交办记录"))
            _check_rows(index, item, ExtensionRequest, item.get("extensions"), codes, _("延期申请"))
            _check_rows(index, item, Supervision, item.get("supervisions"), codes, _("督办"))
            _check_rows(index, item, ReviewRequest, item.get("reviews"), codes, _("复查复核"))
            _check_rows(index, item, Evaluation, item.get("evaluations"), codes, _("满意度评价"))
            # (absent from a sender of an earlier release)
            _check_rows(index, item, Hearing, item.get("hearings") or [], codes, _("听证"))
            _check_rows(index, item, Mediation, item.get("mediations") or [], codes, _("调解和解"))
            for tag in item.get("abnormal_behaviors") or []:
                if codes.entry_pk(tag) is None:
                    _refuse(index, item, _("本系统的字典中没有 %(code)s") % {"code": tag})
            events = item.get("events")
            if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
                _refuse(index, item, _("处理记录格式有误"))
            for e in events:
                _check_event(index, item, e, codes)
            _check_files(index, item, sealed, item.get("attachments"))
            extras = item.get("extras") or []
            _check_files(index, item, sealed, extras)
        else:
            _check_event(index, item, item, codes)
            for name in ("refs", "state"):
                if not isinstance(item.get(name), dict):
                    _refuse(index, item, _("缺少%(name)s") % {"name": name})
            _check_files(index, item, sealed, item.get("attachments"))
            if item.get("extra") is not None:
                _check_files(index, item, sealed, [item["extra"]])
            _check_event_rows(index, item, codes)


def _check_event_rows(index, item, codes):
    """The rows an entry carries for its replay (``instance_rows.event_rows``)."""
    rows = item.get("rows") or {}
    if not isinstance(rows, dict):
        _refuse(index, item, _("处理记录的数据行格式有误"))
    if "hearing" in rows:
        _check_rows(index, item, Hearing, [rows["hearing"]], codes, _("听证"))
    if "mediation" in rows:
        _check_rows(index, item, Mediation, [rows["mediation"]], codes, _("调解和解"))
    if "correction" in rows:
        correction = rows["correction"]
        people = correction.get("petitioners") if isinstance(correction, dict) else None
        if not isinstance(people, dict) or not all(str(k).isdigit() for k in people):
            _refuse(index, item, _("更正内容格式有误"))
        _check_rows(index, item, Case, [correction.get("case") or {}], codes, _("更正内容"))
        _check_rows(index, item, Petitioner, list(people.values()), codes, _("更正内容（信访人）"))


def _check_event(index, item, event, codes):
    if not isinstance(event.get("key"), str) or not isinstance(event.get("action"), str) \
            or not isinstance(event.get("data", {}), dict):
        _refuse(index, item, _("处理记录缺少编号或操作"))
    _check_time(index, item, event.get("created_at"), _("处理时间"))
    for name, label in (("actor_org", _("操作机构")), ("target_org", _("目标机构")),
                        ("target_user_org", _("目标人员所在机构"))):
        _check_org(index, item, codes, event.get(name), label)
    for target in (event.get("data") or {}).get("targets") or []:
        _check_org(index, item, codes, (target or {}).get("org"), _("承办单位"))
    if event.get("deadline"):
        try:
            date.fromisoformat(event["deadline"])
        except (TypeError, ValueError):
            _refuse(index, item, _("期限格式有误"))


# ---------------------------------------------------------------- helpers

class Context:
    """What the items of one package share: the sender, the package, the codes, the staged files
    (removed if the package is rolled back) and the exchange accounts."""

    def __init__(self, *, peer, sealed, codes):
        self.peer, self.sealed, self.codes = peer, sealed, codes
        self.case_ids = set()  # the cases written, told to the statistics by the caller (instances.py)
        self.staged = []
        self.cleanup = []
        self._accounts = {}
        self._peers = None
        self._own = None

    def account(self, org):
        if org.pk not in self._accounts:
            self._accounts[org.pk] = exchange_account_for(org)
        return self._accounts[org.pk]

    def org(self, code):
        return OrgUnit.objects.filter(code=code).first() if code else None

    def served_here(self, org):
        if self._peers is None:
            self._peers, self._own = active_peers(), self_org()
        return serving_peer(org, self._peers, self._own) is None

    def stage(self, meta):
        data = self.sealed.file_bytes(meta["sha256"])
        staged = stage_chunks([data], original_name=meta.get("name") or meta["sha256"],
                              content_type=meta.get("content_type") or "application/octet-stream")
        self.staged.append(staged)
        return staged

    def discard(self):
        discard(self.staged)
        for path in self.cleanup:
            path.unlink(missing_ok=True)


def _history(case, e, ctx, conflict=""):
    """Append ``e`` (a travelling trail entry) to ``case``'s trail as history."""
    data = dict(e.get("data") or {})
    for name in ("hearing", "mediation"):
        # the case page finds a hearing's or a mediation's entry (and its files) by the local id
        local = resolve(name, data[name]) if isinstance(data.get(name), str) else None
        if local is not None:
            data[name] = local
    data["exchange"] = {"key": e["key"], "actor": e.get("actor", ""), "target_user": e.get("target_user", ""),
                        "peer": ctx.peer.org.code}
    if conflict:
        data["exchange"]["conflict"] = conflict
    event = CaseEvent(
        case=case, action=e["action"], from_status=e.get("from") or "", to_status=e.get("to") or "", actor=None,
        actor_org_id=ctx.codes.org_pk(e.get("actor_org")), target_org_id=ctx.codes.org_pk(e.get("target_org")),
        target_user=None, note=e.get("note") or "",
        deadline=date.fromisoformat(e["deadline"]) if e.get("deadline") else None,
        data=data, audit=None, created_at=datetime.fromisoformat(e["created_at"]),
    )
    event.save()
    ref_record("event", e["key"], event.pk)
    return event


def _store_attachments(case, metas, event, ctx):
    staged = [ctx.stage(meta) for meta in metas or []]
    attachments_store(staged, case=case, actor=None, event=event)


def _extras(case, event, extra, ctx):
    handler = handler_for(event.action)
    if handler is None or not extra:
        return
    handler.apply(case=case, event=event, payload=extra, file_bytes=ctx.sealed.file_bytes, resolve=resolve,
                  record_ref=ref_record, account_for=ctx.account, cleanup=ctx.cleanup)


# ---------------------------------------------------------------- a copy

def _copy(item, ctx):
    number = item["case_number"]
    existing = Case.objects.filter(number=number).first()
    if existing is not None:
        if not SharedCase.objects.filter(case=existing, peer=ctx.peer).exists():
            return Outcome(ItemOutcome.CONFLICT, existing,
                           message=_("本系统已有编号为%(number)s的信访件（不是该系统交来的），未建立副本。") % {"number": number})
        registered = item["case"].get("registered_at")
        if _same_moment(registered, existing.registered_at) if registered \
                else resolve("case", item["item"]) == existing.pk:
            return Outcome(ItemOutcome.SKIPPED, existing)
        # The number came back for another case: the sender was restored from a backup and numbered again
        # (docs/architecture.md §6.2, re-basing). Neither is taken for the other.
        return Outcome(ItemOutcome.CONFLICT, existing,
                       message=_("本系统已有该系统交来的编号为%(number)s的信访件，但登记时间不同：对方系统可能已从备份恢复、"
                                 "编号被重复使用，未建立副本，请两端核对。") % {"number": number})
    codes = ctx.codes
    values = row_values(Case, _fields_only(item["case"]), codes)
    org_code = item["case"]["registered_org"]
    if values["query_code"] and Case.objects.filter(query_code=values["query_code"]).exists():
        values["query_code"] = query_code_generate()
    case = Case(**values, registered_path=codes.path(org_code), registered_by=None, submit_token=None,
                search_tokens=search_text(values.get("content") or "", values.get("summary") or "",
                                          values.get("responsible_unit") or ""))
    case.save()
    first = item["case"].get("first_case")
    if first:
        Case.objects.filter(pk=case.pk).update(first_case=Case.objects.filter(number=first).first())
    tags = [codes.entry_pk(t) for t in item.get("abnormal_behaviors") or []]
    if tags:
        case.abnormal_behaviors.set(tags)
    Petitioner.objects.bulk_create([Petitioner(case=case, **row_values(Petitioner, p, codes))
                                    for p in item.get("petitioners") or []])
    local = {}
    for row in item.get("assignments") or []:
        values = row_values(Assignment, _fields_only(row), codes)
        by_org = OrgUnit.objects.get(pk=values["assigned_by_org_id"])
        a = Assignment(case=case, parent_id=local.get(row.get("parent")), assigned_by=ctx.account(by_org),
                       org_path=codes.path(row["org"]), **values)
        a.save()
        local[row["key"]] = a.pk
        ref_record("assignment", row["key"], a.pk)
    for row in item.get("extensions") or []:
        values = row_values(ExtensionRequest, _fields_only(row), codes)
        assignment = Assignment.objects.select_related("org", "assigned_by_org").get(pk=local[row["assignment"]])
        created_at = values.pop("created_at", None)
        ext = ExtensionRequest.objects.create(
            assignment=assignment, requested_by=ctx.account(assignment.org),
            decided_by=ctx.account(assignment.assigned_by_org) if values.get("decided_at") else None, **values)
        if created_at:
            ExtensionRequest.objects.filter(pk=ext.pk).update(created_at=created_at)
        ref_record("extension", row["key"], ext.pk)
    for row in item.get("supervisions") or []:
        values = row_values(Supervision, _fields_only(row), codes)
        by_org = OrgUnit.objects.get(pk=values["ordered_by_org_id"])
        feedback_org = OrgUnit.objects.filter(pk=values.get("feedback_org_id")).first()
        order = Supervision.objects.create(case=case, ordered_by=ctx.account(by_org),
                                           feedback_by=ctx.account(feedback_org) if feedback_org else None, **values)
        ref_record("supervision", row["key"], order.pk)
    for row in item.get("reviews") or []:
        review = ReviewRequest.objects.create(case=case, **row_values(ReviewRequest, _fields_only(row), codes))
        ref_record("review", row["key"], review.pk)
    for row in item.get("evaluations") or []:
        Evaluation.objects.create(case=case, **row_values(Evaluation, row, codes))
    for row in item.get("hearings") or []:
        values = row_values(Hearing, _fields_only(row), codes)
        account = ctx.account(OrgUnit.objects.get(pk=values["org_id"]))
        hearing = Hearing.objects.create(case=case, review_id=resolve("review", row.get("review")), created_by=account,
                                         concluded_by=account if values.get("concluded_at") else None, **values)
        ref_record("hearing", row["key"], hearing.pk)
    for row in item.get("mediations") or []:
        values = row_values(Mediation, _fields_only(row), codes)
        account = ctx.account(OrgUnit.objects.get(pk=values["org_id"]))
        mediation = Mediation.objects.create(case=case, recorded_by=account, **values)
        ref_record("mediation", row["key"], mediation.pk)
    events = {e["key"]: _history(case, e, ctx) for e in item["events"]}
    by_event = {}
    for meta in item.get("attachments") or []:
        by_event.setdefault(meta.get("event"), []).append(meta)
    for key, metas in by_event.items():
        _store_attachments(case, metas, events.get(key), ctx)
    for extra in item.get("extras") or []:
        event = events.get(extra.get("event"))
        if event is not None:
            _extras(case, event, extra, ctx)
    _counter_raise(case)
    SharedCase.objects.create(case=case, peer=ctx.peer, linked_at=clock.now())
    ref_record("case", item["item"], case.pk)
    _welcome(case, ctx)
    return Outcome(ItemOutcome.COPIED, case, action="copy")


def _counter_raise(case):
    """Local numbering of the registering organization stays clear of the copy's number."""
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(org_id=case.registered_org_id,
                                                                             year=case.year)
    if counter.last_seq < case.seq:
        CaseCounter.objects.filter(pk=counter.pk).update(last_seq=case.seq)


def _welcome(case, ctx):
    """The organizations served here with a pending assignment see the case (a confidential one
    through grants) and are told, as an assignment made here would tell them."""
    open_ = [a for a in Assignment.objects.filter(case=case).select_related("org")
             if a.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.DELEGATED)
             and ctx.served_here(a.org)]
    if not open_:
        return
    case_grant_view(case=case, orgs=[a.org for a in open_])
    for a in open_:
        if a.status == AssignmentStatus.PENDING:
            notify.notify_on_commit(
                users=users_acting_for([a.org], (HANDLE, TRIAGE)),
                title=_("上级系统交办：%(number)s（受理期限 %(due)s）") % {"number": case.number, "due": a.acceptance_due},
                case=case, topic=notify.ASSIGNED)


# ---------------------------------------------------------------- a trail entry

def _assignment(item, name="assignment"):
    key = item["refs"].get(name)
    pk = resolve("assignment", key)
    if pk is None:
        raise ItemRefused(_("本系统没有对应的交办记录（%(key)s）。") % {"key": key})
    return pk


def _ref(item, kind, name=None):
    key = item["refs"].get(name or kind)
    pk = resolve(kind, key)
    if pk is None:
        raise ItemRefused(_("本系统没有对应的记录（%(key)s）。") % {"key": key})
    return pk


def _targets(item, ctx):
    out = []
    for t in item["data"].get("targets") or []:
        due = t.get("handling_due")
        out.append({"org": ctx.org(t["org"]), "deadline": date.fromisoformat(due) if due else None,
                    "is_lead": bool(t.get("lead"))})
    return out


def _entry(kind, code):
    entry = DictEntry.objects.filter(kind=kind, code=code).first() if code else None
    if entry is None:
        raise ItemRefused(_("本系统的字典中没有 %(code)s。") % {"code": code})
    return entry


def _group(item, case, account, codes_key, *, exact):
    """The review group (parent id, 0 for the top) whose reported members are the organizations
    the entry names: all of them (审核通过) or among them (退回重办)."""
    wanted = set(item["data"].get(codes_key) or [])
    for parent_id, members in permissions.Facts(account, case).reviewable_groups():
        reported = {m.org.code: m for m in members if m.status == AssignmentStatus.REPORTED}
        if (set(reported) == wanted) if exact else (wanted and wanted <= set(reported)):
            return parent_id, reported
    raise ItemRefused(_("本系统没有待审核的对应办理结果。"))


def _in_approve_result(item, case, account, ctx):
    parent_id, _reported = _group(item, case, account, "approved", exact=True)
    inputs = {"group": parent_id or 0}
    edited = (item["data"].get("answer_edited") or {}).get("approved")
    if edited:
        inputs["answer_text"] = edited
    return inputs


def _in_send_back(item, case, account, ctx):
    parent_id, reported = _group(item, case, account, "sent_back", exact=False)
    inputs = {"group": parent_id or 0}
    names = item["data"].get("sent_back") or []
    if len(names) == 1 and len(reported) > 1:
        inputs["assignment"] = reported[names[0]].pk
    return inputs


def _in_assign(item, case, account, ctx):
    parent = item["refs"].get("parent")
    inputs = {"targets": _targets(item, ctx)}
    if parent:
        inputs["parent"] = _assignment(item, "parent")
    return inputs


def _in_instruct(item, case, account, ctx):
    return {"targets": _targets(item, ctx)} if item["data"].get("direct") else {}


def _in_report_leader(item, case, account, ctx):
    org = ctx.org(item.get("target_user_org"))
    if org is None:
        raise ItemRefused(_("缺少呈报领导所在机构。"))
    return {"leader": ctx.account(org), "deadline": date.fromisoformat(item["deadline"]) if item.get("deadline") else None}


def _in_close(item, case, account, ctx):
    data = item["data"]
    return {"closure_category": _entry(DictKind.CLOSURE, data.get("closure_category")),
            "closure_org": ctx.org(data.get("closure_org")), "closure_region": ctx.org(data.get("closure_region")),
            "problem": _entry(DictKind.PROBLEM, data.get("problem")), "archive": bool(data.get("archived"))}


def _deadline(item):
    return date.fromisoformat(item["deadline"]) if item.get("deadline") else None


def _row(item, name, model, ctx):
    """The values of the row ``name`` the entry carries for its replay (``instance_rows.event_rows``)."""
    row = (item.get("rows") or {}).get(name)
    if not isinstance(row, dict):
        raise ItemRefused(_("处理记录缺少%(what)s的内容（对方系统版本较早）。") % {"what": model._meta.verbose_name})
    try:
        return row_values(model, _fields_only(row), ctx.codes)
    except RowError as exc:
        raise ItemRefused(exc.message) from None


def _in_schedule_hearing(item, case, account, ctx):
    hearing = _row(item, "hearing", Hearing, ctx)
    return {name: hearing.get(name) for name in ("scheduled_at", "place", "participants", "chair")}


def _in_record_hearing(item, case, account, ctx):
    hearing = _row(item, "hearing", Hearing, ctx)
    # The hearing here must be the one the conclusion is about (the rule takes the open one).
    local = _ref(item, "hearing")
    if not Hearing.objects.filter(pk=local, case=case, resumed_on__isnull=True).exists():
        raise ItemRefused(_("本系统中该听证已结束或不存在（%(key)s）。") % {"key": item["refs"].get("hearing")})
    return {"minutes": hearing.get("minutes") or ""}


def _in_record_mediation(item, case, account, ctx):
    mediation = _row(item, "mediation", Mediation, ctx)
    return {name: mediation.get(name) for name in ("kind", "outcome", "parties", "held_on", "agreement")}


def _in_route(item, case, account, ctx):
    return {"org": ctx.org(item["data"].get("org"))}


# The steps taken again here, and how their inputs are read back from the entry.
REPLAY = {
    "report_leader": _in_report_leader,
    "instruct": _in_instruct,
    "assign": _in_assign,
    "transfer": _in_assign,
    "reject": lambda item, case, account, ctx: {"reason": _entry(DictKind.REJECT_REASON, item["data"].get("reason_code")),
                                                "channel": item["data"].get("channel", "")},
    "not_reaccept": lambda item, case, account, ctx: {},
    "answer": lambda item, case, account, ctx: {"opinion": item["data"].get("opinion")},
    "accept": lambda item, case, account, ctx: {"assignment": _assignment(item)},
    "return": lambda item, case, account, ctx: {"assignment": _assignment(item)},
    "request_extension": lambda item, case, account, ctx: {"assignment": _assignment(item, "extension_assignment"),
                                                           "days": item["data"].get("days")},
    "approve_extension": lambda item, case, account, ctx: {"extension": _ref(item, "extension")},
    "refuse_extension": lambda item, case, account, ctx: {"extension": _ref(item, "extension")},
    "report_result": lambda item, case, account, ctx: {"assignment": _assignment(item),
                                                       "opinion": item["data"].get("opinion")},
    "approve_result": _in_approve_result,
    "send_back": _in_send_back,
    "request_review": lambda item, case, account, ctx: {},
    "review_decision": lambda item, case, account, ctx: {"conclusion": item["data"].get("conclusion")},
    "request_recheck": lambda item, case, account, ctx: {},
    "recheck_decision": lambda item, case, account, ctx: {"conclusion": item["data"].get("conclusion")},
    "close": _in_close,
    "archive": lambda item, case, account, ctx: {},
    "publish_reply": lambda item, case, account, ctx: {},
    "supervise": lambda item, case, account, ctx: {"deadline": _deadline(item)},
    "supervision_feedback": lambda item, case, account, ctx: {"supervision": _ref(item, "supervision"),
                                                              "adopted": item["data"].get("adopted", "")},
    "reclassify": lambda item, case, account, ctx: {"matter_class": item["data"].get("to")},
    # The procedures of docs/domain.md §3.5 (docs/architecture.md §6.2, "Applying").
    "route_legal": _in_route,
    "route_discipline": _in_route,
    "guide_procedure": lambda item, case, account, ctx: {"procedure": item["data"].get("procedure")},
    "apply_simple": lambda item, case, account, ctx: {"basis": item["data"].get("basis")},
    "convert_ordinary": lambda item, case, account, ctx: {},
    "schedule_hearing": _in_schedule_hearing,
    "record_hearing": _in_record_hearing,
    "record_mediation": _in_record_mediation,
    "mark_urgent": lambda item, case, account, ctx: {},
    "void": lambda item, case, account, ctx: {},
}
# Entries that are not transitions and are taken again through their own service.
SERVICES = frozenset({"evaluate", "correct"})
# Workflow steps recorded here as history only, deliberately, and why (docs/architecture.md §6.2).
HISTORY_ONLY = frozenset({
    # A recusal withdraws a person; people are local to the instance they work in. Here the step would
    # withdraw the organization's exchange account, through which every later step of it arrives.
    "declare_recusal", "order_recusal",
    # Urgent alerts go to each instance's own duty roster (mark_urgent is taken again and alerts this
    # instance's); an acknowledgment answers one's own alert, which the exchange account never receives.
    "acknowledge_alert",
    # Voiding a case that has left the pool is the holding bureau's two-person decision (申请作废 and
    # 批准作废 by different people). Taken again, request and approval would be one exchange account,
    # which the rule refuses; a pending or refused request changes nothing on the case.
    "request_void", "refuse_void", "approve_void",
})
# History-only steps after which the two sides differ: listed as conflicts (未能办理) for the offices.
FLAGGED = {
    "approve_void": gettext_lazy("对方系统已批准作废该信访件。已离开分流池的件作废须由持有该件的机构经两人审批，"
                                 "本系统不代为作废，已记入处理记录，请两端核对。"),
}
# New rows a step makes, mapped to the keys the entry gives them: (model, case filter, refs name).
NEW_ROWS = {
    "request_extension": (ExtensionRequest, "assignment__case", "extension", "extension"),
    "supervise": (Supervision, "case", "supervision", "supervision"),
    "request_review": (ReviewRequest, "case", "review", "review"),
    "request_recheck": (ReviewRequest, "case", "review", "review"),
    "schedule_hearing": (Hearing, "case", "hearing", "hearing"),
    "record_mediation": (Mediation, "case", "mediation", "mediation"),
}


def _replay(item, case, ctx):
    """Take the entry's step here; return the local entry it wrote. Raises ``ItemRefused`` or a
    workflow refusal (``ServiceError``, ``NotAllowed``)."""
    action = item["action"]
    org = ctx.org(item.get("actor_org"))
    if org is None:
        raise ItemRefused(_("缺少操作机构。"))
    account = ctx.account(org)
    if case.is_confidential:
        assign_perm("petitions.view_case", account, case)
    before = {
        "assignment": set(Assignment.objects.filter(case=case).values_list("pk", flat=True)),
        "event": CaseEvent.objects.filter(case=case).order_by("-id").values_list("pk", flat=True).first() or 0,
    }
    moment = datetime.fromisoformat(item["created_at"])
    with clock.at(moment):
        if action == "evaluate":
            data = item["data"]
            called = data.get("called_at")
            case_evaluate(case=case, ratings=data.get("ratings") or {}, actor=account, comment=item.get("note", ""),
                          source=data.get("source") or "portal",
                          called_at=datetime.fromisoformat(called) if called else None, callee=data.get("callee", ""))
        elif action == "correct":
            data, people = _in_correct(item, case, ctx)
            case_correct(case=case, actor=account, data=data, petitioners=people, reason=item.get("note", ""))
        else:
            inputs = REPLAY[action](item, case, account, ctx)
            staged = [ctx.stage(meta) for meta in item.get("attachments") or []]
            if staged:
                inputs["staged_files"] = staged
            case_transition(case=case, action=action, actor=account, note=item.get("note", ""), **inputs)
    event = CaseEvent.objects.filter(case=case, action=action, pk__gt=before["event"]).order_by("-id").first()
    _map_new_rows(item, case, before)
    return event


def _related(field, value):
    """The object a correction's travelling value names (``row_values`` gives its id)."""
    return field.related_model.objects.filter(pk=value).first() if value is not None else None


def _in_correct(item, case, ctx):
    """The registration as the correction left it there, for ``case_correct``: every correctable field
    as it stands here, with the corrected ones (``rows["correction"]``) replaced, as the 更正登记 form
    sends it."""
    correction = (item.get("rows") or {}).get("correction")
    if not isinstance(correction, dict):
        raise ItemRefused(_("处理记录缺少更正内容（对方系统版本较早）。"))
    try:
        case_values = row_values(Case, correction.get("case") or {}, ctx.codes)
        person_values = {int(k): row_values(Petitioner, v, ctx.codes)
                         for k, v in (correction.get("petitioners") or {}).items()}
    except RowError as exc:
        raise ItemRefused(exc.message) from None
    data = {}
    for name in CORRECTABLE_CASE_FIELDS:
        f = Case._meta.get_field(name)
        if f.attname in case_values:
            value = case_values[f.attname]
            data[name] = _related(f, value) if f.is_relation else value
        else:
            data[name] = getattr(case, name)
    people = []
    existing = list(Petitioner.objects.filter(case=case).order_by("position"))
    for position in range(1, max([len(existing), *person_values]) + 1):
        person = existing[position - 1] if position <= len(existing) else None
        changed = person_values.get(position, {})
        values = {}
        for name in CORRECTABLE_PERSON_FIELDS:
            f = Petitioner._meta.get_field(name)
            if f.attname in changed:
                values[name] = _related(f, changed[f.attname]) if f.is_relation else changed[f.attname]
            else:
                values[name] = getattr(person, name) if person is not None else None
        people.append(values)
    return data, people


def _map_new_rows(item, case, before):
    refs = item["refs"]
    new_assignments = list(Assignment.objects.filter(case=case).exclude(pk__in=before["assignment"])
                           .select_related("org").order_by("id"))
    for origin in refs.get("new_assignments") or []:
        parent = resolve("assignment", origin.get("parent")) if origin.get("parent") else None
        for a in new_assignments:
            if a.org.code == origin["org"] and a.parent_id == parent:
                ref_record("assignment", origin["key"], a.pk)
                new_assignments.remove(a)
                break
    spec = NEW_ROWS.get(item["action"])
    if spec and refs.get(spec[2]):
        model, field, name, kind = spec
        row = model.objects.filter(**{field: case}).order_by("-id").values_list("pk", flat=True).first()
        if row is not None and resolve(kind, refs[name]) is None:
            ref_record(kind, refs[name], row)


def _divergence(item, case):
    """How the state here differs from the state the entry left there ("" when it does not)."""
    state = item["state"]
    case.refresh_from_db(fields=["status"])
    differences = []
    if state.get("status") != case.status:
        differences.append(_("信访件状态：对方为%(theirs)s，本系统为%(ours)s") % {"theirs": state.get("status"),
                                                                      "ours": case.status})
    statuses = dict(Assignment.objects.filter(case=case).values_list("pk", "status"))
    for a in state.get("assignments") or []:
        pk = resolve("assignment", a.get("key"))
        if pk is None or statuses.get(pk) != a.get("status"):
            differences.append(_("%(org)s的交办记录：对方为%(theirs)s，本系统为%(ours)s") % {
                "org": a.get("org"), "theirs": a.get("status"), "ours": statuses.get(pk, "—")})
    return "；".join(differences)


def _same_moment(text, moment):
    try:
        return text is not None and datetime.fromisoformat(text) == moment
    except (TypeError, ValueError):
        return False


def _known_elsewhere(item, local):
    """True when the entry here that the key ``item`` carries names (``local``) is another entry: not
    on the same case, of the same action, at the same time. Keys are reused only by an instance
    restored from a backup (its ids start again from the backup's)."""
    known = CaseEvent.objects.filter(pk=local).values("case__number", "action", "created_at").first()
    return known is not None and not (known["case__number"] == item["case_number"]
                                      and known["action"] == item["action"]
                                      and _same_moment(item.get("created_at"), known["created_at"]))


def _event(item, ctx):
    key = item["key"]
    case = Case.objects.filter(number=item["case_number"]).first()
    local = resolve("event", key)
    shared = case is not None and SharedCase.objects.filter(case=case, peer=ctx.peer).exists()
    if local is not None:
        if not _known_elsewhere(item, local):
            return Outcome(ItemOutcome.SKIPPED, case, item["action"], item.get("actor", ""))
        message = _("该记录的编号在本系统已对应另一条处理记录：对方系统可能已从备份恢复、编号被重复使用，未办理，"
                    "已记入处理记录，请两端核对。")
        if not shared:
            return Outcome(ItemOutcome.CONFLICT, case, item["action"], item.get("actor", ""), message)
        event = _history(case, item, ctx, conflict=message)
        _store_attachments(case, item.get("attachments"), event, ctx)
        return Outcome(ItemOutcome.CONFLICT, case, item["action"], item.get("actor", ""), message)
    if not shared:
        return Outcome(ItemOutcome.CONFLICT, case, item["action"], item.get("actor", ""),
                       _("本系统没有与该系统共享的信访件%(number)s。") % {"number": item["case_number"]})
    action = item["action"]
    outcome, message = ItemOutcome.HISTORY, ""
    event = None
    if action in FLAGGED:
        outcome, message = ItemOutcome.CONFLICT, str(FLAGGED[action])
    elif (action in REPLAY and action in TRANSITIONS) or action in SERVICES:
        try:
            with transaction.atomic():
                event = _replay(item, case, ctx)
            outcome = ItemOutcome.APPLIED
        except ItemRefused as exc:
            outcome, message = ItemOutcome.CONFLICT, exc.message
        except (ValidationError, PermissionDenied) as exc:
            outcome, message = ItemOutcome.CONFLICT, _message(exc)
    if event is None:
        event = _history(case, item, ctx, conflict=message)
        _store_attachments(case, item.get("attachments"), event, ctx)
    else:
        ref_record("event", key, event.pk)
        if outcome == ItemOutcome.APPLIED:
            diverged = _divergence(item, case)
            if diverged:
                outcome, message = ItemOutcome.DIVERGED, diverged
    _extras(case, event, item.get("extra"), ctx)
    relay(event, key, ctx.peer)
    return Outcome(outcome, case, action, item.get("actor", ""), message)


def item_apply(item, ctx):
    """Apply one checked item (see the module docstring); return its ``Outcome``."""
    with inbound(ctx.peer, item["item"]):
        outcome = _copy(item, ctx) if item["type"] == "case" else _event(item, ctx)
    if outcome.case is not None:
        ctx.case_ids.add(outcome.case.pk)
    return outcome
