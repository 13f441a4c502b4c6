"""Display helpers for cases: state badges, due labels, event names and masked identity."""
from django import template
from django.utils.html import format_html

from petitions import clock
from petitions.domain import idcard
from petitions.domain.deadlines import LABELS as DUE_LABELS
from petitions.domain.deadlines import due_state
from petitions.workflow import Status
from petitions.workflow import event_label as workflow_event_label

register = template.Library()

BADGE_CLASSES = {
    Status.PENDING: "badge-info", Status.AWAITING_INSTRUCTION: "badge-warn", Status.AWAITING_ACCEPTANCE: "badge-warn",
    Status.IN_PROGRESS: "badge-info", Status.RESULT_REPORTED: "badge-warn", Status.ANSWERED: "badge-ok",
    Status.REVIEWING: "badge-warn", Status.RECHECKING: "badge-warn", Status.CLOSED: "badge-ok",
    Status.ARCHIVED: "badge-ok", Status.REJECTED: "", Status.NOT_REACCEPTED: "", Status.VOIDED: "badge-danger",
}


@register.filter
def status_label(value):
    """Chinese label of a status value ("" for none)."""
    if not value:
        return ""
    try:
        return Status(value).label
    except ValueError:
        return value


@register.simple_tag
def status_badge(status):
    """<span class="badge …">待分流</span> for a status value."""
    return format_html('<span class="badge {}">{}</span>', BADGE_CLASSES.get(status, ""), status_label(status))


@register.simple_tag
def due_badge(case):
    """The due date with 即将到期 / 已超期 (CSS classes due-soon / overdue) for open cases."""
    if case.current_due is None:
        return ""
    state = due_state(case, clock.today())
    if not state:
        return format_html("{}", case.current_due.isoformat())
    return format_html('{} <span class="{}">{}</span>', case.current_due.isoformat(), state, DUE_LABELS[state])


@register.filter
def event_label(action):
    return workflow_event_label(action)


@register.filter
def mask_id(value):
    return idcard.mask_id_number(value)


@register.filter
def mask_phone(value):
    return idcard.mask_phone(value)
