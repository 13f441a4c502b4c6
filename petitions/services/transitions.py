"""Every change of a case's state goes through ``case_transition`` (one transaction).

In order: (1) lock the case row (``select_for_update``); (2) compare the form's ``version``
(optimistic check: a form opened before someone else acted is refused with
"该信访件已被他人处理，请刷新后重试"); (3) state guard from ``TRANSITIONS``; (4) role and
organization rule from ``petitions.permissions``; (5) the action's own checks and writes;
(6) ``version += 1`` and the current deadline; (7) one ``CaseEvent`` with its audit-chain row;
(8) reminders queued with ``transaction.on_commit``. Any refusal raises before anything is
written, and the transaction leaves nothing behind.

The per-action functions (``_apply_<action>``) receive a ``Step`` and may only be called from
``case_transition``. Named wrappers exist where a step needs extra data handled outside the
transaction (``case_report_result`` stages uploaded files first).
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm

from accounts.models import OrgUnit, User

from petitions.domain import assignment_tree as tree
from petitions import clock, permissions
from petitions.exceptions import ConcurrentModification, ServiceError, TransitionNotAllowed
from petitions.models import (
    Assignment, AssignmentKind, AssignmentStatus, Case, CaseView, DictEntry, DictKind, ExtensionRequest,
    ExtensionStatus, HandlingOpinion, ReviewLevel, ReviewRequest, Supervision, VoidRequest,
)
from petitions.workflow import HANDLE, OPEN_STATUSES, TRANSITIONS, TRIAGE, Status
from petitions.selectors.orgs import assignable_orgs
from petitions.services import attachments
from petitions.domain.deadlines import (
    ACCEPTANCE_DAYS, MAX_EXTENSION_DAYS, REVIEW_DECISION_DAYS, case_current_due, handling_due_for,
    review_possible_later, review_window,
)
from petitions.services.events import case_event_record, cases_changed
from accounts.reminders import reminders_clear
from accounts.selectors import users_acting_for
from petitions.services import notify
from petitions.services.notify import notify_on_commit

MAX_TARGETS = 10
MAX_DEADLINE_DAYS = 180  # a deadline further out than this is a typing mistake


@dataclass
class Step:
    """One transition in progress: inputs, the locked case, and what the event will say."""

    case: Case
    action: str
    actor: User
    note: str
    data: dict
    now: object
    today: date
    facts: permissions.Facts
    to_status: str | None = None
    target_org: OrgUnit | None = None
    target_user: User | None = None
    deadline: date | None = None
    event_data: dict = field(default_factory=dict)
    notices: list = field(default_factory=list)  # (users, title, topic)

    @property
    def assignments(self):
        return self.facts.assignments

    def tell(self, users, title, topic, include_recused=False):
        """Notify ``users`` after commit; ``topic`` is one of ``petitions.services.notify.TOPICS``.
        Users who have withdrawn from the case (回避) are left out, except for the notice of their
        own recusal (``include_recused``)."""
        self.notices.append((list(users), title, topic, include_recused))


def _error(message, field=None, code="invalid"):
    return ServiceError(message, field=field, code=code)


def case_transition(*, case, action, actor, version=None, note="", request=None, system=False, **data):
    """Perform ``action`` (a key of ``TRANSITIONS``) on ``case`` as ``actor``; return the case.

    ``version`` is the case version the actor's form was built from (None skips the
    optimistic check, for callers that just read the row). ``note`` is the opinion text
    (required where the transition says so). ``data`` holds the action's own inputs (see the
    ``_apply_*`` functions: targets, leader, deadline, reason, opinion, days ...).

    ``system=True`` (``actor`` None) is the scheduled scan acting on its own (automatic 归档 once
    the review window has passed): the state guard and every rule of the action apply, only the
    role and organization check is skipped; the trail names no person.

    Raises ``ConcurrentModification`` (version mismatch), ``TransitionNotAllowed`` (state or
    window), ``NotAllowed`` (role or organization), ``ServiceError`` (bad input, with
    ``field``). Writes: the case, the action's rows, one CaseEvent + audit row; reminders after
    commit.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ServiceError(_("未知的操作。"), code="unknown_action")
    note = (note or "").strip()
    staged = data.pop("staged_files", None) or []
    with transaction.atomic():
        locked = (Case.objects.select_for_update(of=("self",)).select_related("holder_org", "registered_org")
                  .get(pk=case.pk))
        if version not in (None, "") and str(version) != str(locked.version):
            raise ConcurrentModification()
        if locked.status not in transition.sources:
            raise TransitionNotAllowed(_("该信访件当前状态为“%(status)s”，不能%(action)s。") % {
                "status": locked.get_status_display(), "action": transition.label})
        if system:
            if actor is not None or action not in SYSTEM_ACTIONS:
                raise RuntimeError(f"{action} is not a system action")
            facts = permissions.Facts(None, locked)
        else:
            facts = permissions.require(actor, locked, action)
        if transition.requires_note and not note:
            raise _error(_("请填写%(label)s。") % {"label": transition.note_label}, field="note")
        from_status = locked.status
        step = Step(case=locked, action=action, actor=actor, note=note, data=data, now=clock.now(),
                    today=clock.today(), facts=facts)
        _apply_step(action)(step)

        new_status = step.to_status or from_status
        if new_status not in transition.possible_targets():
            raise RuntimeError(f"{action} would lead from {from_status} to {new_status}")
        if new_status not in OPEN_STATUSES and locked.is_supervised:
            _supervision_resolve(step)
        locked.status = new_status
        if new_status != Status.AWAITING_INSTRUCTION:
            locked.current_due = case_current_due(locked, step.assignments, _reviews(locked),
                                                  _open_supervision_dues(locked))
        locked.version += 1
        locked.save()
        event = case_event_record(
            case=locked, action=action, actor=actor, from_status=from_status, to_status=new_status, note=step.note,
            target_org=step.target_org, target_user=step.target_user, deadline=step.deadline,
            data=step.event_data, request=request,
        )
        if staged:
            attachments.attachments_store(staged, case=locked, actor=actor, event=event)
        _clear_done_reminders(step)
        for users, title, topic, include_recused in step.notices:
            notify_on_commit(users=users, title=title, case=locked, topic=topic, include_recused=include_recused)
        cases_changed([locked.pk])
    case.status, case.version = locked.status, locked.version
    return locked


