"""The ``_apply_<action>`` steps of the procedures of docs/domain.md §3.5: the three classes, routing
out, 简易办理, 听证, 调解/和解, 回避, 督办反馈 and 重大紧急.

Like the steps in ``petitions.services.transitions`` they receive a ``Step`` from
``case_transition`` (the case locked, the state and the rule of ``petitions.permissions``
checked) and may only be called from there; ``APPLY`` is merged into its table.
"""
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from accounts.reminders import reminders_clear
from accounts.selectors import users_acting_for

from petitions.domain import assignment_tree as tree
from petitions.domain.deadlines import handling_due_for, local_date, statutory_due
from petitions.domain.procedures import GUIDE_PROCEDURES, SIMPLE_BASIS_LABELS, hearing_days, resumed_due
from petitions.exceptions import TransitionNotAllowed
from petitions.models import (
    AssignmentStatus, CaseOutcome, ExtensionStatus, Hearing, MatterClass, Mediation, MediationKind, MediationOutcome,
    Procedure, Recusal, RecusalKind, ReviewLevel, ReviewRequest,
)
from petitions.selectors import workdays
from petitions.selectors.orgs import discipline_organs, legal_organs, recusable_users
from petitions.services import notify, urgent
from petitions.services import transitions as t
from petitions.workflow import SUPERVISE, Status



def _text(step, key, label, *, required=True, max_length=2000):
    value = (step.data.get(key) or "").strip()
    if required and not value:
        raise t._error(_("请填写%(label)s。") % {"label": label}, field=key)
    if len(value) > max_length:
        raise t._error(_("%(label)s不能超过%(n)d字。") % {"label": label, "n": max_length}, field=key)
    return value


# --- 调整类别 (条例第二十九至三十一条) ----------------------------------------------------------------

def _apply_reclassify(step):
    """data: matter_class. note: the reason. The trail keeps both classes."""
    value = step.data.get("matter_class")
    if value not in MatterClass.values:
        raise t._error(_("请选择信访事项类别。"), field="matter_class")
    case = step.case
    if value == case.matter_class:
        raise t._error(_("所选类别与当前类别相同。"), field="matter_class")
    before = case.matter_class
    case.matter_class = value
    step.event_data.update({"from": before, "to": value,
                            "from_label": str(MatterClass(before).label) if before else "",
                            "to_label": str(MatterClass(value).label)})


# --- routing out (条例第二十二条第二款、第三十条、第三十一条) ------------------------------------------

def _routed(step, outcome, org, text):
    case = step.case
    case.outcome, case.routed_to = outcome, org
    case.answer_text = text
    case.closed_at = step.now  # the matter leaves the petition procedure (statistics: 办结)
    step.target_org = org
    step.to_status = Status.ROUTED_OUT
    step.event_data.update({"outcome": outcome, "org": org.code if org else None})


def _organ(step, choices, *, message):
    value = step.data.get("org")
    pk = value.pk if isinstance(value, OrgUnit) else value
    org = choices.filter(pk=pk).first() if pk not in (None, "") else None
    if org is None:
        raise t._error(message, field="org")
    return org


def _apply_route_legal(step):
    """data: org (a 政法 organ of the holding bureau's level). note: the 转送 opinion."""
    org = _organ(step, legal_organs(step.actor, step.case),
                 message=_("请选择同级政法机关（本级的公安、法院、检察院、司法行政等部门）。"))
    _routed(step, CaseOutcome.LEGAL, org, _("涉法涉诉事项，已转送%(org)s依法处理。%(note)s") % {
        "org": org.name, "note": step.note})
    step.tell(t._handler_users([org]),
              _("转送：%(number)s（涉法涉诉事项）") % {"number": t._number(step)}, topic=notify.ROUTED)


def _apply_route_discipline(step):
    """data: org (the 纪检监察 organ by management authority). The case keeps its confidentiality:
    never to the accused unit or below it (the form does not offer them, this refuses them), and a
    confidential case is seen by the receiving organ through per-case grants only."""
    case = step.case
    value = step.data.get("org")
    pk = value.pk if isinstance(value, OrgUnit) else value
    org = OrgUnit.objects.filter(pk=pk).first() if pk not in (None, "") else None
    if org is not None and case.is_confidential and case.accused_org_id and org.path.startswith(case.accused_org.path):
        raise t._error(_("保密（检举揭发）件不得转给被检举单位“%(accused)s”或其下级机构。") % {
            "accused": case.accused_org.name}, field="org")
    org = _organ(step, discipline_organs(step.actor, case), message=_("请选择本级管辖范围内的纪检监察机关。"))
    _routed(step, CaseOutcome.DISCIPLINE, org, _("检举控告事项，已按干部管理权限转送%(org)s处理。") % {"org": org.name})
    t.case_grant_view(case=case, orgs=[org])
    step.tell(t._handler_users([org]), _("转送：%(number)s（检举控告事项）") % {"number": t._number(step)},
              topic=notify.ROUTED)


