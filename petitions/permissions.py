"""Action rights on a case: role permission + organization (+ per-case grants).

One rule per action of ``petitions.workflow.TRANSITIONS``. A rule raises ``NotAllowed`` (the
user may not act: wrong role, wrong organization, out of scope) or ``TransitionNotAllowed``
(nobody may do it now: a window has closed, a request is already pending). The service
``case_transition`` calls ``require`` and the pages call ``available_actions``/``can_*``, so
the page offers exactly what the server accepts.

Organizations: who a user *acts for* and what his *jurisdiction* is are decided in one place,
``accounts.selectors`` (``acting_org_ids``, ``jurisdiction_path``).
"""
from functools import cached_property

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.selectors import acting_org_ids, jurisdiction_path

from petitions.domain import assignment_tree as tree
from petitions import clock
from petitions.exceptions import NotAllowed, TransitionNotAllowed
from petitions.models import AssignmentStatus, ExtensionStatus, MatterClass, Procedure, ReviewLevel, VoidRequest
from petitions.selectors import case_visible_qs
from petitions.selectors.case_records import CaseRecords
from petitions.selectors import workdays
from petitions.domain.deadlines import RETURN_WORKDAYS, local_date, review_possible_later, review_window
from petitions.workflow import (
    EVALUABLE_STATUSES, FINAL_MATTER_BLOCKED, HANDLE, INSTRUCT, REGISTER, TRANSITIONS, TRIAGE, USUAL_NEXT, Status,
)

EXPORT_PERMISSION = "petitions.export_case"


class Facts:
    """What the rules need to know about (user, case), each looked up at most once.

    The case's related rows come from ``records`` (``selectors.case_records.CaseRecords``), which
    the page's panels read too when the Facts is shared (``page_facts``). ``visible``: True when
    the caller has just read the case through ``case_visible_qs`` (saves asking again)."""

    def __init__(self, user, case, *, records=None, visible=None):
        self.user = user
        self.case = case
        self.records = records if records is not None else CaseRecords(case)
        if visible is not None:
            self.__dict__["visible"] = visible

    @cached_property
    def recused(self):
        """True if the user has withdrawn (or was withdrawn) from the case (回避, 条例第二十八条第三款).

        A recused user acts for no organization and answers for no jurisdiction on this case, so
        that every rule built on ``org_ids`` or ``jurisdiction`` (here, in the documents app, in
        the correction and evaluation pages) refuses him as well as ``require`` does."""
        user = self.user
        if user is None or not user.is_authenticated or self.case.pk is None:
            return False
        return any(r.user_id == user.pk for r in self.records.recusals)

    @cached_property
    def org_ids(self):
        return frozenset() if self.recused else acting_org_ids(self.user)

    @cached_property
    def jurisdiction(self):
        return None if self.recused else jurisdiction_path(self.user)

    @cached_property
    def visible(self):
        return case_visible_qs(self.user).filter(pk=self.case.pk).exists()

    @property
    def assignments(self):
        return self.records.assignments

    @cached_property
    def index(self):
        return tree.by_id(self.assignments)

    @property
    def reviews(self):
        return self.records.reviews

    @cached_property
    def pending_extensions(self):
        """Pending extension requests on this case that the user's organization must decide."""
        return sorted((e for e in self.records.extensions if e.status == ExtensionStatus.PENDING
                       and e.assignment.assigned_by_org_id in self.org_ids), key=lambda e: e.pk)

    @cached_property
    def return_dues(self):
        """{assignment pk: last day to return it} for the user's pending assignments (one query)."""
        return workdays.return_dues(self.own(AssignmentStatus.PENDING))

    @cached_property
    def holder(self):
        return self.case.holder_org or self.case.registered_org

    def own(self, *statuses):
        """The case's assignments to an organization the user acts for, in ``statuses``."""
        return [a for a in self.assignments if a.org_id in self.org_ids and a.status in statuses]

    def reviewable_groups(self):
        return tree.reviewable_groups(self.assignments, self.org_ids)

    def open_review(self, level):
        for review in self.reviews:
            if review.level == level and review.decided_at is None:
                return review
        return None

    @cached_property
    def open_hearing(self):
        return next((h for h in self.records.hearings if h.resumed_on is None), None)

    @cached_property
    def supervisions_awaiting_feedback(self):
        """The case's 督办 orders not yet answered in writing, oldest first."""
        return [s for s in self.records.supervisions if s.feedback_at is None]

    @cached_property
    def open_alerts(self):
        """The case's unacknowledged urgent alerts addressed to the user."""
        if self.user is None or not self.user.is_authenticated:
            return []
        return [a for a in self.records.alerts
                if a.acknowledged_at is None and any(u.pk == self.user.pk for u in a.recipients.all())]

    @cached_property
    def open_void_request(self):
        return VoidRequest.objects.filter(case=self.case, decided_at__isnull=True).first()

    def has_perm(self, transition):
        return any(self.user.has_perm(p) for p in transition.permissions)