SYSTEM_ACTIONS = frozenset({"archive"})  # what the scheduled scan may do without a person

# Reminders that ask for work, cleared by the action that does it (docs/architecture.md §8): the
# kinds, and whether only the acting organization's copies go (several units may each have been
# asked) or everyone's (one answer settles it).
CLEARS = {
    "instruct": ((notify.INSTRUCTION_REQUESTED,), False),
    "accept": ((notify.ASSIGNED,), True),
    "return": ((notify.ASSIGNED,), True),
    "assign": ((notify.ASSIGNED,), True),
    "transfer": ((notify.ASSIGNED,), True),
    "approve_extension": ((notify.EXTENSION_REQUESTED,), True),
    "refuse_extension": ((notify.EXTENSION_REQUESTED,), True),
    "approve_result": ((notify.RESULT_REPORTED,), True),
    "send_back": ((notify.RESULT_REPORTED,), True),
    "report_result": ((notify.SENT_BACK,), True),
    "review_decision": ((notify.REVIEW_REQUESTED,), True),
    "recheck_decision": ((notify.REVIEW_REQUESTED,), True),
    "approve_void": ((notify.VOID_REQUESTED,), False),
    "refuse_void": ((notify.VOID_REQUESTED,), False),
    "supervision_feedback": ((notify.SUPERVISED,), True),
}


def _clear_done_reminders(step):
    """Mark read the reminders the action has answered (请批示 after the instruction, 新交办件
    after acceptance, 延期申请待审批 after the decision ...), in the action's transaction."""
    topics, own_org_only = CLEARS.get(step.action, ((), False))
    if not topics:
        return
    user_ids = None
    if own_org_only:
        orgs = OrgUnit.objects.filter(pk__in=step.facts.org_ids)
        user_ids = users_acting_for(list(orgs)).values_list("pk", flat=True)
    reminders_clear(target=notify.case_target(step.case), topics=topics, user_ids=user_ids)


def _open_supervision_dues(case):
    return list(Supervision.objects.filter(case=case, resolved_at__isnull=True).values_list("due", flat=True))


def _reviews(case):
    return list(ReviewRequest.objects.filter(case=case).order_by("requested_at", "id"))


# --- helpers ------------------------------------------------------------------------------------

def case_grant_view(*, case, orgs):
    """Grant ``view_case`` on a confidential case to every active user acting for ``orgs``.

    Confidential (检举揭发) cases are visible only through per-case guardian grants
    (``CaseUserObjectPermission``); nothing is granted on an ordinary case. Call inside the
    transaction of the step that hands the case to those organizations."""
    if not case.is_confidential:
        return
    users = list(users_acting_for(orgs))
    if users:
        assign_perm("petitions.view_case", users, case)


def _deadline(value, *, today, field="deadline", required=True, label=None):
    label = label or _("期限")
    if value in (None, ""):
        if required:
            raise _error(_("请填写%(label)s。") % {"label": label}, field=field)
        return None
    if not isinstance(value, date):
        raise _error(_("%(label)s格式不正确。") % {"label": label}, field=field)
    if value <= today:
        raise _error(_("%(label)s须晚于今天。") % {"label": label}, field=field)
    if value > today + timedelta(days=MAX_DEADLINE_DAYS):
        raise _error(_("%(label)s不能超过%(days)d天。") % {"label": label, "days": MAX_DEADLINE_DAYS}, field=field)
    return value


def _pick(items, pk, *, field, message):
    """The item with ``pk`` among ``items`` (or the only one when ``pk`` is empty)."""
    if pk in (None, ""):
        if len(items) == 1:
            return items[0]
        raise _error(message, field=field)
    for item in items:
        if str(item.pk) == str(pk):
            return item
    raise _error(message, field=field)


def _dict_entry(value, kind, *, field, label):
    if isinstance(value, DictEntry):
        entry = value
    elif value in (None, ""):
        entry = None
    else:
        entry = DictEntry.objects.filter(pk=value).first()
    if entry is None or entry.kind != kind or not entry.is_active:
        raise _error(_("请选择%(label)s。") % {"label": label}, field=field)
    return entry