def _apply_guide_procedure(step):
    """data: procedure (诉讼/仲裁/行政复议/其他). note: what the petitioner is told in writing."""
    procedure = step.data.get("procedure")
    if procedure not in GUIDE_PROCEDURES:
        raise t._error(_("请选择法定途径。"), field="procedure")
    label = str(GUIDE_PROCEDURES[procedure])
    _routed(step, CaseOutcome.GUIDED, None, _("导入法定途径（%(way)s）：%(note)s") % {"way": label, "note": step.note})
    step.event_data.update({"procedure": procedure, "procedure_label": label})


# --- 简易办理 --------------------------------------------------------------------------------------

def _apply_apply_simple(step):
    """data: basis (one of ``SIMPLE_BASES``). In the pool the bureau accepts the matter itself now;
    later the clock runs from the case's acceptance. Deadline: 10 working days after the day of
    acceptance on the holiday calendar."""
    basis = step.data.get("basis")
    if basis not in SIMPLE_BASIS_LABELS:
        raise t._error(_("请选择适用简易办理的情形。"), field="basis")
    case = step.case
    if case.accepted_at is None:
        case.accepted_at = step.now  # 本机构受理
        step.event_data["accepted"] = True
    accepted_day = local_date(case.accepted_at)
    case.handling_due = case.handling_due or handling_due_for(accepted_day)
    due = workdays.simple_due(accepted_day)
    if due < step.today:
        raise TransitionNotAllowed(_("受理之日起10个工作日（至%(due)s）已过，不能适用简易办理。") % {"due": due.isoformat()})
    case.procedure, case.simple_basis, case.simple_at, case.simple_due = Procedure.SIMPLE, basis, step.now, due
    step.deadline = due
    step.event_data.update({"basis": basis, "basis_label": str(SIMPLE_BASIS_LABELS[basis]),
                            "accepted_on": accepted_day.isoformat(), "simple_due": due.isoformat()})


def _apply_convert_ordinary(step):
    """note: why it cannot be finished in time. The handling deadline is recomputed from the
    acceptance: 60 days (条例第三十四条) plus any approved extension."""
    case = step.case
    case.procedure, case.simple_converted_at = Procedure.ORDINARY, step.now
    step.event_data["simple_due"] = case.simple_due.isoformat() if case.simple_due else None
    if case.accepted_at is not None:
        extension = sum(e.days for a in step.assignments for e in a.extensions.all()
                        if e.status == ExtensionStatus.APPROVED)
        base = handling_due_for(local_date(case.accepted_at))
        case.handling_due = resumed_due(base, extension)
        step.deadline = case.handling_due
        step.event_data["handling_due"] = case.handling_due.isoformat()


# --- 听证 -------------------------------------------------------------------------------------------

def _hearing_review(step):
    """The 复核 a hearing precedes (None for a hearing during handling)."""
    if step.case.status == Status.RECHECKING:
        return step.facts.open_review(ReviewLevel.RECHECK)
    return None


def _apply_schedule_hearing(step):
    """data: scheduled_at (aware datetime, not in the past), place, participants, chair. The
    clock stops from today (``Case.paused_since``)."""
    when = step.data.get("scheduled_at")
    if not isinstance(when, datetime):
        raise t._error(_("请填写听证时间。"), field="scheduled_at")
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if local_date(when) < step.today:
        raise t._error(_("听证时间不能早于今天。"), field="scheduled_at")
    place = _text(step, "place", _("听证地点"), max_length=200)
    participants = _text(step, "participants", _("参加人员"))
    chair = _text(step, "chair", _("主持人"), max_length=100)
    case = step.case
    review = _hearing_review(step)
    if review is not None:
        org = review.org
    else:
        org = step.facts.own(AssignmentStatus.ACCEPTED)[0].org
    due_before = statutory_due(case, step.assignments, t._reviews(case))
    hearing = Hearing.objects.create(
        case=case, review=review, org=org, scheduled_at=when, place=place, participants=participants, chair=chair,
        paused_on=step.today, due_before=due_before, created_by=step.actor, created_at=step.now)
    case.paused_since = step.today
    step.target_org = org
    step.event_data.update({"hearing": hearing.pk, "scheduled_at": timezone.localtime(when).isoformat(timespec="minutes"),
                            "place": place, "chair": chair,
                            "due_before": due_before.isoformat() if due_before else None})
    step.note = step.note or _("听证时间：%(when)s；地点：%(place)s；主持人：%(chair)s；参加人员：%(who)s") % {
        "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"), "place": place, "chair": chair,
        "who": participants}
    upper = [a.assigned_by_org for a in step.facts.own(AssignmentStatus.ACCEPTED)]
    if upper:
        step.tell(t._triage_users(upper[0]), _("听证安排：%(number)s（%(when)s，暂停计时）") % {
            "number": t._number(step), "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")},
            topic=notify.HEARING)


