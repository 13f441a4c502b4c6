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
from petitions.models import AssignmentStatus, ExtensionRequest, ExtensionStatus, ReviewLevel, ReviewRequest
from petitions.selectors import case_visible_qs
from petitions.selectors import workdays
from petitions.domain.deadlines import RETURN_WORKDAYS, review_possible_later, review_window
from petitions.workflow import FINAL_MATTER_BLOCKED, TRANSITIONS, Status

EXPORT_PERMISSION = "petitions.export_case"


class Facts:
    """What the rules need to know about (user, case), each looked up at most once."""

    def __init__(self, user, case):
        self.user = user
        self.case = case

    @cached_property
    def org_ids(self):
        return acting_org_ids(self.user)

    @cached_property
    def jurisdiction(self):
        return jurisdiction_path(self.user)

    @cached_property
    def visible(self):
        return case_visible_qs(self.user).filter(pk=self.case.pk).exists()

    @cached_property
    def assignments(self):
        return list(self.case.assignments.select_related("org", "assigned_by_org").order_by("id"))

    @cached_property
    def index(self):
        return tree.by_id(self.assignments)

    @cached_property
    def reviews(self):
        return list(ReviewRequest.objects.filter(case=self.case).select_related("org").order_by("requested_at", "id"))

    @cached_property
    def pending_extensions(self):
        """Pending extension requests on this case that the user's organization must decide."""
        return list(ExtensionRequest.objects.filter(
            assignment__case=self.case, status=ExtensionStatus.PENDING,
            assignment__assigned_by_org_id__in=self.org_ids,
        ).select_related("assignment__org", "requested_by").order_by("id"))

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
    extensions = ExtensionRequest.objects.filter(assignment__case=f.case)
    # 条例第三十四条: the handling term may be extended once, by at most 30 days.
    if extensions.filter(status=ExtensionStatus.APPROVED).exists():
        raise TransitionNotAllowed(_("该件已延期一次，不能再次延期。"))
    if extensions.filter(status=ExtensionStatus.PENDING, assignment__in=mine).exists():
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
    "mark_viewed": _rule_holder,
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


def available_actions(user, case):
    """List of dicts {name, label, url} the user may perform on the case now.

    Derived from ``TRANSITIONS`` in table order with the same checks the service applies,
    plus 导出Excel for users holding the export permission.
    """
    facts = Facts(user, case)
    actions = []
    for name, transition in TRANSITIONS.items():
        if case.status not in transition.sources:
            continue
        if not can(user, case, name, facts):
            continue
        url = _url("petitions:action", case.pk, name)
        if url:
            actions.append({"name": name, "label": str(transition.label), "url": url})
    if hooks.get_hooks(hooks.CASE_EXPORT) and user.has_perm(EXPORT_PERMISSION) and facts.visible:
        url = _url("petitions:export", case.pk)
        if url:
            actions.append({"name": "export", "label": str(_("导出Excel")), "url": url})
    return actions