def _org_in_scope(value, step, *, field, label):
    org = value if isinstance(value, OrgUnit) else OrgUnit.objects.filter(pk=value).first() if value else None
    jp = step.facts.jurisdiction
    if org is None or not org.is_active or not jp or not org.path.startswith(jp):
        raise _error(_("请选择本级管辖范围内的%(label)s。") % {"label": label}, field=field)
    return org


def _triage_users(org):
    return users_acting_for([org], (TRIAGE,))


def _handler_users(orgs):
    return users_acting_for(orgs, (HANDLE, TRIAGE))


def _derive(step):
    step.to_status = tree.derive_status(step.assignments)


def _number(step):
    return step.case.number


# --- 上报领导 / 批示 --------------------------------------------------------------------------------

def _apply_report_leader(step):
    """data: leader (User or pk), deadline (date). The leader must hold 领导批示 and work in
    the actor's jurisdiction."""
    value = step.data.get("leader")
    leader = value if isinstance(value, User) else User.objects.filter(pk=value).first() if value else None
    jp = step.facts.jurisdiction
    if (leader is None or not leader.is_active or leader.organization is None
            or not leader.organization.path.startswith(jp or "\0") or not leader.has_perm("petitions.instruct_case")):
        raise _error(_("请选择本级管辖范围内的领导。"), field="leader")
    if permissions.Facts(leader, step.case).recused:
        raise _error(_("%(name)s已回避该信访件，请选择其他领导。") % {"name": leader.display_name}, field="leader")
    deadline = _deadline(step.data.get("deadline"), today=step.today, label=_("批示期限"))
    step.case.reported_leader = leader
    step.case.current_due = deadline
    step.target_user, step.deadline = leader, deadline
    step.to_status = Status.AWAITING_INSTRUCTION
    if step.case.is_confidential:
        assign_perm("petitions.view_case", leader, step.case)
    step.tell([leader], _("请批示：%(number)s（期限 %(due)s）") % {"number": _number(step), "due": deadline},
              topic=notify.INSTRUCTION_REQUESTED)


def _apply_instruct(step):
    """note: the instruction. data: targets (optional) — the leader assigns directly (交办);
    otherwise the case returns to the pool with the instruction shown."""
    step.case.latest_instruction = step.note
    holder = step.facts.holder
    targets = step.data.get("targets")
    if targets:
        _assign_targets(step, targets, kind=AssignmentKind.ASSIGN, parent=None, assigned_by_org=holder)
        step.event_data["direct"] = True
        _derive(step)
    else:
        step.to_status = Status.PENDING
    step.tell(_triage_users(holder), _("领导已批示：%(number)s") % {"number": _number(step)}, topic=notify.INSTRUCTED)


# --- 交办 / 转办 ----------------------------------------------------------------------------------

def _assign_targets(step, targets, *, kind, parent, assigned_by_org):
    """Create one assignment per target {org, deadline, is_lead}; validate each first."""
    case, today = step.case, step.today
    targets = [t for t in targets if t and t.get("org")]
    if not targets:
        raise _error(_("请至少选择一个承办单位。"), field="targets")
    if len(targets) > MAX_TARGETS:
        raise _error(_("一次最多交给%(n)d个单位。") % {"n": MAX_TARGETS}, field="targets")
    target_ids = [t["org"].pk if isinstance(t["org"], OrgUnit) else t["org"] for t in targets]
    allowed = set(assignable_orgs(step.actor, case).filter(pk__in=target_ids).values_list("pk", flat=True))
    busy = {a.org_id for a in tree.active(step.assignments)}
    leads = [t for t in targets if t.get("is_lead")]
    if len(leads) > 1:
        raise _error(_("只能指定一个主办单位。"), field="targets")
    seen = set()
    created = []
    for t in targets:
        org = t["org"] if isinstance(t["org"], OrgUnit) else OrgUnit.objects.filter(pk=t["org"]).first()
        if org is None or not org.is_active:
            raise _error(_("承办单位不存在或已停用。"), field="targets")
        # 条例第三十条第三款: never to the accused unit or anything under it.
        if case.is_confidential and case.accused_org_id and org.path.startswith(case.accused_org.path):
            raise _error(_("保密（检举揭发）件不得交给被检举单位“%(accused)s”或其下级机构：%(org)s。") % {
                "accused": case.accused_org.name, "org": org.name}, field="targets")
        # Only downwards (``assignable_orgs``, the set the form offers), never back to the unit
        # that handed the case down.
        if org.pk not in allowed or (parent is not None and org.pk == parent.org_id):
            raise _error(_("“%(org)s”不是本级管辖范围内的下级机构或部门。") % {"org": org.name}, field="targets")
        if org.pk in seen or org.pk in busy:
            raise _error(_("“%(org)s”已在承办单位中。") % {"org": org.name}, field="targets")
        seen.add(org.pk)
        deadline = _deadline(t.get("deadline"), today=today, field="targets", required=False,
                             label=_("“%(org)s”的办理期限") % {"org": org.name})
        created.append(Assignment(
            case=case, parent=parent, org=org, org_path=org.path, assigned_by_org=assigned_by_org,
            assigned_by=step.actor, kind=kind, is_lead=bool(t.get("is_lead")) or not leads,
            acceptance_due=today + timedelta(days=ACCEPTANCE_DAYS), handling_due=deadline, note=step.note,
            created_at=step.now,
        ))
    for a in created:
        a.save()
        step.assignments.append(a)
    step.facts.index.update({a.pk: a for a in created})
    case_grant_view(case=case, orgs=[a.org for a in created])
    lead = next((a for a in created if a.is_lead), created[0])
    step.target_org = lead.org
    step.deadline = min(a.acceptance_due for a in created)
    step.event_data.update({
        "kind": kind, "parent": parent.pk if parent else None,
        "targets": [{"org": a.org.code, "name": a.org.name, "lead": a.is_lead,
                     "acceptance_due": a.acceptance_due.isoformat(),
                     "handling_due": a.handling_due.isoformat() if a.handling_due else None} for a in created],
    })
    label = AssignmentKind(kind).label
    for a in created:
        step.tell(_handler_users([a.org]), _("新%(kind)s件：%(number)s（受理期限 %(due)s）") % {
            "kind": label, "number": _number(step), "due": a.acceptance_due}, topic=notify.ASSIGNED)
    return created