# --- building blocks (one condition each) ----------------------------------------------------

def _in_scope(f):
    # Out of scope and invisible (confidential without a grant) are the same refusal.
    if not f.visible:
        raise NotAllowed(_("该信访件不在您的管辖范围内。"))


def _holder(f):
    _in_scope(f)
    # Triage work belongs to the bureau that holds the case (or a bureau above it).
    if not f.jurisdiction or not f.holder.path.startswith(f.jurisdiction):
        raise NotAllowed(_("该信访件由%(org)s持有，您所在机构不能处理。") % {"org": f.holder.name})


def holds(user, case, facts=None):
    """True if ``user`` works for the bureau that holds ``case`` (or one above it) and may see it.
    ``facts``: the ``Facts(user, case)`` the caller already has (its reads are made once)."""
    try:
        _holder(facts or Facts(user, case))
    except NotAllowed:
        return False
    return True


CLOSED_FOR_CORRECTION = frozenset({Status.ARCHIVED, Status.VOIDED})


def is_recused(user, case, facts=None):
    """True if ``user`` has withdrawn from ``case`` (回避); he may then do nothing on it."""
    return (facts or Facts(user, case)).recused


def can_correct(user, case, facts=None):
    """更正登记: the holding bureau's triage officer, or the registering clerk while the case is in
    the pool; never an archived or voided case, never by a recused user."""
    if case.status in CLOSED_FOR_CORRECTION or not user.is_authenticated or is_recused(user, case, facts):
        return False
    if user.has_perm(TRIAGE) and holds(user, case, facts):
        return True
    return case.status == Status.PENDING and user.has_perm(REGISTER) and case.registered_by_id == user.pk


def can_record_evaluation(user, case, facts=None):
    """代录评价: the holding bureau's triage officers and clerks, on an answered case."""
    if case.status not in EVALUABLE_STATUSES or not user.is_authenticated:
        return False
    return (user.has_perm(TRIAGE) or user.has_perm(REGISTER)) and holds(user, case, facts)


def _not_final_matter(f, action):
    # 条例第三十六条第三款: after 复核 the same matter can only be 不再受理.
    if action in FINAL_MATTER_BLOCKED and f.case.status == Status.PENDING and final_matter(f.case):
        raise TransitionNotAllowed(_("该事项已经复核终结，同一事项再次信访只能作不再受理处理。"))


def final_matter(case):
    """True if ``case`` repeats a matter that has been through 复核 (follows the repeat links)."""
    seen = set()
    current = case.first_case
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if current.reviews.filter(level=ReviewLevel.RECHECK, decided_at__isnull=False).exists():
            return True
        current = current.first_case
    return False


def _own(f, *statuses, message):
    if not f.own(*statuses):
        raise NotAllowed(message)


# --- one rule per action -----------------------------------------------------------------------

def _rule_holder(f, action):
    _holder(f)
    _not_final_matter(f, action)


def _rule_mark_viewed(f, action):
    _in_scope(f)
    # The holding bureau's triage officer, or a unit the case was assigned to (承办人).
    if f.user.has_perm(TRIAGE) and f.jurisdiction and f.holder.path.startswith(f.jurisdiction):
        return
    if not f.own(*AssignmentStatus.values):
        raise NotAllowed(_("该信访件没有交给您所在单位，也不由您所在机构持有。"))


def _rule_request_void(f, action):
    _holder(f)
    if f.open_void_request is not None:
        raise TransitionNotAllowed(_("已有待审批的作废申请。"))


