"""信访查询 and 办结存档: read-only lists over the visible cases, with Excel export."""
import secrets
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from reports import exporters
from reports.services import export_record

from ..search import (
    ArchiveSearchForm, CaseSearchForm, case_search, display_rows, export_rows, result_page,
)
from ..selectors import has_case_access

ARCHIVE_PERMS = ("petitions.triage_case", "petitions.instruct_case", "reports.view_statistics",
                 "petitions.supervise_case")
EXPORT_MAX_ROWS = 200_000
EXPORT_COLUMNS = [
    exporters.ExportColumn(_("信访件编号"), width=22),
    exporters.ExportColumn(_("登记时间"), width=16),
    exporters.ExportColumn(_("登记机构"), width=20),
    exporters.ExportColumn(_("信访形式"), width=8),
    exporters.ExportColumn(_("信访人"), width=8),
    exporters.ExportColumn(_("身份证号"), width=18),
    exporters.ExportColumn(_("联系电话"), width=12),
    exporters.ExportColumn(_("信访目的"), width=8),
    exporters.ExportColumn(_("所属问题"), width=12),
    exporters.ExportColumn(_("概况"), width=50),
    exporters.ExportColumn(_("状态"), width=8),
    exporters.ExportColumn(_("当前期限"), width=10),
    exporters.ExportColumn(_("办结时间"), width=16),
]


SAVED_SEARCHES = "xf_saved_searches"
SAVED_SEARCHES_KEPT = 20
URL_PARAMS = ("page", "export")  # what may travel in the address besides the saved-search key


def _save_criteria(request, post):
    """Keep the submitted criteria in the session under a random key; return the key.

    The form is posted, never sent as a query string: names, ID numbers, phone numbers and
    keywords would otherwise sit in the address bar, the browser history and every access log
    (DESIGN.md §9, "no PII in URLs or logs"). The results page is ``?s=<key>``."""
    saved = dict(request.session.get(SAVED_SEARCHES) or {})
    key = secrets.token_urlsafe(9)
    saved[key] = {k: post.getlist(k) for k in post if k != "csrfmiddlewaretoken" and k not in URL_PARAMS}
    while len(saved) > SAVED_SEARCHES_KEPT:
        saved.pop(next(iter(saved)))
    request.session[SAVED_SEARCHES] = saved
    return key


def _criteria(request):
    """The criteria of this request: a saved search (``?s=``) of this session, else the query string."""
    key = request.GET.get("s")
    stored = (request.session.get(SAVED_SEARCHES) or {}).get(key) if key else None
    if stored is None:
        return request.GET
    data = QueryDict(mutable=True)
    for name, values in stored.items():
        data.setlist(name, values)
    for name in URL_PARAMS:
        if name in request.GET:
            data[name] = request.GET[name]
    return data


def _list_view(request, *, form_class, archive, template, title):
    """The shared page: form, one page of results, or the export of all of them. A posted
    form that is valid is saved and redirected to ``?s=<key>``; one with errors is shown again."""
    posted = request.method == "POST"
    data = request.POST if posted else _criteria(request)
    form = form_class(request.user, data)
    page = rows = None
    show_pii = request.user.has_perm("petitions.view_pii")
    if form.is_valid():
        if posted:
            return redirect(f"{request.path}?{urlencode({'s': _save_criteria(request, request.POST)})}")
        query = case_search(request.user, form.cleaned_data, archive=archive)
        if data.get("export") == "xlsx":
            return _export(request, query, form, title=title, show_pii=show_pii, archive=archive)
        page = result_page(query, data.get("page"))
        rows = display_rows(page.rows, show_pii=show_pii)
    return render(request, template, {
        "form": form, "page": page, "rows": rows, "page_title": title, "breadcrumbs": [(title, None)],
        "can_export": request.user.has_perm("petitions.export_case"), "show_pii": show_pii,
    })


def _export(request, query, form, *, title, show_pii, archive):
    """Streamed Excel of the same query (write-only mode, bounded memory); audited."""
    if not request.user.has_perm("petitions.export_case"):
        raise PermissionDenied
    export_record(actor=request.user, kind="archive" if archive else "search", title=title,
                  filters=form.criteria(), request=request)
    rows = export_rows(query, show_pii=show_pii)
    limited = (row for i, row in zip(range(EXPORT_MAX_ROWS), rows))
    subtitle = _("导出单位：%(org)s　导出人：%(user)s　查询条件：%(criteria)s") % {
        "org": request.user.organization.name if request.user.organization else "",
        "user": request.user.display_name,
        "criteria": "、".join(str(form.fields[k].label) for k in form.criteria() if k in form.fields) or _("无"),
    }
    return exporters.stream_rows_response(
        title=title, subtitle=subtitle, columns=EXPORT_COLUMNS, rows=limited,
        filename=exporters.export_filename(title),
        total_label=_("共 %%(count)s 条（最多导出 %(max)s 条）") % {"max": EXPORT_MAX_ROWS})


def search(request):
    """信访查询: every case the user may see, by number, person, keywords and filters."""
    if not has_case_access(request.user):
        raise PermissionDenied
    return _list_view(request, form_class=CaseSearchForm, archive=False, template="petitions/search.html",
                      title=_("信访查询"))


def archive(request):
    """办结存档: finished cases (已办结, 已归档, 不予受理, 不再受理), read-only, exportable."""
    if not any(request.user.has_perm(p) for p in ARCHIVE_PERMS) or not has_case_access(request.user):
        raise PermissionDenied
    return _list_view(request, form_class=ArchiveSearchForm, archive=True, template="petitions/archive.html",
                      title=_("办结存档"))
