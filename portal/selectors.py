"""Read side of the public portal: the bureaus a citizen may write to, the case a visitor unlocked
with its number and query code, what of it is public, and the published replies.

Nothing here is scoped by a user: the portal shows a case only to the holder of its query code,
and of it only the facts the petitioner is told anyway (dates, a public state, the answer, the
复查/复核 decisions, the receiving bureau and the handling unit's name). Internal opinions,
instructions, handler names, petitioners' data and the chain of organizations in between are
never read into the public view.
"""
import hmac

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgKind, OrgUnit

from petitions.domain import assignment_tree as tree
from petitions import clock
from petitions.models import Assignment, Case, CaseEvent, Channel, Evaluation, EvaluationTarget, ReviewLevel, ReviewRequest, Satisfaction
from petitions.services.intake import QUERY_CODE_LENGTH
from petitions.domain.deadlines import online_review_window
from petitions.selectors.evaluations import evaluation_targets, open_evaluation_targets_of
from petitions.workflow import ANSWER_GIVEN_STATUSES, Status
from documents.selectors import portal_documents
from portal.public import (
    CaseSheet, PublicCase, PublicDocument, PublicEvaluation, PublicHandover, PublicReply, PublicReview,
)

REPLIES_PAGE_SIZE = 20

# What the petitioner is told about the state of the case. Internal steps (report to a leader,
# review of the handler's result) are not shown as such.
PUBLIC_STATUS = {
    Status.PENDING: _("已登记"),
    Status.AWAITING_INSTRUCTION: _("已登记"),
    Status.AWAITING_ACCEPTANCE: _("已受理"),
    Status.IN_PROGRESS: _("办理中"),
    Status.RESULT_REPORTED: _("办理中"),
    Status.ANSWERED: _("已答复"),
    Status.REVIEWING: _("复查中"),
    Status.RECHECKING: _("复核中"),
    Status.CLOSED: _("已办结"),
    Status.ARCHIVED: _("已办结"),
    Status.REJECTED: _("不予受理"),
    Status.NOT_REACCEPTED: _("不再受理"),
    Status.ROUTED_OUT: _("已转送有关机关或导入法定途径"),
}
ANSWER_SHOWN = ANSWER_GIVEN_STATUSES

# Compared against when the number is unknown, so that a wrong number costs the same as a wrong code.
_NO_CODE = "#" * QUERY_CODE_LENGTH


def portal_bureaus():
    """Petition bureaus a citizen may address online: the active 信访局 of the prefecture and of
    every county (township 综治信访办 receive visits, not online petitions)."""
    return (OrgUnit.objects.filter(kind=OrgKind.BUREAU, is_active=True,
                                   parent__kind__in=(OrgKind.PREFECTURE, OrgKind.COUNTY))
            .order_by("path"))


def normalise_query_code(value):
    return "".join((value or "").split()).upper()[:16]


def case_unlock(*, number, code):
    """The pk of the case with this number and query code, or None.

    One query by the unique number; the code is compared in constant time, and against a dummy
    when the number is unknown, so that a wrong number and a wrong code look the same from
    outside (answer and timing)."""
    number = (number or "").strip()[:40]
    code = normalise_query_code(code)
    row = Case.objects.filter(number=number).values_list("pk", "query_code").first() if number else None
    expected = row[1] if row is not None else _NO_CODE
    matches = hmac.compare_digest(expected.encode(), code.encode())
    return row[0] if row is not None and matches else None


def _local_date(moment):
    return timezone.localdate(moment) if moment else None


def _current_unit(assignments):
    """The organization handling the matter now: down the lead (or only) assignments to the deepest."""
    group = tree.required(tree.top_group(assignments))
    node = group[0] if group else None
    while node is not None:
        below = tree.required(tree.children_of(node, assignments))
        if not below:
            return node
        node = below[0]
    return None