def _rule_decide_void(f, action):
    _holder(f)
    request = f.open_void_request
    if request is None:
        raise NotAllowed(_("该信访件没有待审批的作废申请。"))
    # Once a case has left the pool, voiding it needs a second person.
    if request.requested_by_id == f.user.pk:
        raise NotAllowed(_("作废申请须由申请人以外的人员审批。"))


def _rule_instruct(f, action):
    _in_scope(f)
    # The leader the case was reported to, or a leader whose jurisdiction covers the holder.
    if f.case.reported_leader_id == f.user.pk:
        return
    if not f.jurisdiction or not f.holder.path.startswith(f.jurisdiction):
        raise NotAllowed(_("该信访件未呈报给您，也不在您的管辖范围内。"))


def _rule_assign(f, action):
    if f.case.status == Status.PENDING:
        _rule_holder(f, action)
        return
    _in_scope(f)
    # Later on only a bureau that received the case and has not yet accepted it passes it on.
    _own(f, AssignmentStatus.PENDING,
         message=_("只有收到交办（转办）且尚未受理的信访工作机构才能继续交办或转办。"))


def _rule_not_reaccept(f, action):
    _holder(f)
    if not (f.case.is_repeat or f.case.first_case_id):
        raise TransitionNotAllowed(_("不再受理只适用于已关联初访件的重复信访（同一事项已经复核）。"))


def _rule_accept(f, action):
    _in_scope(f)
    if not f.own(AssignmentStatus.PENDING) and f.own(AssignmentStatus.ACCEPTED, AssignmentStatus.REPORTED):
        # Someone of the same unit was quicker: a state question, not a permission one.
        raise TransitionNotAllowed(_("本单位已受理该信访件。"))
    _own(f, AssignmentStatus.PENDING, message=_("该信访件没有交给您所在单位受理。"))


def return_overdue_message(due):
    """Why a return is refused once ``due`` (the last day of the objection period) has passed."""
    return _("已超过收到交办（转办）之日起%(n)d个工作日的退回期限（%(due)s，《信访工作条例》第二十三条），"
             "请受理办理，或与交办机关协商。") % {"n": RETURN_WORKDAYS, "due": due.isoformat()}


def _rule_return(f, action):
    _in_scope(f)
    _own(f, AssignmentStatus.PENDING, message=_("只有尚未受理的承办单位才能退回。"))
    # 条例第二十三条第三款: an organization objects within 5 working days of receiving the case;
    # afterwards it handles it (or settles it with the assigning body outside the system).
    dues, today = f.return_dues, clock.today()
    if all(due < today for due in dues.values()):
        raise TransitionNotAllowed(return_overdue_message(max(dues.values())))


def _rule_request_extension(f, action):
    _in_scope(f)
    mine = f.own(AssignmentStatus.ACCEPTED)
    if not mine:
        raise NotAllowed(_("只有已受理该件的承办单位才能申请延期。"))
    extensions = f.records.extensions
    # 条例第三十四条: the handling term may be extended once, by at most 30 days.
    if any(e.status == ExtensionStatus.APPROVED for e in extensions):
        raise TransitionNotAllowed(_("该件已延期一次，不能再次延期。"))
    mine_ids = {a.pk for a in mine}
    if any(e.status == ExtensionStatus.PENDING and e.assignment_id in mine_ids for e in extensions):
        raise TransitionNotAllowed(_("已有待审批的延期申请。"))


def _rule_decide_extension(f, action):
    _in_scope(f)
    if not f.pending_extensions:
        raise NotAllowed(_("没有需要您所在单位审批的延期申请。"))


def _rule_report_result(f, action):
    _in_scope(f)
    _own(f, AssignmentStatus.ACCEPTED, message=_("只有已受理该件的承办单位才能上报结果。"))


def _rule_review_result(f, action):
    _in_scope(f)
    if not f.reviewable_groups():
        raise NotAllowed(_("没有需要您所在单位审核的办理结果。"))


def _rule_request_review(f, action, level):
    _in_scope(f)
    window = review_window(f.case, f.reviews)
    if window is None or window.level != level:
        raise TransitionNotAllowed(_("该件当前不能提出%(what)s申请。") % {"what": ReviewLevel(level).label})
    today = clock.today()
    if not window.is_open(today):
        raise TransitionNotAllowed(_("%(what)s申请期限已于%(end)s届满（答复之日起30日内）。") % {
            "what": ReviewLevel(level).label, "end": window.end.isoformat()})