def _apply_assign_or_transfer(step, kind):
    """data: targets — list of {org, deadline (办理期限, optional), is_lead}; parent (optional
    id of the actor's pending assignment when passing a received case on)."""
    case = step.case
    if case.status == Status.PENDING:
        parent = None
        assigned_by_org = step.actor.organization
        case.holder_org = assigned_by_org
    else:
        parent = _pick(step.facts.own(AssignmentStatus.PENDING), step.data.get("parent"), field="parent",
                       message=_("请选择要继续交办的交办记录。"))
        assigned_by_org = step.actor.organization
    _assign_targets(step, step.data.get("targets") or [], kind=kind, parent=parent, assigned_by_org=assigned_by_org)
    if parent is not None:
        parent.status = AssignmentStatus.DELEGATED
        parent.save()
    _derive(step)


def _apply_assign(step):
    _apply_assign_or_transfer(step, AssignmentKind.ASSIGN)


def _apply_transfer(step):
    _apply_assign_or_transfer(step, AssignmentKind.TRANSFER)


# --- 不予受理 / 不再受理 --------------------------------------------------------------------------

def _apply_reject(step):
    """data: reason (DictEntry of 不予受理理由), channel (the legal channel told to the petitioner)."""
    reason = _dict_entry(step.data.get("reason"), DictKind.REJECT_REASON, field="reason", label=_("不予受理理由"))
    channel = (step.data.get("channel") or "").strip()
    if not channel:
        raise _error(_("请填写告知信访人的途径（如向人民法院提起诉讼、申请仲裁或行政复议）。"), field="channel")
    step.case.answer_text = _("不予受理：%(reason)s。告知途径：%(channel)s") % {"reason": reason.name, "channel": channel}
    step.event_data.update({"reason_code": reason.code, "reason": reason.name, "channel": channel})
    step.case.closed_at = step.now  # 办结: a lawful refusal ends the matter (statistics count it 办结)
    step.to_status = Status.REJECTED


def _apply_not_reaccept(step):
    step.case.answer_text = _("不再受理：%(reason)s") % {"reason": step.note}
    if step.case.first_case_id:
        step.event_data["first_case"] = step.case.first_case.number
    step.case.closed_at = step.now
    step.to_status = Status.NOT_REACCEPTED


# --- handling organization ----------------------------------------------------------------------

def _apply_accept(step):
    """data: assignment (optional id when the actor's unit holds several)."""
    a = _pick(step.facts.own(AssignmentStatus.PENDING), step.data.get("assignment"), field="assignment",
              message=_("请选择要受理的交办记录。"))
    statutory = handling_due_for(step.today)
    a.status = AssignmentStatus.ACCEPTED
    a.accepted_at = step.now
    a.handling_due = min(a.handling_due, statutory) if a.handling_due else statutory
    a.save()
    node = step.facts.index.get(a.parent_id)
    while node is not None:
        if node.accepted_at is None:
            node.accepted_at = step.now
            node.save()
        node = step.facts.index.get(node.parent_id)
    case = step.case
    if case.accepted_at is None:
        case.accepted_at = step.now
        # 条例第三十四条: 60 days from acceptance.
        case.handling_due = statutory
    step.target_org, step.deadline = a.org, a.handling_due
    step.event_data["assignment"] = a.pk
    _derive(step)


