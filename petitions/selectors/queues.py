"""Work queues of the workflow (read only): the leader's page, the instruction board, the
handler's inbox, the supervision page and the assigning bureau's review queue.

Everything starts from ``case_visible_qs`` (the one visibility rule); each list is a constant
number of queries (select_related / prefetch_related), whatever its length.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from petitions.domain import assignment_tree as tree
from petitions import clock
from petitions.models import (
    Assignment, AssignmentStatus, Case, CaseEvent, CaseView, Evaluation, ExtensionRequest, ExtensionStatus,
    ReviewRequest,
    Supervision,
)
from accounts.selectors import acting_org_ids
from petitions.lib.paging import capped_many, in_id_order
from petitions.selectors.case_records import CaseRecords
from petitions.selectors.procedures import procedure_panel
from petitions.selectors.visibility import case_visible_qs, own_assignments_qs
from petitions.domain.deadlines import (
    DUE_SOON_DAYS, EVALUATION_STATE_LABELS, binding_due, due_info, evaluation_state, evaluation_window_end,
    review_window, statutory_due,
)
from petitions.workflow import OPEN_STATUSES, Status

LIST_RELATED = ("registered_org", "holder_org", "reported_leader")
# The open statuses in the order of the partial indexes ``case_open_due`` / ``case_open_supervised``: with
# the same list, PostgreSQL sees the filter is the index's condition and reads the index alone
# (docs/performance.md §14, "At 10 million cases").
OPEN = sorted(OPEN_STATUSES)


def hydrate_cases(ids):
    """The cases ``ids`` (already checked visible) with what a queue row shows, in order."""
    return in_id_order(Case.objects.select_related(*LIST_RELATED), ids)


def case_rows(cases, today=None):
    """Attach ``due`` (date + 即将到期/已超期 label) to each case of an evaluated list."""
    today = today or clock.today()
    for case in cases:
        case.due = due_info(case.current_due, today)
    return cases


# --- leader -------------------------------------------------------------------------------------

def leader_pending(user):
    """待批示: cases reported to this leader and waiting for his instruction."""
    qs = case_visible_qs(user).filter(status=Status.AWAITING_INSTRUCTION, reported_leader=user)
    return qs.order_by("current_due", "id")


def attention_cases(user, today=None):
    """Open cases in the user's scope that are supervised (督办) or overdue."""
    today = today or clock.today()
    qs = case_visible_qs(user).filter(status__in=OPEN).filter(Q(is_supervised=True) | Q(current_due__lt=today))
    return qs.order_by("current_due", "id")


def supervised_cases(user):
    """Open cases in the user's scope under 督办 (督查督办's 督办中 tab), earliest deadline first: the
    ``is_supervised`` subset of ``attention_cases``, written without its OR so that it reads the small
    ``case_open_supervised`` index in page order (docs/performance.md §14)."""
    return case_visible_qs(user).filter(status__in=OPEN, is_supervised=True).order_by("current_due", "id")


def due_soon_cases(user, today=None):
    """Open cases whose current deadline falls within the next 3 days."""
    today = today or clock.today()
    return case_visible_qs(user).filter(status__in=OPEN,
                               current_due__range=(today, today + timedelta(days=DUE_SOON_DAYS))).order_by("current_due")


def instructions(user):
    """All leader instructions (领导批示) on cases in the user's scope, newest first."""
    return (CaseEvent.objects.filter(action="instruct", case__in=case_visible_qs(user))
            .select_related("case", "actor", "actor_org").order_by("-created_at", "-id"))


def attach_supervisions(cases):
    """Set ``case.supervision`` (newest open 督办 order or None) on each case of a list; one query."""
    supervisions = latest_supervisions(cases)
    for case in cases:
        case.supervision = supervisions.get(case.pk)
    return cases


def latest_supervisions(cases):
    """{case_id: newest open Supervision} for an evaluated list of cases (one query)."""
    ids = [c.pk for c in cases]
    result = {}
    for s in Supervision.objects.filter(case_id__in=ids, resolved_at__isnull=True).order_by("case_id", "-created_at"):
        result.setdefault(s.case_id, s)
    return result


# --- inbox --------------------------------------------------------------------------------------

INBOX_TABS = (
    ("pending", _("待受理"), (AssignmentStatus.PENDING,)),
    ("in_progress", _("办理中"), (AssignmentStatus.ACCEPTED, AssignmentStatus.DELEGATED)),
    ("reported", _("已上报"), (AssignmentStatus.REPORTED,)),
    ("done", _("已办结"), (AssignmentStatus.APPROVED,)),
)


def inbox_assignments(user):
    """Assignments to the organizations the user acts for, on cases he may see."""
    return own_assignments_qs(user).select_related("case", "org", "assigned_by_org")