def case_public_view(pk):
    """The public facts of case ``pk`` (see the module docstring), or None if it does not exist."""
    case = (Case.objects.select_related("registered_org")
            .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("org").order_by("id")),
                              Prefetch("reviews", queryset=ReviewRequest.objects.select_related("org")
                                       .order_by("requested_at", "id")),
                              "evaluations")
            .filter(pk=pk).first())
    if case is None:
        return None
    assignments = list(case.assignments.all())
    reviews = list(case.reviews.all())
    unit = tree.handling_leaf(assignments) or _current_unit(assignments)
    done = {e.target: e for e in case.evaluations.all()}
    targets = evaluation_targets(case)
    window = online_review_window(case, reviews, clock.today())
    review_open = window is not None
    return PublicCase(
        number=case.number,
        status_label=str(PUBLIC_STATUS.get(case.status, "")),
        registered_on=_local_date(case.registered_at),
        bureau_name=case.registered_org.name,
        handling_unit=unit.org.name if unit is not None else "",
        accepted_on=_local_date(case.accepted_at),
        answered_on=_local_date(case.answered_at),
        closed_on=_local_date(case.closed_at),
        answer_text=case.answer_text if case.status in ANSWER_SHOWN else "",
        public_reply=case.public_reply if case.public_reply_at else "",
        public_reply_on=_local_date(case.public_reply_at),
        reviews=[PublicReview(
            level_label=str(ReviewLevel(r.level).label), requested_on=_local_date(r.requested_at), org_name=r.org.name,
            due=r.due, decided_on=_local_date(r.decided_at), opinion=r.opinion if r.decided_at else "",
        ) for r in reviews],
        evaluations=[PublicEvaluation(
            target=t, target_label=str(EvaluationTarget(t).label),
            value_label=str(Satisfaction(done[t].value).label) if t in done else None,
        ) for t in targets],
        can_evaluate=bool(open_evaluation_targets_of(case, done)),
        review_open=review_open,
        review_label=str(ReviewLevel(window.level).label) if review_open else "",
        review_until=window.end if review_open else None,
    )


def open_evaluation_targets(pk):
    """(target, label) pairs the petitioner may still evaluate on case ``pk`` (for the form)."""
    case = Case.objects.filter(pk=pk).first()
    if case is None:
        return []
    done = set(Evaluation.objects.filter(case=case).values_list("target", flat=True))
    return [(t, EvaluationTarget(t).label) for t in open_evaluation_targets_of(case, done)]


def public_document(document):
    """A document addressed to the petitioner as the portal lists it."""
    return PublicDocument(pk=document.pk, title=document.title, number=document.number,
                          issued_on=_local_date(document.issued_at), org_name=document.org.name,
                          superseded=getattr(document, "superseded_by", None) is not None,
                          kind_label=document.get_kind_display(), version=document.version)


def case_sheet(pk):
    """Everything the case page shows of case ``pk`` (``portal.public.CaseSheet``), or None: the public
    view, the handover dates, the documents addressed to the petitioner and the evaluation targets
    still open. The same sheet goes, sealed, to the internet-side mirror (portal/intranet/outbound.py)."""
    view = case_public_view(pk)
    if view is None:
        return None
    return CaseSheet(case=view, handovers=case_handovers(pk),
                     documents=[public_document(d) for d in portal_documents(pk)],
                     evaluation_targets=open_evaluation_targets(pk))


# The handovers between levels the petitioner is shown (《信访事项网上办理工作规程》: the dates of each
# transfer): the step and its date, never the organizations in between.
HANDOVER_LABELS = {
    "assign": _("交办有权处理的机关、单位"),
    "transfer": _("转送有权处理的机关、单位"),
    "accept": _("承办单位受理"),
    "return": _("承办单位退回，重新交办"),
    "request_review": _("复查申请转上一级机关"),
    "request_recheck": _("复核申请转上一级机关"),
}


def case_handovers(pk):
    """The dates of each handover of case ``pk`` between levels, oldest first (no organization names)."""
    events = (CaseEvent.objects.filter(case_id=pk, action__in=HANDOVER_LABELS).order_by("created_at", "id")
              .values_list("action", "created_at"))
    return [PublicHandover(on=_local_date(moment), label=str(HANDOVER_LABELS[action])) for action, moment in events]


def public_replies_page(page):
    """One page (newest first) of published replies (公开答复) and whether there is a next page.

    Only the published text, the bureau, the problem category and the date: never the
    petitioner's content or data. Confidential cases are never published (the 公开答复 rule),
    and are excluded here as well."""
    page = max(1, page)
    start = (page - 1) * REPLIES_PAGE_SIZE
    rows = list(Case.objects.filter(public_reply_at__isnull=False, is_confidential=False)
                .select_related("registered_org", "problem")
                .only("public_reply", "public_reply_at", "registered_org__name", "problem__name")
                .order_by("-public_reply_at", "-id")[start:start + REPLIES_PAGE_SIZE + 1])
    replies = [PublicReply(published_on=_local_date(c.public_reply_at), bureau_name=c.registered_org.name,
                           problem=c.problem.name if c.problem_id else "", text=c.public_reply)
               for c in rows[:REPLIES_PAGE_SIZE]]
    return replies, len(rows) > REPLIES_PAGE_SIZE


def online_case_for_token(token):
    """The online case registered from the form carrying ``token`` (a double post), or None."""
    if not token:
        return None
    return Case.objects.filter(submit_token=token, channel=Channel.ONLINE).only("pk", "number", "query_code").first()


def unlocked_case(pk):
    """The case a session unlocked (by number and query code), or None."""
    return Case.objects.select_related("registered_org").filter(pk=pk).first()
