"""The statutory clocks as pure calculations: day counts, working days, review windows, due labels.

Everything here is arithmetic on dates and on rows already loaded; nothing reads the database
or the time itself (callers pass ``today``, or a ``WorkCalendar`` loaded by
``petitions.selectors.workdays``). The rules, with their articles, are in docs/domain.md §3.3:

- routing / deciding acceptance: registration + 15 days (条例第二十二条、第二十三条);
- an organization that received a case it should not handle objects within 5 working days of
  receipt (第二十三条第三款);
- handling: acceptance + 60 days (第三十四条), extendable once by at most 30 days;
- 复查 request within 30 days of the answer, decided within 30 days of the request (第三十五条);
- 复核 request within 30 days of the 复查 decision, decided within 30 days (第三十六条).

Days are calendar days except where "working days" is said.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from petitions.models import AssignmentStatus, Procedure, ReviewLevel
from petitions.workflow import OPEN_STATUSES, TRANSITIONS, Status

# --- statutory day counts (the one place they are written) -------------------------------------

ACCEPTANCE_DAYS = 15  # 第二十二条: route or decide acceptance within 15 days of receipt
HANDLING_DAYS = 60  # 第三十四条: handle within 60 days of acceptance
MAX_EXTENSION_DAYS = 30  # 第三十四条: extended once, by at most 30 days
REVIEW_REQUEST_DAYS = 30  # 第三十五、三十六条: ask for 复查/复核 within 30 days
REVIEW_DECISION_DAYS = 30  # 第三十五、三十六条: decide within 30 days of the request
RETURN_WORKDAYS = 5  # 第二十三条第三款: object within 5 working days of receipt
# The petitioner evaluates the answer within this many days of it; afterwards a case without an
# evaluation is 超期未评价. The 条例 sets no figure (docs/domain.md §11): the 复查 window's 30 days.
EVALUATION_DAYS = 30
DUE_SOON_DAYS = 3  # lists flag a deadline 即将到期 this many days ahead (inclusive)

# --- due labels --------------------------------------------------------------------------------

OVERDUE = "overdue"
DUE_SOON = "due-soon"
LABELS = {OVERDUE: _("已超期"), DUE_SOON: _("即将到期")}


@dataclass(frozen=True)
class Due:
    """A deadline as lists show it: the date, the label (即将到期 / 已超期 / "") and a CSS class."""

    date: date | None
    label: str
    css: str
    days_left: int | None

    @property
    def is_overdue(self):
        return self.css == OVERDUE

    @property
    def is_due_soon(self):
        return self.css == DUE_SOON


def due_css(due, today):
    """``"overdue"`` after the day, ``"due-soon"`` within ``DUE_SOON_DAYS`` of it, else ``""``."""
    if due is None:
        return ""
    days_left = (due - today).days
    if days_left < 0:
        return OVERDUE
    if days_left <= DUE_SOON_DAYS:
        return DUE_SOON
    return ""


def due_info(due, today):
    """The ``Due`` of a deadline on ``today``."""
    if due is None:
        return Due(None, "", "", None)
    css = due_css(due, today)
    return Due(due, str(LABELS[css]) if css else "", css, (due - today).days)


def due_state(case, today):
    """The due CSS state of a case: only open cases have a running deadline."""
    if case.status not in OPEN_STATUSES:
        return ""
    return due_css(case.current_due, today)


def acceptance_due_for(registered_day):
    return registered_day + timedelta(days=ACCEPTANCE_DAYS)


def handling_due_for(accepted_day):
    return accepted_day + timedelta(days=HANDLING_DAYS)


def review_decision_due_for(requested_day):
    return requested_day + timedelta(days=REVIEW_DECISION_DAYS)


def local_date(moment):
    """The office-time-zone (Asia/Shanghai) date of an aware datetime."""
    return timezone.localdate(moment)


# --- 复查 / 复核 windows ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewWindow:
    """The petitioner's window to ask for 复查 (level "review") or 复核 ("recheck")."""

    level: str
    start: date
    end: date

    def is_open(self, today):
        return self.start <= today <= self.end


def review_window(case, reviews):
    """The next review the petitioner may ask for, or None (none left, or one is running).

    ``reviews`` are the case's ReviewRequest rows, oldest first. A matter concluded by an agreement
    (调解和解, 条例第三十三条) or routed out of the petition procedure has no review."""
    if case.outcome:
        return None
    if any(r.level == ReviewLevel.RECHECK for r in reviews):
        return None
    done = [r for r in reviews if r.level == ReviewLevel.REVIEW]
    if done:
        review = done[-1]
        if review.decided_at is None:
            return None
        start = local_date(review.decided_at)
        return ReviewWindow(ReviewLevel.RECHECK, start, start + timedelta(days=REVIEW_REQUEST_DAYS))
    if case.answered_at is None:
        return None
    start = local_date(case.answered_at)
    return ReviewWindow(ReviewLevel.REVIEW, start, start + timedelta(days=REVIEW_REQUEST_DAYS))


def review_action(window):
    """The transition that asks for the review ``window`` (a ``review_window``) offers."""
    return "request_recheck" if window is not None and window.level == ReviewLevel.RECHECK else "request_review"


def online_review_window(case, reviews, today):
    """The 复查/复核 window the petitioner may use online ``today``, or None: open, in a state
    the request transition accepts, and not a confidential case (written channel only)."""
    window = review_window(case, reviews)
    if window is None or case.is_confidential or not window.is_open(today):
        return None
    return window if case.status in TRANSITIONS[review_action(window)].sources else None