def _apply_return(step):
    """note: the reason. Back to whoever assigned it: the intermediate bureau's own
    assignment becomes pending again, or the case returns to the assigning bureau's pool."""
    a = _pick(step.facts.own(AssignmentStatus.PENDING), step.data.get("assignment"), field="assignment",
              message=_("请选择要退回的交办记录。"))
    # 条例第二十三条第三款: within 5 working days of receipt (the rule checked that some own
    # assignment is still returnable; this is the one picked).
    due = step.facts.return_dues[a.pk]
    if due < step.today:
        raise TransitionNotAllowed(permissions.return_overdue_message(due))
    a.status = AssignmentStatus.RETURNED
    a.save()
    if a.parent_id:
        parent = step.facts.index[a.parent_id]
        if not tree.children_of(parent, step.assignments):
            parent.status = AssignmentStatus.PENDING
            parent.save()
    elif not tree.top_group(step.assignments):
        step.case.holder_org = a.assigned_by_org
    step.target_org = a.assigned_by_org
    step.event_data.update({"assignment": a.pk, "org": a.org.code, "return_due": due.isoformat()})
    _derive(step)
    step.tell(_triage_users(a.assigned_by_org), _("%(org)s退回：%(number)s") % {
        "org": a.org.name, "number": _number(step)}, topic=notify.RETURNED)


def _apply_request_extension(step):
    """data: days (1–30). note: the reason."""
    a = _pick(step.facts.own(AssignmentStatus.ACCEPTED), step.data.get("assignment"), field="assignment",
              message=_("请选择要延期的交办记录。"))
    try:
        days = int(step.data.get("days"))
    except (TypeError, ValueError):
        raise _error(_("请填写延期天数。"), field="days")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise _error(_("延期天数须在1至%(max)d天之间（《信访工作条例》第三十四条）。") % {"max": MAX_EXTENSION_DAYS},
                     field="days")
    ext = ExtensionRequest.objects.create(assignment=a, days=days, reason=step.note, requested_by=step.actor)
    step.target_org = a.assigned_by_org
    step.deadline = (a.handling_due or step.today) + timedelta(days=days)
    step.event_data.update({"extension": ext.pk, "days": days})
    step.tell(_triage_users(a.assigned_by_org), _("延期申请待审批：%(number)s（%(days)d天）") % {
        "number": _number(step), "days": days}, topic=notify.EXTENSION_REQUESTED)


def _decide_extension(step, approve):
    ext = _pick(step.facts.pending_extensions, step.data.get("extension"), field="extension",
                message=_("请选择要审批的延期申请。"))
    ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    ext.decided_by, ext.decided_at = step.actor, step.now
    ext.save()
    a = ext.assignment
    if approve:
        a = step.facts.index[a.pk]
        a.extension_days += ext.days
        a.handling_due = (a.handling_due or handling_due_for(step.today)) + timedelta(days=ext.days)
        a.save()
        if step.case.handling_due:
            step.case.handling_due += timedelta(days=ext.days)
        step.deadline = a.handling_due
    step.target_org = a.org
    step.event_data.update({"extension": ext.pk, "days": ext.days, "approved": approve})
    title = _("延期申请已批准：%(number)s") if approve else _("延期申请未批准：%(number)s")
    step.tell([ext.requested_by], title % {"number": _number(step)}, topic=notify.EXTENSION_DECIDED)


def _apply_approve_extension(step):
    _decide_extension(step, True)


def _apply_refuse_extension(step):
    _decide_extension(step, False)


def _apply_report_result(step):
    """note: the result. data: opinion (HandlingOpinion), assignment (optional id). Files are
    stored by ``case_transition`` from ``staged_files``."""
    a = _pick(step.facts.own(AssignmentStatus.ACCEPTED), step.data.get("assignment"), field="assignment",
              message=_("请选择要上报结果的交办记录。"))
    opinion = step.data.get("opinion")
    if opinion not in HandlingOpinion.values:
        raise _error(_("请选择处理意见。"), field="opinion")
    a.status = AssignmentStatus.REPORTED
    a.result_text, a.handling_opinion, a.reported_at = step.note, opinion, step.now
    step.event_data.update({"assignment": a.pk, "opinion": opinion})
    step.target_org = a.assigned_by_org
    if tree.needs_review(a, step.facts.index):
        a.save()
        if tree.group_ready_for_review(tree.group_of(a, step.assignments)):
            step.tell(_triage_users(a.assigned_by_org), _("办理结果待审核：%(number)s") % {"number": _number(step)},
                      topic=notify.RESULT_REPORTED)
    else:
        # 转办 all the way up: the handler's answer is the answer.
        a.status = AssignmentStatus.APPROVED
        a.save()
        _propagate(step, a)
    _derive(step)
    _answered_if_done(step)


# --- review of results ----------------------------------------------------------------------------

def _conclude(node, step):
    """Members not required (协办) that had not finished conclude with the group."""
    if node.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.DELEGATED,
                       AssignmentStatus.REPORTED):
        node.status = AssignmentStatus.APPROVED
        node.save()
    for child in tree.children_of(node, step.assignments):
        _conclude(child, step)


def _combined_result(members):
    done = [m for m in members if m.status == AssignmentStatus.APPROVED and m.result_text]
    if len(done) == 1:
        return done[0].result_text
    return "\n\n".join(f"【{m.org.name}】{m.result_text}" for m in done)