def _rule_review_decision(f, action, level):
    _in_scope(f)
    review = f.open_review(level)
    if review is None or review.org_id not in f.org_ids:
        raise NotAllowed(_("该件的%(what)s由%(org)s办理。") % {
            "what": ReviewLevel(level).label, "org": review.org.name if review else "—"})


def _rule_archive(f, action):
    _holder(f)
    if f.case.status == Status.CLOSED and review_possible_later(f.case, f.reviews, clock.today()):
        window = review_window(f.case, f.reviews)
        raise TransitionNotAllowed(_("信访人可在%(end)s前申请%(what)s，期满后方可归档。") % {
            "end": window.end.isoformat(), "what": ReviewLevel(window.level).label})


def _rule_publish(f, action):
    _holder(f)
    # 检举揭发 material is never published (条例第三十条第三款).
    if f.case.is_confidential:
        raise TransitionNotAllowed(_("保密（检举揭发）件不得公开答复。"))


def _rule_supervise(f, action):
    _in_scope(f)


# --- the procedures of docs/domain.md §3.5 ---------------------------------------------------------

def _holder_triage(f, action):
    """The holding bureau's triage officer (for actions whose permission list also admits handlers)."""
    if not f.user.has_perm(TRIAGE):
        raise NotAllowed(_("只有持有该件的信访工作机构的分流员才能在分流阶段%(label)s。") % {
            "label": TRANSITIONS[action].label})
    _rule_holder(f, action)


def _rule_route_discipline(f, action):
    _rule_holder(f, action)
    # 条例第二十二条第二款、第三十条: what goes to 纪检监察 is a 检举控告.
    if f.case.matter_class != MatterClass.ACCUSATION:
        raise TransitionNotAllowed(_("只有检举控告类事项才能转送纪检监察机关（《信访工作条例》第三十条）；如类别有误，请先调整类别。"))


def _rule_apply_simple(f, action):
    case = f.case
    if case.status == Status.PENDING:
        _holder_triage(f, action)
    else:
        _in_scope(f)
        _own(f, AssignmentStatus.ACCEPTED, message=_("只有已受理该件的承办单位才能适用简易办理。"))
    if case.procedure == Procedure.SIMPLE:
        raise TransitionNotAllowed(_("该件已适用简易办理。"))
    if case.simple_converted_at is not None:
        raise TransitionNotAllowed(_("该件已由简易办理转为普通程序，不能再适用简易办理。"))
    if case.paused_since is not None:
        raise TransitionNotAllowed(_("该件正在听证，不适用简易办理。"))
    if case.accepted_at is not None:
        due = workdays.simple_due(local_date(case.accepted_at))
        if due < clock.today():
            raise TransitionNotAllowed(_("该件已于%(day)s受理，受理之日起10个工作日（至%(due)s）已过，不能适用简易办理。") % {
                "day": local_date(case.accepted_at).isoformat(), "due": due.isoformat()})


def _rule_convert_ordinary(f, action):
    _in_scope(f)
    if not (f.user.has_perm(TRIAGE) and holds_facts(f)) and not f.own(AssignmentStatus.ACCEPTED):
        raise NotAllowed(_("只有持有该件的信访工作机构的分流员或已受理单位的承办人才能转为普通程序。"))
    if f.case.procedure != Procedure.SIMPLE:
        raise TransitionNotAllowed(_("该件未适用简易办理。"))


def holds_facts(f):
    return bool(f.jurisdiction) and f.holder.path.startswith(f.jurisdiction)


def _rule_schedule_hearing(f, action):
    _in_scope(f)
    case = f.case
    if case.status == Status.RECHECKING:
        review = f.open_review(ReviewLevel.RECHECK)
        if review is None or review.org_id not in f.org_ids or not f.user.has_perm(TRIAGE):
            raise NotAllowed(_("复核听证由复核机关的分流员安排。"))
    else:
        _own(f, AssignmentStatus.ACCEPTED, message=_("只有已受理该件的承办单位才能安排听证。"))
        # 条例第三十一条: hearings for serious, complex, difficult 申诉求决类 matters.
        if case.matter_class != MatterClass.APPEAL:
            raise TransitionNotAllowed(_("办理阶段的听证只适用于申诉求决类事项（《信访工作条例》第三十一条）。"))
        if case.procedure == Procedure.SIMPLE:
            raise TransitionNotAllowed(_("简易办理的事项不举行听证；确需听证的，请先转为普通程序。"))
    if f.open_hearing is not None:
        raise TransitionNotAllowed(_("该件已安排听证（%(when)s），请先记录听证结论。") % {
            "when": f.open_hearing.scheduled_at.strftime("%Y-%m-%d %H:%M")})