def inbox_counts(user):
    """Count per tab, each stopping at ``COUNT_CAP`` + 1 ("1000+"): the 已办结 tab of a township
    grows by thousands a year, and an exact figure there is not worth reading them all. The four
    counts go in one statement (``capped_many``); each is an index-only scan of its tab's partial
    index (``assignment_inbox_*``, docs/performance.md §14)."""
    qs = own_assignments_qs(user)
    counts = capped_many(qs.filter(status__in=statuses) for _key, _label, statuses in INBOX_TABS)
    return {key: count for (key, _label, _statuses), count in zip(INBOX_TABS, counts)}


def inbox_tab(user, tab):
    statuses = dict((key, st) for key, _label, st in INBOX_TABS)[tab]
    # The row shows the case's number, summary and instruction: its full text and search tokens (most of
    # a case row's bytes) stay in the database.
    qs = inbox_assignments(user).filter(status__in=statuses).defer("case__content", "case__search_tokens")
    order = ("acceptance_due", "id") if tab == "pending" else ("handling_due", "id") if tab == "in_progress" else (
        "-reported_at", "-id") if tab == "reported" else ("-id",)
    return qs.order_by(*order)


def assignment_rows(assignments, today=None, supervision_dues=None):
    """Attach ``due`` to each assignment: acceptance deadline before acceptance, then handling.
    Before acceptance, ``set_handling_due`` is the 办理期限 the assigning bureau specified (交办机关
    指定期限), so the unit sees it before it accepts. ``supervision_dues``: the open 督办 deadlines
    by case when the caller has them (``open_supervision_dues``' shape), else one query."""
    today = today or clock.today()
    assignments = list(assignments)
    supervision = (open_supervision_dues([a.case_id for a in assignments]) if supervision_dues is None
                   else supervision_dues)
    for a in assignments:
        a.set_handling_due = a.handling_due if a.status == AssignmentStatus.PENDING else None
        own = (a.acceptance_due if a.status == AssignmentStatus.PENDING
               else a.handling_due if a.status == AssignmentStatus.ACCEPTED else None)
        bound = binding_due(own, supervision.get(a.case_id, ())) if own is not None else None
        # A 督办 deadline earlier than the unit's own one binds (and is said to be the 督办's).
        a.supervision_binds = bound is not None and bound != own
        a.due = due_info(bound, today)
    return assignments


def open_supervision_dues(case_ids):
    """{case id: [due of each open 督办 order]} for a list of cases, one query."""
    dues = {}
    for case_id, due in Supervision.objects.filter(case_id__in=case_ids, resolved_at__isnull=True).values_list(
            "case_id", "due"):
        dues.setdefault(case_id, []).append(due)
    return dues


# --- review queue (assigning bureau) --------------------------------------------------------------

REVIEW_TABS = (
    ("results", _("待审核结果")),
    ("extensions", _("延期申请")),
    ("received", _("上级交办")),
    ("reviews", _("复查复核")),
)


def _ready_reported_assignments(org_ids):
    """Reported assignments, assigned by one of ``org_ids``, whose group is ready for review —
    ``assignment_tree.reviewable_groups`` in SQL, for counting and listing without loading
    every tree: no *blocking* member in the group (same case, same parent, active, neither
    reported nor approved) that is required (主办, or any member when the group has no active
    主办). tests/petitions/test_queues_scale.py checks it against the Python rule."""
    same_group = {"case_id": OuterRef("case_id"), "_parent": Coalesce(OuterRef("parent_id"), 0)}
    siblings = (Assignment.objects.annotate(_parent=Coalesce("parent_id", 0))
                .exclude(status__in=tree.INACTIVE))
    # Inside ``blocking``, OuterRef is the blocking member itself: an active 主办 of its group.
    group_has_lead = Exists(siblings.filter(case_id=OuterRef("case_id"), _parent=OuterRef("_parent"), is_lead=True))
    blocking = (siblings.filter(**same_group).exclude(status__in=(AssignmentStatus.REPORTED, AssignmentStatus.APPROVED))
                .filter(Q(is_lead=True) | ~group_has_lead))
    return Assignment.objects.filter(status=AssignmentStatus.REPORTED, assigned_by_org_id__in=org_ids).filter(
        ~Exists(blocking))


def review_results(user):
    """Cases 待审核 with a group of reported results ready for the user's organization to review,
    oldest deadline first (a queryset without joins: page it, then ``review_rows``)."""
    ready = _ready_reported_assignments(acting_org_ids(user)).filter(case_id=OuterRef("pk"))
    return (case_visible_qs(user).filter(status=Status.RESULT_REPORTED).filter(Exists(ready))
            .order_by("current_due", "id"))


def review_rows(ids, user):
    """The cases ``ids`` of a review page with their assignment trees, keeping only those the
    service would accept for review now (the Python rule; normally all of them)."""
    qs = Case.objects.select_related(*LIST_RELATED).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("org")))
    return review_ready(in_id_order(qs, ids), user)