def _propagate(step, node):
    """After ``node`` was approved: when its group is complete, pass the result up."""
    group = tree.group_of(node, step.assignments)
    if not tree.group_complete(group):
        return
    lead = tree.required(group)[0]
    text = _combined_result(tree.required(group))
    for member in group:
        if member not in tree.required(group):
            _conclude(member, step)
    if node.parent_id is None:
        step.event_data["answer"] = True
        edited = (step.data.get("answer_text") or "").strip()
        if edited and edited != text.strip():
            # The approver rewrote the reply the petitioner will read: both stay in the trail.
            step.event_data["answer_edited"] = {"handler": text, "approved": edited}
            text = edited
        step.case.answer_text = text
        step.case.handling_opinion = lead.handling_opinion
        return
    parent = step.facts.index[node.parent_id]
    parent.result_text, parent.handling_opinion, parent.reported_at = text, lead.handling_opinion, step.now
    if tree.needs_review(parent, step.facts.index):
        parent.status = AssignmentStatus.REPORTED
        parent.save()
        if tree.group_ready_for_review(tree.group_of(parent, step.assignments)):
            step.tell(_triage_users(parent.assigned_by_org), _("办理结果待审核：%(number)s") % {
                "number": _number(step)}, topic=notify.RESULT_REPORTED)
    else:
        parent.status = AssignmentStatus.APPROVED
        parent.save()
        _propagate(step, parent)


def _apply_answer(step):
    """The petition bureau answers the matter itself, from the pool (咨询, 建议意见, matters of
    its own competence: 条例第二十九条、第三十二条). note: the answer the petitioner receives;
    data: opinion (HandlingOpinion). The case is 受理 and 答复 at once; the 复查 window and the
    evaluation open as after any answer."""
    opinion = step.data.get("opinion")
    if opinion not in HandlingOpinion.values:
        raise _error(_("请选择处理意见。"), field="opinion")
    case = step.case
    case.answer_text, case.handling_opinion = step.note, opinion
    case.accepted_at = case.accepted_at or step.now
    step.event_data.update({"opinion": opinion, "answer": True, "by_bureau": True})
    step.to_status = Status.ANSWERED
    _answered_if_done(step)


def _answered_if_done(step):
    if step.to_status == Status.ANSWERED:
        step.case.answered_at = step.now
        step.deadline = None
        leaf = tree.handling_leaf(step.assignments)
        if leaf is not None:
            step.event_data["handling_org"] = leaf.org.code


def _review_group(step):
    groups = step.facts.reviewable_groups()
    wanted = step.data.get("group")
    if wanted not in (None, ""):
        for parent_id, members in groups:
            if str(parent_id or 0) == str(wanted):
                return parent_id, members
        raise _error(_("请选择要审核的办理结果。"), field="group")
    return groups[0]


def _apply_approve_result(step):
    """data: group (optional: parent assignment id, 0 for the top level). Approves every
    reported member of the group; an intermediate bureau's approval passes the result up,
    the top assigning bureau's makes the case 已答复."""
    _parent_id, members = _review_group(step)
    approved = [m for m in members if m.status == AssignmentStatus.REPORTED]
    for m in approved:
        m.status = AssignmentStatus.APPROVED
        m.save()
    _propagate(step, approved[0])
    step.target_org = approved[0].org if len(approved) == 1 else None
    step.event_data["approved"] = [m.org.code for m in approved]
    _derive(step)
    _answered_if_done(step)
    step.tell(_handler_users([m.org for m in approved]), _("办理结果已审核通过：%(number)s") % {"number": _number(step)},
              topic=notify.RESULT_APPROVED)


def _reopen(node, step):
    """Send ``node`` back for re-handling, down to the units that actually handle it."""
    node.reported_at = None
    children = tree.children_of(node, step.assignments)
    if children:
        node.status = AssignmentStatus.DELEGATED
        node.save()
        reopened = []
        for child in tree.required(children):
            if child.status in (AssignmentStatus.REPORTED, AssignmentStatus.APPROVED):
                reopened += _reopen(child, step)
        return reopened
    node.status = AssignmentStatus.ACCEPTED
    node.save()
    return [node]


def _apply_send_back(step):
    """note: the reason. data: group (optional), assignment (optional: one member only)."""
    _parent_id, members = _review_group(step)
    reported = [m for m in members if m.status == AssignmentStatus.REPORTED]
    wanted = step.data.get("assignment")
    if wanted not in (None, ""):
        reported = [_pick(reported, wanted, field="assignment", message=_("请选择要退回重办的单位。"))]
    handlers = []
    for m in reported:
        handlers += _reopen(m, step)
    step.target_org = reported[0].org if len(reported) == 1 else None
    step.event_data["sent_back"] = [m.org.code for m in reported]
    _derive(step)
    step.tell(_handler_users([h.org for h in handlers]), _("退回重办：%(number)s") % {"number": _number(step)},
              topic=notify.SENT_BACK)


# --- 复查 / 复核 -------------------------------------------------------------------------------