def _apply_record_hearing(step):
    """note: the conclusion. data: minutes (听证笔录). The clock resumes: the hearing's days (from
    the day it was decided to today, both included) are added to the running deadlines — the
    handling deadlines of the case and of the units handling it, or the 复核 deadline."""
    hearing = step.facts.open_hearing
    minutes = _text(step, "minutes", _("听证笔录"), max_length=20000)
    case = step.case
    days = hearing_days(hearing.paused_on, step.today)
    if hearing.review_id is not None:
        review = ReviewRequest.objects.select_for_update().get(pk=hearing.review_id)
        review.due = resumed_due(review.due, days)
        review.save(update_fields=["due"])
    else:
        case.handling_due = resumed_due(case.handling_due, days)
        for a in step.assignments:
            if a.status in (AssignmentStatus.ACCEPTED, AssignmentStatus.DELEGATED) and a.handling_due:
                a.handling_due = resumed_due(a.handling_due, days)
                a.save(update_fields=["handling_due"])
    case.paused_since = None
    due_after = statutory_due(case, step.assignments, t._reviews(case))
    hearing.minutes, hearing.conclusion = minutes, step.note
    hearing.resumed_on, hearing.paused_days, hearing.due_after = step.today, days, due_after
    hearing.concluded_by, hearing.concluded_at = step.actor, step.now
    hearing.save()
    step.target_org = hearing.org
    step.deadline = due_after
    step.event_data.update({"hearing": hearing.pk, "paused_days": days,
                            "due_before": hearing.due_before.isoformat() if hearing.due_before else None,
                            "due_after": due_after.isoformat() if due_after else None})


# --- 调解 / 和解 (条例第三十三条) --------------------------------------------------------------------

def _apply_record_mediation(step):
    """note: how it went. data: kind (调解/和解), parties, held_on (date), outcome, agreement (the
    agreement's text, required when agreed). Files (the signed 协议书) are stored by
    ``case_transition`` from ``staged_files``. An agreement concludes the case (已办结, outcome
    调解和解结案): the units still handling it are concluded, the agreement is the answer."""
    kind = step.data.get("kind")
    if kind not in MediationKind.values:
        raise t._error(_("请选择调解或和解。"), field="kind")
    outcome = step.data.get("outcome")
    if outcome not in MediationOutcome.values:
        raise t._error(_("请选择调解（和解）结果。"), field="outcome")
    parties = _text(step, "parties", _("当事人"))
    held_on = step.data.get("held_on")
    case = step.case
    if not held_on:
        raise t._error(_("请填写调解（和解）日期。"), field="held_on")
    if held_on > step.today or held_on < local_date(case.registered_at):
        raise t._error(_("调解（和解）日期须在登记之日至今天之间。"), field="held_on")
    agreed = outcome == MediationOutcome.AGREED
    agreement = _text(step, "agreement", _("协议内容"), required=agreed, max_length=20000)
    if case.status == Status.PENDING:
        org = step.facts.holder
    else:
        org = step.facts.own(AssignmentStatus.ACCEPTED)[0].org
    mediation = Mediation.objects.create(case=case, org=org, kind=kind, parties=parties, held_on=held_on,
                                         outcome=outcome, agreement=agreement, recorded_by=step.actor,
                                         created_at=step.now)
    step.target_org = org
    step.event_data.update({"mediation": mediation.pk, "kind": kind, "outcome": outcome,
                            "held_on": held_on.isoformat()})
    if not agreed:
        return
    for a in tree.active(step.assignments):
        if a.status != AssignmentStatus.APPROVED:
            a.status = AssignmentStatus.APPROVED
            a.save(update_fields=["status"])
    case.outcome = CaseOutcome.SETTLED
    case.answer_text = _("达成%(title)s：%(text)s") % {"title": mediation.agreement_title, "text": agreement}
    case.accepted_at = case.accepted_at or step.now
    case.answered_at = case.closed_at = step.now
    step.to_status = Status.CLOSED
    step.deadline = None


# --- 回避 (条例第二十八条第三款) ---------------------------------------------------------------------

def _recused_notice(step, user, title):
    holder = step.facts.holder
    others = [u for u in t._triage_users(holder) if u.pk != user.pk]
    step.tell(others, title % {"name": user.display_name, "number": t._number(step)}, topic=notify.RECUSED)


