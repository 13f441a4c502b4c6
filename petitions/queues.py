"""Work queues of the workflow (read only): the leader's page, the instruction board, the
handler's inbox, the supervision page and the assigning bureau's review queue.

Everything starts from ``case_visible_qs`` (the one visibility rule); each list is a constant
number of queries (select_related / prefetch_related), whatever its length.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from . import assignment_tree as tree
from . import clock
from .models import (
    Assignment, AssignmentStatus, Case, CaseEvent, CaseView, ExtensionRequest, ExtensionStatus, ReviewRequest,
    Supervision,
)
from .permissions import acting_org_ids
from .selectors import case_visible_qs
from .services.deadlines import DUE_SOON_DAYS, due_info, review_window  # noqa: F401 (due_info re-exported)
from .workflow import OPEN_STATUSES, Status

LIST_RELATED = ("registered_org", "holder_org", "reported_leader")


def _cases(user):
    return case_visible_qs(user).select_related(*LIST_RELATED)


def case_rows(cases, today=None):
    """Attach ``due`` (date + 即将到期/已超期 label) to each case of an evaluated list."""
    today = today or clock.today()
    for case in cases:
        case.due = due_info(case.current_due, today)
    return cases


# --- leader -------------------------------------------------------------------------------------

def leader_pending(user):
    """待批示: cases reported to this leader and waiting for his instruction."""
    qs = _cases(user).filter(status=Status.AWAITING_INSTRUCTION, reported_leader=user)
    return qs.order_by("current_due", "id")


def attention_cases(user, today=None):
    """Open cases in the user's scope that are supervised (督办) or overdue."""
    today = today or clock.today()
    qs = _cases(user).filter(status__in=OPEN_STATUSES).filter(Q(is_supervised=True) | Q(current_due__lt=today))
    return qs.order_by("current_due", "id")


def due_soon_cases(user, today=None):
    """Open cases whose current deadline falls within the next 3 days."""
    today = today or clock.today()
    return _cases(user).filter(status__in=OPEN_STATUSES,
                               current_due__range=(today, today + timedelta(days=DUE_SOON_DAYS))).order_by("current_due")


def instructions(user):
    """All leader instructions (领导批示) on cases in the user's scope, newest first."""
    return (CaseEvent.objects.filter(action="instruct", case__in=case_visible_qs(user))
            .select_related("case", "actor", "actor_org").order_by("-created_at", "-id"))


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
    return (Assignment.objects.filter(org_id__in=acting_org_ids(user), case__in=case_visible_qs(user))
            .select_related("case", "org", "assigned_by_org"))


def inbox_counts(user):
    qs = inbox_assignments(user)
    aggregates = {key: Count("id", filter=Q(status__in=statuses)) for key, _label, statuses in INBOX_TABS}
    return qs.aggregate(**aggregates)


def inbox_tab(user, tab):
    statuses = dict((key, st) for key, _label, st in INBOX_TABS)[tab]
    qs = inbox_assignments(user).filter(status__in=statuses)
    order = ("acceptance_due", "id") if tab == "pending" else ("handling_due", "id") if tab == "in_progress" else (
        "-reported_at", "-id") if tab == "reported" else ("-id",)
    return qs.order_by(*order)


def assignment_rows(assignments, today=None):
    """Attach ``due`` to each assignment: acceptance deadline before acceptance, then handling."""
    today = today or clock.today()
    for a in assignments:
        if a.status == AssignmentStatus.PENDING:
            a.due = due_info(a.acceptance_due, today)
        elif a.status == AssignmentStatus.ACCEPTED:
            a.due = due_info(a.handling_due, today)
        else:
            a.due = due_info(None, today)
    return assignments


# --- review queue (assigning bureau) --------------------------------------------------------------

REVIEW_TABS = (
    ("results", _("待审核结果")),
    ("extensions", _("延期申请")),
    ("received", _("上级交办")),
    ("reviews", _("复查复核")),
)


def review_results(user):
    """Cases 待审核 with a reported result waiting for the user's organization."""
    org_ids = acting_org_ids(user)
    waiting = Assignment.objects.filter(case=OuterRef("pk"), status=AssignmentStatus.REPORTED,
                                        assigned_by_org_id__in=org_ids)
    qs = _cases(user).filter(status=Status.RESULT_REPORTED).filter(Exists(waiting))
    return qs.prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("org")))


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
    results = review_ready(list(review_results(user)), user)
    return {
        "results": len(results),
        "extensions": pending_extensions(user).count(),
        "received": received_assignments(user).count(),
        "reviews": open_reviews(user).count(),
    }


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


def workflow_panel(user, case):
    """Everything the case page shows about the workflow: deadlines with labels, the
    assignment tree, extension requests, 复查/复核 with their windows, 督办 orders and, for a
    confidential case, who viewed it."""
    today = clock.today()
    assignments = list(case.assignments.select_related("org", "assigned_by_org", "assigned_by").order_by("id"))
    assignment_rows(assignments, today)
    for a in assignments:
        a.depth = 0
        parent = next((p for p in assignments if p.pk == a.parent_id), None)
        while parent is not None:
            a.depth += 1
            parent = next((p for p in assignments if p.pk == parent.parent_id), None)
    reviews = list(ReviewRequest.objects.filter(case=case).select_related("org").order_by("requested_at", "id"))
    for r in reviews:
        r.due_info = due_info(r.due if r.decided_at is None else None, today)
    window = review_window(case, reviews)
    views = []
    if case.is_confidential:
        views = list(CaseView.objects.filter(case=case).select_related("user", "org").order_by("-created_at")[:200])
    return WorkflowPanel(
        case=case, assignments=assignments,
        extensions=list(ExtensionRequest.objects.filter(assignment__case=case)
                        .select_related("assignment__org", "requested_by", "decided_by").order_by("created_at")),
        reviews=reviews,
        supervisions=list(Supervision.objects.filter(case=case).select_related("ordered_by", "ordered_by_org")),
        views=views, window=window, window_open=bool(window and window.is_open(today)),
        acceptance=due_info(case.acceptance_due if case.status == Status.PENDING else None, today),
        handling=due_info(case.handling_due if case.status in OPEN_STATUSES else None, today),
        current=due_info(case.current_due, today),
    )
