"""Triage pool, case detail and attachment download: reads through the visibility selectors."""
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import hooks

from petitions.forms.pool import PoolFilterForm
from petitions.lib.paging import CappedPaginator
from petitions.models import Attachment, Case, Channel, DictEntry
from petitions.permissions import available_actions, page_facts
from petitions.selectors.pool import PAGE_SIZE, case_list_rows, pool_filter, pool_qs
from petitions.selectors import case_get_visible
from petitions.services.access_log import case_view_record
from petitions.services.attachments import attachment_open

CHANNEL_SECTIONS = {Channel.VISIT: "visit", Channel.REFERRAL: "referral"}
POOL_PERMS = ("petitions.triage_case", "petitions.register_case")

# The case page joins into the case row only the organizations, the registrar and the first
# visit (the permission rules read the holder and the first visit); the dictionary entries it
# shows come from one more query (``_case_entries``). PostgreSQL's planning time grows steeply
# with the number of joins: with all of them in one query the row took ~17 ms to fetch at 1M
# cases, against ~4 ms for these six and ~1 ms for the entries.
CASE_PAGE_RELATIONS = ("registered_org", "registered_by", "holder_org", "problem_region", "accused_org", "first_case")
CASE_PAGE_ENTRIES = ("purpose", "problem", "visit_nature", "visit_level", "letter_nature", "attachment_kind",
                     "registration_source")


def pool(request):
    """分流池: 待分流 cases held within the user's jurisdiction, newest first, 20 a page.

    Open to clerks and triage officers. Identity in the rows is always masked (a list is not
    where personal data is read)."""
    if not any(request.user.has_perm(p) for p in POOL_PERMS):
        raise PermissionDenied
    form = PoolFilterForm(request.GET, user=request.user)
    qs = pool_filter(pool_qs(request.user), **form.filters())
    # Counted up to COUNT_CAP ("1000+", as the work queues and 信访查询): the pool of a prefecture holds
    # every case registered in the last days, and an exact count read them all (docs/performance.md §14).
    page = CappedPaginator(case_list_rows(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "petitions/pool.html", {
        "form": form, "page": page, "page_title": _("分流池"),
    })


def _case_entries(case, *, with_abnormal):
    """Attach the case's dictionary entries (``CASE_PAGE_ENTRIES``, 所属问题 with its parent) to
    ``case`` as select_related would, in one query that also reads the 异常行为 of a visit
    (``with_abnormal``); return those, in the dictionary's order."""
    ids = {getattr(case, f"{name}_id") for name in CASE_PAGE_ENTRIES} - {None}
    entries = DictEntry.objects.select_related("parent")
    if with_abnormal:
        through = Case.abnormal_behaviors.through
        entries = entries.annotate(
            is_abnormal=Exists(through.objects.filter(case_id=case.pk, dictentry_id=OuterRef("pk")))
        ).filter(Q(pk__in=ids) | Q(is_abnormal=True))
    elif ids:
        entries = entries.filter(pk__in=ids)
    else:
        return []
    entries = list(entries)
    by_id = {entry.pk: entry for entry in entries}
    for name in CASE_PAGE_ENTRIES:
        entry = by_id.get(getattr(case, f"{name}_id"))
        if entry is not None:
            setattr(case, name, entry)
    return [entry for entry in entries if getattr(entry, "is_abnormal", False)]


def case_detail(request, pk):
    """Everything registered, the trail and the actions the user may take; the opening is
    recorded in the access log. 404 for a case the user may not see."""
    case = case_get_visible(request.user, pk, qs=Case.objects.select_related(*CASE_PAGE_RELATIONS))
    channel_section = CHANNEL_SECTIONS.get(case.channel, "letter")
    abnormal_behaviors = _case_entries(case, with_abnormal=channel_section == "visit")
    case_view_record(case=case, user=request.user, request=request)
    # One Facts for the whole page: the actions, the workflow panel and the apps' panels read each
    # related row once through it (docs/performance.md §14); the case was just read as visible.
    facts = page_facts(request, case, visible=True)
    return render(request, "petitions/case_detail.html", {
        "case": case,
        "petitioners": case.petitioners.select_related("ethnicity", "education", "political"),
        "abnormal_behaviors": abnormal_behaviors,
        "attachments": case.attachments.all(),
        "events": facts.records.events,
        "actions": available_actions(request.user, case, facts),
        "show_pii": request.user.has_perm("petitions.view_pii"),
        "channel_section": channel_section,
        "page_title": case.number,
        "breadcrumbs": [(case.number, None)],
        # Panels of the apps above (documents: the 文书 panel), each rendered HTML.
        "case_panels": [panel(request, case) for panel in hooks.get_hooks(hooks.CASE_PANELS)],
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
    case_view_record(case=case, user=request.user, action="download", request=request)
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