def _rule_record_hearing(f, action):
    _in_scope(f)
    hearing = f.open_hearing
    if hearing is None:
        raise TransitionNotAllowed(_("该件没有待记录结论的听证。"))
    if hearing.org_id not in f.org_ids:
        raise NotAllowed(_("该听证由%(org)s组织，由其记录结论。") % {"org": hearing.org.name})


def _rule_record_mediation(f, action):
    if f.case.status == Status.PENDING:
        _holder_triage(f, action)
    else:
        _in_scope(f)
        _own(f, AssignmentStatus.ACCEPTED, message=_("只有已受理该件的承办单位才能组织调解、和解。"))
    # 条例第三十三条: 调解、和解 for 申诉求决类 matters.
    if f.case.matter_class != MatterClass.APPEAL:
        raise TransitionNotAllowed(_("调解、和解只适用于申诉求决类事项（《信访工作条例》第三十三条）。"))


def _rule_supervision_feedback(f, action):
    _in_scope(f)
    # The supervised unit: an organization the case was handed to (and that did not hand it
    # back), or the holding bureau.
    handed = f.own(AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.DELEGATED,
                   AssignmentStatus.REPORTED, AssignmentStatus.APPROVED)
    if not handed and not (f.user.has_perm(TRIAGE) and holds_facts(f)):
        raise NotAllowed(_("督办反馈由被督办的承办单位或持有该件的信访工作机构提出。"))
    if not f.supervisions_awaiting_feedback:
        raise TransitionNotAllowed(_("该件没有待反馈的督办。"))


def _rule_mark_urgent(f, action):
    _in_scope(f)
    if f.case.is_urgent:
        raise TransitionNotAllowed(_("该件已标记为重大紧急事项。"))


def _rule_acknowledge_alert(f, action):
    _in_scope(f)
    if not f.open_alerts:
        raise NotAllowed(_("您没有该件待签收的紧急报告。"))


def _rule_order_recusal(f, action):
    _in_scope(f)


RULES = {
    "report_leader": _rule_holder,
    "instruct": _rule_instruct,
    "assign": _rule_assign,
    "transfer": _rule_assign,
    "reject": _rule_holder,
    "not_reaccept": _rule_not_reaccept,
    "answer": _rule_holder,
    "accept": _rule_accept,
    "return": _rule_return,
    "request_extension": _rule_request_extension,
    "approve_extension": _rule_decide_extension,
    "refuse_extension": _rule_decide_extension,
    "report_result": _rule_report_result,
    "approve_result": _rule_review_result,
    "send_back": _rule_review_result,
    "request_review": lambda f, a: _rule_request_review(f, a, ReviewLevel.REVIEW),
    "review_decision": lambda f, a: _rule_review_decision(f, a, ReviewLevel.REVIEW),
    "request_recheck": lambda f, a: _rule_request_review(f, a, ReviewLevel.RECHECK),
    "recheck_decision": lambda f, a: _rule_review_decision(f, a, ReviewLevel.RECHECK),
    "close": _rule_holder,
    "archive": _rule_archive,
    "publish_reply": _rule_publish,
    "supervise": _rule_supervise,
    "mark_viewed": _rule_mark_viewed,
    "void": _rule_holder,
    "request_void": _rule_request_void,
    "approve_void": _rule_decide_void,
    "refuse_void": _rule_decide_void,
    "reclassify": lambda f, a: _holder(f),
    "route_legal": _rule_holder,
    "route_discipline": _rule_route_discipline,
    "guide_procedure": _rule_holder,
    "apply_simple": _rule_apply_simple,
    "convert_ordinary": _rule_convert_ordinary,
    "schedule_hearing": _rule_schedule_hearing,
    "record_hearing": _rule_record_hearing,
    "record_mediation": _rule_record_mediation,
    "declare_recusal": lambda f, a: _in_scope(f),
    "order_recusal": _rule_order_recusal,
    "supervision_feedback": _rule_supervision_feedback,
    "mark_urgent": _rule_mark_urgent,
    "acknowledge_alert": _rule_acknowledge_alert,
}