def _apply_request_review_level(step, level):
    """note: the petitioner's reason. The next level up of the original handling organization
    (复查) or of the 复查 organ (复核) decides within 30 days."""
    reviews = step.facts.reviews
    if level == ReviewLevel.REVIEW:
        leaf = tree.handling_leaf(step.assignments)
        original = leaf.org if leaf is not None else step.case.registered_org
    else:
        original = [r for r in reviews if r.level == ReviewLevel.REVIEW][-1].org
    upper = original.parent
    if upper is None:
        raise _error(_("%(org)s在本系统内没有上一级机关，请告知信访人向上一级机关提出。") % {"org": original.name})
    due = step.today + timedelta(days=REVIEW_DECISION_DAYS)
    review = ReviewRequest.objects.create(case=step.case, level=level, org=upper, reason=step.note,
                                          requested_at=step.now, due=due)
    step.case.closed_at = None
    step.target_org, step.deadline = upper, due
    step.event_data.update({"review": review.pk, "level": level, "original_org": original.code})
    step.to_status = Status.REVIEWING if level == ReviewLevel.REVIEW else Status.RECHECKING
    case_grant_view(case=step.case, orgs=[upper])
    step.tell(_triage_users(upper), _("%(what)s申请待办理：%(number)s（期限 %(due)s）") % {
        "what": ReviewLevel(level).label, "number": _number(step), "due": due}, topic=notify.REVIEW_REQUESTED)


def _apply_request_review(step):
    _apply_request_review_level(step, ReviewLevel.REVIEW)


def _apply_request_recheck(step):
    _apply_request_review_level(step, ReviewLevel.RECHECK)


REVIEW_CONCLUSIONS = {
    "uphold": gettext_lazy("维持原处理意见"),
    "change": gettext_lazy("变更原处理意见"),
    "revoke": gettext_lazy("撤销原处理意见"),
}


def _apply_review_decision_level(step, level):
    """note: the opinion (复查意见 / 复核意见). data: conclusion (uphold / change / revoke)."""
    review = step.facts.open_review(level)
    conclusion = step.data.get("conclusion")
    if conclusion not in REVIEW_CONCLUSIONS:
        raise _error(_("请选择结论。"), field="conclusion")
    review.opinion, review.decided_at = step.note, step.now
    review.save()
    step.target_org = review.org
    step.event_data.update({"review": review.pk, "level": level, "conclusion": conclusion,
                            "conclusion_label": str(REVIEW_CONCLUSIONS[conclusion])})
    step.to_status = Status.ANSWERED
    if level == ReviewLevel.REVIEW:
        step.deadline = step.today + timedelta(days=REVIEW_DECISION_DAYS)  # the 复核 request window


def _apply_review_decision(step):
    _apply_review_decision_level(step, ReviewLevel.REVIEW)


def _apply_recheck_decision(step):
    _apply_review_decision_level(step, ReviewLevel.RECHECK)


# --- 办结归档 / 公开答复 / 督办 / 标记查看 ----------------------------------------------------------

def _archive_allowed(step):
    return not review_possible_later(step.case, step.facts.reviews, step.today)


def _apply_close(step):
    """data: closure_category (办结分类), closure_org (所属单位), closure_region (区域), problem
    (所属问题), archive (bool: archive in the same step, once no review can be asked for)."""
    case = step.case
    case.closure_category = _dict_entry(step.data.get("closure_category"), DictKind.CLOSURE,
                                        field="closure_category", label=_("办结分类"))
    case.closure_org = _org_in_scope(step.data.get("closure_org"), step, field="closure_org", label=_("所属单位"))
    case.closure_region = _org_in_scope(step.data.get("closure_region"), step, field="closure_region",
                                        label=_("区域"))
    case.problem = _dict_entry(step.data.get("problem"), DictKind.PROBLEM, field="problem", label=_("所属问题"))
    case.closed_at = step.now
    step.event_data.update({"closure_category": case.closure_category.code, "closure_org": case.closure_org.code,
                            "closure_region": case.closure_region.code, "problem": case.problem.code})
    step.to_status = Status.CLOSED
    if step.data.get("archive"):
        if not _archive_allowed(step):
            window = review_window(case, step.facts.reviews)
            raise _error(_("信访人可在%(end)s前申请%(what)s，期满前只能办结，不能归档。") % {
                "end": window.end.isoformat(), "what": ReviewLevel(window.level).label}, field="archive")
        case.archived_at = step.now
        step.to_status = Status.ARCHIVED
        step.event_data["archived"] = True


def _apply_archive(step):
    if not _archive_allowed(step):
        window = review_window(step.case, step.facts.reviews)
        raise TransitionNotAllowed(_("信访人可在%(end)s前申请%(what)s，期满后方可归档。") % {
            "end": window.end.isoformat(), "what": ReviewLevel(window.level).label})
    step.case.archived_at = step.now
    step.to_status = Status.ARCHIVED
    if step.actor is None:
        step.event_data["automatic"] = True


def _apply_publish_reply(step):
    step.case.public_reply = step.note
    step.case.public_reply_at = step.now


def _supervision_resolve(step):
    Supervision.objects.filter(case=step.case, resolved_at__isnull=True).update(resolved_at=step.now)
    step.case.is_supervised = False