def review_possible_later(case, reviews, today):
    """True while the petitioner may still ask for 复查/复核 (archiving must wait)."""
    window = review_window(case, reviews)
    return window is not None and today <= window.end


def case_current_due(case, assignments, reviews, supervision_dues=()):
    """The deadline that binds now for the case (shown in lists as 期限).

    The statutory one: 待分流: the bureau's 15 days; 待批示: the leader's deadline (kept as set by
    上报领导); 待受理/办理中: the earliest open acceptance or handling deadline of the
    organizations; 待审核: the statutory handling deadline; 复查中/复核中: the decision deadline;
    otherwise none. An open 督办 order whose deadline (``supervision_dues``) falls earlier binds
    instead: one date is shown and reminded everywhere (``binding_due``).
    """
    statutory = statutory_due(case, assignments, reviews)
    return binding_due(statutory, supervision_dues) if case.status in OPEN_STATUSES else statutory


def binding_due(statutory, supervision_dues=()):
    """The earlier of the statutory deadline and the open 督办 deadlines (None if none)."""
    dues = [d for d in (statutory, *supervision_dues) if d is not None]
    return min(dues) if dues else None


def statutory_due(case, assignments, reviews):
    """The statutory (or assigning bureau's) deadline of the current state, without 督办.

    While a hearing is pending (``case.paused_since``) the handling or 复核 clock stands still:
    no deadline runs (条例第三十六条第二款). Under 简易办理 the 10-working-day deadline binds
    when it is earlier."""
    status = case.status
    if case.paused_since is not None and status in PAUSABLE_STATUSES:
        return None
    due = _statutory_due(case, assignments, reviews)
    if case.procedure == Procedure.SIMPLE and case.simple_due and status in SIMPLE_RUNNING:
        return min(d for d in (due, case.simple_due) if d is not None)
    return due


# The states whose clock a hearing stops, and those in which the 简易办理 deadline runs.
PAUSABLE_STATUSES = frozenset({Status.IN_PROGRESS, Status.RECHECKING})
SIMPLE_RUNNING = frozenset({Status.PENDING, Status.AWAITING_ACCEPTANCE, Status.IN_PROGRESS, Status.RESULT_REPORTED})


def _statutory_due(case, assignments, reviews):
    status = case.status
    if status == Status.PENDING:
        return case.acceptance_due
    if status == Status.AWAITING_INSTRUCTION:
        return case.current_due
    if status in (Status.AWAITING_ACCEPTANCE, Status.IN_PROGRESS):
        dues = []
        for a in assignments:
            if a.status == AssignmentStatus.PENDING:
                dues.append(a.acceptance_due)
            elif a.status == AssignmentStatus.ACCEPTED and a.handling_due:
                dues.append(a.handling_due)
        return min(dues) if dues else case.handling_due
    if status == Status.RESULT_REPORTED:
        return case.handling_due
    if status in (Status.REVIEWING, Status.RECHECKING):
        open_reviews = [r.due for r in reviews if r.decided_at is None]
        return min(open_reviews) if open_reviews else None
    return None


# --- 满意度评价 ------------------------------------------------------------------------------------

EVALUATION_PENDING, EVALUATION_DONE, EVALUATION_OVERDUE = "pending", "done", "overdue"
EVALUATION_STATE_LABELS = {EVALUATION_PENDING: _("待评价"), EVALUATION_DONE: _("已评价"),
                           EVALUATION_OVERDUE: _("超期未评价")}


def evaluation_window_end(case):
    """The last day the petitioner may evaluate the answer (None before an answer)."""
    if case.answered_at is None:
        return None
    return local_date(case.answered_at) + timedelta(days=EVALUATION_DAYS)


def evaluation_state(case, evaluated, today):
    """待评价 / 已评价 / 超期未评价 of an answered case (None before the answer); ``evaluated`` is
    whether it has any evaluation."""
    if evaluated:
        return EVALUATION_DONE
    end = evaluation_window_end(case)
    if end is None:
        return None
    return EVALUATION_OVERDUE if today > end else EVALUATION_PENDING


# --- working days ---------------------------------------------------------------------------------

ONE_DAY = timedelta(days=1)


def ordinary_workday(day):
    """Monday to Friday, when the calendar has no entry for the day."""
    return day.weekday() < 5


def workday_span(n):
    """Calendar days that hold ``n`` working days even around 春节 (9 days off) and a 调休 week."""
    return 2 * n + 30


@dataclass(frozen=True)
class WorkCalendar:
    """The calendar exceptions (法定节假日 and 调休 working days) of ``first``..``last`` inclusive.

    A day is a working day when an exception says so, otherwise when it is Monday to Friday.
    Periods count from the day after the start, as statutory periods do: the 5th working day
    after a Friday receipt is the next Friday when nothing intervenes."""

    first: date
    last: date
    exceptions: dict

    def is_workday(self, day):
        return self.exceptions.get(day, ordinary_workday(day))

    def add(self, day, n):
        """The ``n``-th working day after ``day``, or None if the loaded range ends first."""
        current = day
        while n > 0:
            current += ONE_DAY
            if current > self.last:
                return None
            if self.is_workday(current):
                n -= 1
        return current


def receipt_day(assignment):
    """The local date on which the organization received ``assignment``."""
    return local_date(assignment.created_at)
