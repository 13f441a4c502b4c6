"""Template helpers of the workflow pages: due labels, the 督办 flag and the case-page panel."""
from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from petitions.permissions import page_facts
from petitions.selectors import queues
from petitions.models import AssignmentStatus, ExtensionStatus, HandlingOpinion, ReviewLevel

register = template.Library()


@register.simple_tag
def due_label(due):
    """A ``Due`` as 'YYYY-MM-DD <span class="overdue">已超期</span>' ('—' without a date)."""
    if due is None or due.date is None:
        return "—"
    if not due.label:
        return format_html("{}", due.date.isoformat())
    return format_html('{} <span class="{}">{}</span>', due.date.isoformat(), due.css, due.label)


@register.simple_tag
def supervised_badge(flag):
    if not flag:
        return ""
    return format_html('<span class="badge badge-danger" title="{}">{}</span>', _("该件已被督办"), _("督办"))


@register.filter
def assignment_status_label(value):
    try:
        return AssignmentStatus(value).label
    except ValueError:
        return value


@register.filter
def extension_status_label(value):
    try:
        return ExtensionStatus(value).label
    except ValueError:
        return value


@register.filter
def opinion_label(value):
    try:
        return HandlingOpinion(value).label
    except ValueError:
        return value or "—"


@register.filter
def review_level_label(value):
    try:
        return ReviewLevel(value).label
    except ValueError:
        return value


VIEW_ACTIONS = {"view": _lazy("查看"), "download": _lazy("下载附件"), "export": _lazy("导出Excel"),
                "mark_viewed": _lazy("标记查看")}


@register.filter
def view_action_label(value):
    return VIEW_ACTIONS.get(value, value)


@register.inclusion_tag("petitions/includes/_workflow_panel_body.html", takes_context=True)
def workflow_panel(context, case):
    """Deadlines, assignments, extensions, 复查/复核, 督办 and (confidential) viewers of a case."""
    request = context["request"]
    # The page's Facts: the rows the action buttons already read are not read again.
    records = page_facts(request, case).records
    return {"panel": queues.workflow_panel(request.user, case, records=records), "case": case}