def _apply_supervise(step):
    """note: the requirement. data: deadline. The handlers (or, before assignment, the
    holding bureau) are told."""
    due = _deadline(step.data.get("deadline"), today=step.today, label=_("督办期限"))
    Supervision.objects.create(case=step.case, ordered_by=step.actor, ordered_by_org=step.actor.organization,
                               requirement=step.note, due=due, created_at=step.now)
    step.case.is_supervised = True
    step.deadline = due
    live = [a.org for a in tree.active(step.assignments)
            if a.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.DELEGATED)]
    users = _handler_users(live) if live else _triage_users(step.facts.holder)
    step.tell(users, _("督办：%(number)s，请于%(due)s前办理并反馈") % {"number": _number(step), "due": due},
              topic=notify.SUPERVISED)


# --- 作废 (void) ------------------------------------------------------------------------------------

def _voided(step):
    """The case leaves every list and statistic: open assignments are withdrawn, 督办 resolved,
    no deadline runs. Its number, rows and trail stay."""
    case = step.case
    for a in step.assignments:
        if a.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.DELEGATED,
                        AssignmentStatus.REPORTED):
            a.status = AssignmentStatus.CANCELLED
            a.save(update_fields=["status"])
    Supervision.objects.filter(case=case, resolved_at__isnull=True).update(resolved_at=step.now)
    case.is_supervised = False
    step.to_status = Status.VOIDED


def _apply_void(step):
    """note: the reason. Only while the case is in the pool: one person decides."""
    step.event_data["reason"] = step.note
    _voided(step)


def _apply_request_void(step):
    VoidRequest.objects.create(case=step.case, requested_by=step.actor, reason=step.note, requested_at=step.now)
    users = [u for u in _triage_users(step.facts.holder) if u.pk != step.actor.pk]
    step.tell(users, _("作废申请待审批：%(number)s") % {"number": _number(step)}, topic=notify.VOID_REQUESTED)


def _decide_void(step, approve):
    request = step.facts.open_void_request
    request.decided_by, request.decided_at, request.approved = step.actor, step.now, approve
    request.save()
    step.event_data.update({"void_request": request.pk, "approved": approve, "reason": request.reason})
    step.tell([request.requested_by], (_("作废申请已批准：%(number)s") if approve else
                                       _("作废申请未批准：%(number)s")) % {"number": _number(step)},
              topic=notify.VOID_DECIDED)
    if approve:
        _voided(step)


def _apply_approve_void(step):
    _decide_void(step, True)


def _apply_refuse_void(step):
    _decide_void(step, False)


def _apply_mark_viewed(step):
    CaseView.objects.create(case=step.case, user=step.actor, org=step.actor.organization, action="mark_viewed")


APPLY = {
    "report_leader": _apply_report_leader,
    "instruct": _apply_instruct,
    "assign": _apply_assign,
    "transfer": _apply_transfer,
    "reject": _apply_reject,
    "not_reaccept": _apply_not_reaccept,
    "answer": _apply_answer,
    "accept": _apply_accept,
    "return": _apply_return,
    "request_extension": _apply_request_extension,
    "approve_extension": _apply_approve_extension,
    "refuse_extension": _apply_refuse_extension,
    "report_result": _apply_report_result,
    "approve_result": _apply_approve_result,
    "send_back": _apply_send_back,
    "request_review": _apply_request_review,
    "review_decision": _apply_review_decision,
    "request_recheck": _apply_request_recheck,
    "recheck_decision": _apply_recheck_decision,
    "close": _apply_close,
    "archive": _apply_archive,
    "publish_reply": _apply_publish_reply,
    "supervise": _apply_supervise,
    "mark_viewed": _apply_mark_viewed,
    "void": _apply_void,
    "request_void": _apply_request_void,
    "approve_void": _apply_approve_void,
    "refuse_void": _apply_refuse_void,
}


# The steps of the procedures of docs/domain.md §3.5 (classes, routing out, 简易办理, 听证, 调解和解,
# 回避, 督办反馈, 重大紧急) live in their own module, which uses the helpers above; its table is read
# when a step runs (``_apply_step``), so either module may be imported first.
from petitions.services import procedure_steps  # noqa: E402


def _apply_step(action):
    return APPLY.get(action) or procedure_steps.APPLY[action]


# --- named wrappers -------------------------------------------------------------------------------

def case_assign(*, case, actor, targets, transfer=False, version=None, note="", request=None, parent=None):
    """交办 (or 转办 with ``transfer=True``) to ``targets``: a list of {org, deadline, is_lead}."""
    return case_transition(case=case, action="transfer" if transfer else "assign", actor=actor, version=version,
                           note=note, request=request, targets=targets, parent=parent)


def case_report_result(*, case, actor, result, opinion, files=(), version=None, request=None, assignment=None):
    """上报结果 with attachments: files are checked and staged before the transaction (slow
    work outside the row lock) and moved into place inside it; on any error they are removed."""
    with attachments.staging(files) as staged:
        return case_transition(case=case, action="report_result", actor=actor, version=version, note=result,
                               request=request, opinion=opinion, assignment=assignment, staged_files=staged)



def case_record_mediation(*, case, actor, note, files=(), version=None, request=None, **data):
    """调解和解 with the signed 协议书 as attachments, staged before the transaction like
    ``case_report_result``'s files."""
    with attachments.staging(files) as staged:
        return case_transition(case=case, action="record_mediation", actor=actor, version=version, note=note,
                               request=request, staged_files=staged, **data)
