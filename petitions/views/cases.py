"""Triage pool, case detail and attachment download: reads through the visibility selectors."""
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..forms.intake import PoolFilterForm
from ..models import Attachment, Case, Channel
from ..permissions import available_actions
from ..pool import PAGE_SIZE, case_list_rows, pool_filter, pool_qs
from ..selectors import case_get_visible
from ..services.access_log import case_view_record
from ..services.attachments import attachment_open

CHANNEL_SECTIONS = {Channel.VISIT: "visit", Channel.REFERRAL: "referral"}
POOL_PERMS = ("petitions.triage_case", "petitions.register_case")


def pool(request):
    """分流池: 待分流 cases held within the user's jurisdiction, newest first, 20 a page.

    Open to clerks and triage officers. Identity in the rows is always masked (a list is not
    where personal data is read)."""
    if not any(request.user.has_perm(p) for p in POOL_PERMS):
        raise PermissionDenied
    form = PoolFilterForm(request.GET, user=request.user)
    qs = pool_filter(pool_qs(request.user), **form.filters())
    page = Paginator(case_list_rows(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "petitions/pool.html", {
        "form": form, "page": page, "page_title": _("分流池"),
    })


def case_detail(request, pk):
    """Everything registered, the trail and the actions the user may take; the opening is
    recorded in the access log. 404 for a case the user may not see."""
    case = case_get_visible(request.user, pk, qs=Case.objects.select_related(
        "registered_org", "registered_by", "purpose", "problem", "problem__parent", "problem_region",
        "visit_nature", "visit_level", "letter_nature", "attachment_kind", "registration_source", "first_case",
        "accused_org", "holder_org", "reported_leader", "closure_category", "closure_org", "closure_region",
    ))
    case_view_record(case=case, user=request.user)
    return render(request, "petitions/case_detail.html", {
        "case": case,
        "petitioners": case.petitioners.select_related("ethnicity", "education", "political"),
        "abnormal_behaviors": case.abnormal_behaviors.all(),
        "attachments": case.attachments.all(),
        "events": case.events.select_related("actor", "actor_org", "target_org", "target_user"),
        "actions": available_actions(request.user, case),
        "show_pii": request.user.has_perm("petitions.view_pii"),
        "channel_section": CHANNEL_SECTIONS.get(case.channel, "letter"),
        "page_title": case.number,
        "breadcrumbs": [(case.number, None)],
    })


def attachment_download(request, pk):
    """Stream one attachment as a download, only if its case is visible (404 otherwise)."""
    attachment = Attachment.objects.filter(pk=pk).only("case_id").first()
    if attachment is None:
        raise Http404
    case = case_get_visible(request.user, attachment.case_id)
    attachment = Attachment.objects.get(pk=pk)
    try:
        handle = attachment_open(attachment)
    except FileNotFoundError:
        raise Http404
    case_view_record(case=case, user=request.user, action="download")
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
