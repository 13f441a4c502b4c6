"""信访查询 and 办结存档: read-only lists over the visible cases.

Their Excel export (``?export=xlsx``) is written by the app that registered itself under
``accounts.hooks.SEARCH_EXPORT`` (the reports app); without one there is no export."""
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.replica import replica_reads
from petitions.forms.search import ArchiveSearchForm, CaseSearchForm
from petitions.selectors import has_case_access
from petitions.selectors.search import case_search, display_rows, result_page, saved_search_load
from petitions.services.saved_search import saved_search_store

ARCHIVE_PERMS = ("petitions.triage_case", "petitions.instruct_case", "reports.view_statistics",
                 "petitions.supervise_case")


def _criteria(request):
    """The criteria of this request: the saved search ``?s=<key>`` of this session, or none. The
    query string itself is never read as criteria (only ``page`` and ``export``), so a link that
    carries a name or an ID number finds nothing: criteria come only from the posted form."""
    stored = saved_search_load(request.user, request.session, request.GET.get("s"), request.GET)
    if stored is not None:
        return stored
    empty = QueryDict(mutable=True)
    if "page" in request.GET:
        empty["page"] = request.GET["page"]
    return empty


def _exporter():
    exporters = hooks.get_hooks(hooks.SEARCH_EXPORT)
    return exporters[0] if exporters else None


def _export(request, query, form, *, archive, title):
    exporter = _exporter()
    if exporter is None:
        raise Http404
    if not request.user.has_perm("petitions.export_case"):
        raise PermissionDenied
    return exporter(request, query=query, form=form, kind="archive" if archive else "search", title=title)


def _list_view(request, *, form_class, archive, template, title):
    """The shared page: the form and one page of results. A posted form that is valid is saved
    and redirected to ``?s=<key>``; one with errors is shown again."""
    posted = request.method == "POST"
    data = request.POST if posted else _criteria(request)
    form = form_class(request.user, data)
    page = rows = None
    show_pii = request.user.has_perm("petitions.view_pii")
    if form.is_valid():
        if posted:
            key = saved_search_store(user=request.user, session=request.session, post=request.POST)
            return redirect(f"{request.path}?{urlencode({'s': key})}")
        query = case_search(request.user, form.cleaned_data, archive=archive)
        if data.get("export") == "xlsx":
            return _export(request, query, form, archive=archive, title=title)
        page = result_page(query, data.get("page"))
        rows = display_rows(page.rows, show_pii=show_pii)
    return render(request, template, {
        "form": form, "page": page, "rows": rows, "page_title": title, "breadcrumbs": [(title, None)],
        "can_export": _exporter() is not None and request.user.has_perm("petitions.export_case"),
        "show_pii": show_pii,
    })


@replica_reads
def search(request):
    """信访查询: every case the user may see, by number, person, keywords and filters."""
    if not has_case_access(request.user):
        raise PermissionDenied
    return _list_view(request, form_class=CaseSearchForm, archive=False, template="petitions/search.html",
                      title=_("信访查询"))


@replica_reads
def archive(request):
    """办结存档: finished cases (已办结, 已归档, 不予受理, 不再受理), read-only, exportable."""
    if not any(request.user.has_perm(p) for p in ARCHIVE_PERMS) or not has_case_access(request.user):
        raise PermissionDenied
    return _list_view(request, form_class=ArchiveSearchForm, archive=True, template="petitions/archive.html",
                      title=_("办结存档"))