def review_ready(cases, user):
    """Keep the cases whose group is complete enough to review (same rule as the service)."""
    org_ids = acting_org_ids(user)
    return [c for c in cases if tree.reviewable_groups(list(c.assignments.all()), org_ids)]


def pending_extensions(user):
    org_ids = acting_org_ids(user)
    return (ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING, assignment__assigned_by_org_id__in=org_ids,
                                            assignment__case__in=case_visible_qs(user))
            .select_related("assignment__case", "assignment__org", "requested_by").order_by("created_at"))


def received_assignments(user):
    """Cases handed to the user's bureau from above that wait to be passed on or returned."""
    return inbox_assignments(user).filter(status=AssignmentStatus.PENDING).order_by("acceptance_due", "id")


def open_reviews(user):
    org_ids = acting_org_ids(user)
    return (ReviewRequest.objects.filter(decided_at__isnull=True, org_id__in=org_ids,
                                         case__in=case_visible_qs(user))
            .select_related("case", "org").order_by("due", "id"))


def review_counts(user):
    """The four tabs' capped counts, in one statement (``capped_many``)."""
    tabs = {
        "results": review_results(user),
        "extensions": pending_extensions(user),
        "received": received_assignments(user),
        "reviews": open_reviews(user),
    }
    return dict(zip(tabs, capped_many(tabs.values())))


# --- case page panel ----------------------------------------------------------------------------

@dataclass
class WorkflowPanel:
    case: Case
    assignments: list
    extensions: list
    reviews: list
    supervisions: list
    views: list
    window: object
    window_open: bool
    acceptance: object
    handling: object
    current: object
    statutory_due: object = None
    evaluations: list = None
    evaluation_state: str = ""
    evaluation_end: object = None
    procedures: object = None


def workflow_panel(user, case, records=None):
    """Everything the case page shows about the workflow: deadlines with labels, the
    assignment tree, extension requests, 复查/复核 with their windows, 督办 orders and, for a
    confidential case, who viewed it. ``records``: the page's ``CaseRecords`` (shared with the
    permission rules and the other panels, docs/performance.md §14)."""
    today = clock.today()
    records = records if records is not None else CaseRecords(case)
    assignments = records.assignments
    assignment_rows(assignments, today, supervision_dues=records.open_supervision_dues())
    by_id = {a.pk: a for a in assignments}
    for a in assignments:
        a.depth = 0
        parent = by_id.get(a.parent_id)
        while parent is not None:
            a.depth += 1
            parent = by_id.get(parent.parent_id)
    reviews = records.reviews
    for r in reviews:
        r.due_info = due_info(r.due if r.decided_at is None else None, today)
    window = review_window(case, reviews)
    supervisions = records.supervisions_newest_first()
    statutory = statutory_due(case, assignments, reviews) if case.status in OPEN_STATUSES else None
    for s in supervisions:  # an open 督办 whose deadline is earlier than the statutory one binds
        s.binds = s.resolved_at is None and statutory is not None and s.due < statutory
    evaluations = list(Evaluation.objects.filter(case=case).select_related("recorded_by").order_by("evaluated_at"))
    views = []
    if case.is_confidential:
        views = list(CaseView.objects.filter(case=case).select_related("user", "org").order_by("-created_at")[:200])
    return WorkflowPanel(
        case=case, assignments=assignments,
        extensions=records.extensions,
        reviews=reviews,
        supervisions=supervisions, statutory_due=statutory,
        evaluations=evaluations, evaluation_end=evaluation_window_end(case),
        evaluation_state=EVALUATION_STATE_LABELS.get(evaluation_state(case, bool(evaluations), today), ""),
        views=views, window=window, window_open=bool(window and window.is_open(today)),
        acceptance=due_info(case.acceptance_due if case.status == Status.PENDING else None, today),
        handling=due_info(case.handling_due if case.status in OPEN_STATUSES else None, today),
        current=due_info(case.current_due, today),
        procedures=procedure_panel(case, today, records=records),
    )


def reported_results(facts):
    """What the approver is asked to approve (审核): each reported unit of the first reviewable
    group with its 处理意见, its result text and the files it sent with the result."""
    from petitions.models import Attachment

    groups = facts.reviewable_groups()
    reported = [m for _p, members in groups[:1] for m in members if m.status == AssignmentStatus.REPORTED]
    files = {}
    events = CaseEvent.objects.filter(case=facts.case, action="report_result").values_list("pk", "data")
    by_event = {pk: (data or {}).get("assignment") for pk, data in events}
    for att in Attachment.objects.filter(case=facts.case, event_id__in=list(by_event)).order_by("id"):
        files.setdefault(by_event[att.event_id], []).append(att)
    for m in reported:
        m.files = files.get(m.pk, [])
    return reported