def require(user, case, action, facts=None):
    """Raise unless ``user`` may perform ``action`` on ``case`` in its current state.

    Checks, in order: the role permission of the transition (``NotAllowed``), then the
    organization rule of the action (``NotAllowed`` / ``TransitionNotAllowed``). The state
    guard itself is the service's. Returns the ``Facts`` used, for the service to reuse.
    """
    transition = TRANSITIONS[action]
    facts = facts or Facts(user, case)
    if not user.is_authenticated or not facts.has_perm(transition):
        raise NotAllowed(_("您没有“%(label)s”的权限。") % {"label": transition.label})
    # 条例第二十八条第三款: whoever has withdrawn from the matter does nothing on it, by any action.
    if facts.recused:
        raise NotAllowed(_("您已回避该信访件（《信访工作条例》第二十八条第三款），不能办理。"))
    RULES[action](facts, action)
    return facts


def can(user, case, action, facts=None):
    """True if ``action`` is allowed for ``user`` on ``case`` now (state guard included)."""
    transition = TRANSITIONS.get(action)
    if transition is None or case.status not in transition.sources:
        return False
    try:
        require(user, case, action, facts)
    except (NotAllowed, TransitionNotAllowed):
        return False
    return True


def refusal(user, case, action, facts=None):
    """Why nobody may do ``action`` on ``case`` now, for a user who otherwise could: the message
    of the rule's ``TransitionNotAllowed`` (a window has closed, a request is pending ...).

    None when the action is allowed, when the case's state does not offer it, or when the
    user himself lacks the right or the organization (those stay a plain refusal)."""
    transition = TRANSITIONS.get(action)
    if transition is None or case.status not in transition.sources:
        return None
    try:
        require(user, case, action, facts)
    except TransitionNotAllowed as exc:
        return exc.message
    except NotAllowed:
        return None
    return None


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def page_facts(request, case, *, visible=None):
    """The ``Facts`` of (request.user, case) for everything one request renders about ``case``: the
    action buttons, the workflow panel and the panels of the apps above (``accounts.hooks.CASE_PANELS``)
    share it, and so read each related row once (docs/performance.md §14). Kept on the request, for
    this case object only. ``visible``: True when the view has just read the case through
    ``case_visible_qs``. For rendering only: a service checks its own Facts (``require``)."""
    cache = request.__dict__.setdefault("_case_page_facts", {})
    facts = cache.get(case.pk)
    if facts is None or facts.case is not case:
        facts = cache[case.pk] = Facts(request.user, case, visible=visible)
    elif visible is not None:
        facts.__dict__["visible"] = visible
    return facts


def available_actions(user, case, facts=None):
    """List of dicts {name, label, url} the user may perform on the case now.

    Derived from ``TRANSITIONS`` in table order with the same checks the service applies,
    plus 导出Excel for users holding the export permission. ``facts``: the page's (``page_facts``).
    """
    facts = facts or Facts(user, case)
    actions = []
    for name, transition in TRANSITIONS.items():
        if case.status not in transition.sources:
            continue
        if not can(user, case, name, facts):
            continue
        url = _url("petitions:action", case.pk, name)
        if url:
            actions.append({"name": name, "label": str(transition.label), "url": url,
                            "primary": USUAL_NEXT.get(case.status) == name})
    if can_record_evaluation(user, case, facts):
        url = _url("petitions:evaluation_record", case.pk)
        if url:
            actions.append({"name": "evaluation_record", "label": str(_("代录评价")), "url": url, "primary": False})
    if can_correct(user, case, facts):
        url = _url("petitions:correct", case.pk)
        if url:
            actions.append({"name": "correct", "label": str(_("更正登记")), "url": url, "primary": False})
    if hooks.get_hooks(hooks.CASE_EXPORT) and user.has_perm(EXPORT_PERMISSION) and facts.visible:
        url = _url("petitions:export", case.pk)
        if url:
            actions.append({"name": "export", "label": str(_("导出Excel")), "url": url, "primary": False})
    return actions