def _apply_declare_recusal(step):
    """note: the reason. The actor withdraws from the case."""
    Recusal.objects.create(case=step.case, user=step.actor, kind=RecusalKind.DECLARED, reason=step.note,
                           recorded_by=step.actor, created_at=step.now)
    step.target_user = step.actor
    step.event_data["kind"] = RecusalKind.DECLARED
    _recused_notice(step, step.actor, _("%(name)s已申请回避：%(number)s"))


def _apply_order_recusal(step):
    """data: user (a staff member of the leader's jurisdiction, not yet recused). note: the reason."""
    value = step.data.get("user")
    pk = value.pk if isinstance(value, User) else value
    user = recusable_users(step.actor, step.case).filter(pk=pk).first() if pk not in (None, "") else None
    if user is None:
        raise t._error(_("请选择本人管辖范围内、尚未回避的工作人员（本人回避请用“申请回避”）。"), field="user")
    Recusal.objects.create(case=step.case, user=user, kind=RecusalKind.ORDERED, reason=step.note,
                           recorded_by=step.actor, created_at=step.now)
    step.target_user = user
    step.event_data["kind"] = RecusalKind.ORDERED
    step.tell([user], _("您已被责令回避：%(number)s") % {"number": t._number(step)}, topic=notify.RECUSED,
              include_recused=True)
    _recused_notice(step, user, _("%(name)s已被责令回避：%(number)s"))


# --- 督办反馈 (条例第四十条第四款) -------------------------------------------------------------------

def _apply_supervision_feedback(step):
    """data: supervision (id, optional when one waits), adopted (采纳建议情况). note: what was
    done. On time when given by the 督办 deadline."""
    order = t._pick(step.facts.supervisions_awaiting_feedback, step.data.get("supervision"), field="supervision",
                    message=_("请选择要反馈的督办。"))
    adopted = _text(step, "adopted", _("采纳建议情况"))
    order.feedback_text, order.feedback_adopted = step.note, adopted
    order.feedback_at, order.feedback_by, order.feedback_org = step.now, step.actor, step.actor.organization
    order.save()
    on_time = step.today <= order.due
    step.target_user, step.target_org = order.ordered_by, order.ordered_by_org
    step.event_data.update({"supervision": order.pk, "due": order.due.isoformat(), "on_time": on_time,
                            "adopted": adopted})
    users = [order.ordered_by]
    if order.escalated_to_id:
        users += list(users_acting_for([order.escalated_to], (SUPERVISE,)))
    step.tell(users, (_("督办已按期反馈：%(number)s") if on_time else _("督办已反馈（逾期）：%(number)s")) % {
        "number": t._number(step)}, topic=notify.SUPERVISION_ANSWERED)


# --- 重大紧急 (条例第二十五条) -----------------------------------------------------------------------

def _apply_mark_urgent(step):
    """note: the situation. Alerts this level's and the level above's duty leaders at once."""
    case = step.case
    case.is_urgent, case.urgent_at = True, step.now
    alerts = urgent.alerts_open(case=case, now=step.now)
    step.event_data["alerts"] = urgent.alerts_summary(alerts)


def _apply_acknowledge_alert(step):
    """note (optional): what the duty leader ordered. Acknowledges every open alert of the case
    addressed to him; the alert notices of that level are cleared."""
    alerts = step.facts.open_alerts
    summary = []
    for alert in alerts:
        alert.acknowledged_at, alert.acknowledged_by = step.now, step.actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        summary.append({"alert": alert.pk, "org": alert.org.name, "on_time": step.now <= alert.ack_due_at})
        reminders_clear(target=notify.case_target(step.case), topics=(notify.URGENT_ALERT,),
                        user_ids=list(alert.recipients.values_list("pk", flat=True)))
    step.target_org = alerts[0].org
    step.event_data["alerts"] = summary


APPLY = {
    "reclassify": _apply_reclassify,
    "route_legal": _apply_route_legal,
    "route_discipline": _apply_route_discipline,
    "guide_procedure": _apply_guide_procedure,
    "apply_simple": _apply_apply_simple,
    "convert_ordinary": _apply_convert_ordinary,
    "schedule_hearing": _apply_schedule_hearing,
    "record_hearing": _apply_record_hearing,
    "record_mediation": _apply_record_mediation,
    "declare_recusal": _apply_declare_recusal,
    "order_recusal": _apply_order_recusal,
    "supervision_feedback": _apply_supervision_feedback,
    "mark_urgent": _apply_mark_urgent,
    "acknowledge_alert": _apply_acknowledge_alert,
}
