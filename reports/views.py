"""Statistics pages: HTTP in, selectors/definitions, HTML, image or Excel out."""
import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.exceptions import ServiceError
from accounts.forms import form_add_service_error
from accounts.replica import replica_reads
from petitions.selectors.search import export_rows
from reports import charts, exporters, services
from reports.case_export import case_export_response
from reports.definitions import (
    CHARTS, KPI_FORM, KPI_RANKING_FORM_NUMBER, REPORT_BY_SLUG, REPORTS, chart_data, chart_set, form_block,
    kpi_ranking, kpi_report,
)
from reports.forms import KpiForm, ReportForm, ScopeForm, SignersForm
from reports.procedure_reports import PROCEDURE_REPORTS
from reports.selectors import report_signers

# The six tables and those of the procedures (docs/reports.md §3.7–3.8), in their form numbers' order.
ALL_REPORTS = REPORTS + PROCEDURE_REPORTS
ALL_REPORTS_BY_SLUG = {**REPORT_BY_SLUG, **{r.slug: r for r in PROCEDURE_REPORTS}}

STAT_PERM = "reports.view_statistics"
CHART_CACHE_SECONDS = 300
EXPORT_PERM = "petitions.export_case"


def _want_export(request):
    if request.GET.get("export") != "xlsx":
        return False
    if not request.user.has_perm(EXPORT_PERM):
        raise PermissionDenied
    return True


def _breadcrumbs(*items):
    return [(_("生成报表"), reverse("reports:index"))] + list(items)


def _signers(request):
    """The sign-off form of a report page and the names saved. A POST saves the names
    (post/redirect/get back to the same report); returns ``(form, saved, redirect or None)``."""
    saved = report_signers(request.user)
    if request.method != "POST":
        return SignersForm(initial={"unit_head": saved.unit_head, "preparer": saved.preparer}), saved, None
    form = SignersForm(request.POST)
    if form.is_valid():
        try:
            services.report_signers_save(actor=request.user, request=request, **form.cleaned_data)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("单位负责人和填表人已保存，本人以后的报表都将使用。"))
            return form, saved, redirect(request.get_full_path())
    return form, saved, None


@require_GET
@permission_required(STAT_PERM, raise_exception=True)
def index(request):
    """List of the six reports, the KPI table and the charts."""
    reports = [{"title": r.title, "description": r.description, "number": r.form_number,
                "url": reverse("reports:report", args=[r.slug])} for r in ALL_REPORTS]
    return render(request, "reports/index.html", {
        "reports": reports, "kpi_number": KPI_FORM.form_number,
        "page_title": _("生成报表"), "breadcrumbs": [(_("生成报表"), "")]})


@require_http_methods(["GET", "POST"])
@permission_required(STAT_PERM, raise_exception=True)
@replica_reads
def report(request, slug):
    """One report for the chosen period, source and scope with its statistical form block;
    ``?export=xlsx`` downloads it; a POST saves the sign-off names."""
    definition = ALL_REPORTS_BY_SLUG.get(slug)
    if definition is None:
        raise Http404
    signers_form, signers, done = _signers(request)
    if done:
        return done
    form = ReportForm(request.user, request.GET)
    table = None
    if form.is_valid():
        table = definition.build(request.user, form.scope())
        table.form = form_block(definition, form.scope(), signers=signers,
                                report_date=form.cleaned_data["report_date"])
        if _want_export(request):
            services.export_record(actor=request.user, kind=f"report:{slug}", title=table.title,
                                   filters={"period": form.scope().period.label(), "org": form.scope().org.code,
                                            "source": form.cleaned_data["source"]}, request=request)
            return exporters.table_response(
                table, filename=exporters.export_filename(table.title, suffix=form.scope().org.name))
    return render(request, "reports/report.html", {
        "form": form, "table": table, "definition": definition, "page_title": definition.title,
        "signers_form": signers_form, "can_export": request.user.has_perm(EXPORT_PERM),
        "query": form.query_string() if table is not None else "",
        "breadcrumbs": _breadcrumbs((definition.title, "")),
    })


@require_http_methods(["GET", "POST"])
@permission_required(STAT_PERM, raise_exception=True)
@replica_reads
def kpi(request):
    """KPIs per organization and a ranking by the chosen KPI, with the form block;
    ``?export=xlsx`` downloads both; a POST saves the sign-off names."""
    signers_form, signers, done = _signers(request)
    if done:
        return done
    form = KpiForm(request.user, request.GET)
    table = ranking = None
    if form.is_valid():
        table = kpi_report(request.user, form.scope())
        ranking = kpi_ranking(table, form.cleaned_data["rank_by"])
        day = form.cleaned_data["report_date"]
        table.form = form_block(KPI_FORM, form.scope(), signers=signers, report_date=day)
        ranking.form = form_block(KPI_FORM, form.scope(), signers=signers, report_date=day,
                                  number=KPI_RANKING_FORM_NUMBER)
        if _want_export(request):
            services.export_record(actor=request.user, kind="report:kpi", title=table.title,
                                   filters={"period": form.scope().period.label(), "org": form.scope().org.code,
                                            "source": form.cleaned_data["source"]}, request=request)
            return exporters.table_response(
                table, ranking, filename=exporters.export_filename(table.title, suffix=form.scope().org.name))
    return render(request, "reports/kpi.html", {
        "form": form, "table": table, "ranking": ranking, "page_title": _("考核指标"),
        "signers_form": signers_form, "can_export": request.user.has_perm(EXPORT_PERM),
        "query": form.query_string() if table is not None else "",
        "breadcrumbs": _breadcrumbs((_("考核指标"), "")),
    })


def _chart_cache_key(user, query):
    # Per user (statistics depend on the user's jurisdiction) and per query; counts only.
    return "reports:charts:%s:%s" % (user.pk, hashlib.sha256(query.encode()).hexdigest())


@require_GET
@permission_required(STAT_PERM, raise_exception=True)
@replica_reads
def chart_page(request):
    """All charts for one scope, each image beside the table of its numbers.

    The numbers are computed once (three GROUP BYs) and kept for 5 minutes, so the image
    requests that follow only draw."""
    form = ScopeForm(request.user, request.GET)
    items = []
    if form.is_valid():
        query = form.query_string()
        charts_by_slug = chart_set(request.user, form.scope())
        cache.set(_chart_cache_key(request.user, query), charts_by_slug, CHART_CACHE_SECONDS)
        for slug, data in charts_by_slug.items():
            items.append({"data": data, "rows": data.rows(), "totals": data.totals(),
                          "src": reverse("reports:chart_image", args=[slug]) + "?" + query,
                          "svg": reverse("reports:chart_image", args=[slug]) + "?" + query + "&fmt=svg"})
    return render(request, "reports/charts.html", {
        "form": form, "charts": items, "page_title": _("分析图表"), "breadcrumbs": [(_("分析图表"), "")]})


@require_GET
@permission_required(STAT_PERM, raise_exception=True)
@replica_reads
def chart_image(request, slug):
    """One chart as PNG (default) or SVG (``?fmt=svg``), from the same numbers as its table."""
    if slug not in CHARTS:
        raise Http404
    fmt = request.GET.get("fmt", "png")
    if fmt not in charts.FORMATS:
        raise Http404
    form = ScopeForm(request.user, request.GET)
    if not form.is_valid():
        raise Http404
    cached = cache.get(_chart_cache_key(request.user, form.query_string())) or {}
    data = cached.get(slug) or chart_data(request.user, form.scope(), slug)
    body = charts.bar_chart(data.title, data.labels, data.series, horizontal=data.horizontal, fmt=fmt)
    response = HttpResponse(body, content_type=charts.FORMATS[fmt])
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Excel of the case pages (registered into accounts.hooks by reports/hooks.py) ------------------

SEARCH_EXPORT_MAX_ROWS = 200_000
SEARCH_EXPORT_COLUMNS = [
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


def search_export(request, *, query, form, kind, title):
    """信访查询 / 办结存档 as a streamed Excel of the same query (write-only, bounded memory);
    the caller has checked the export permission. Audited (``export``)."""
    services.export_record(actor=request.user, kind=kind, title=title, filters=form.criteria(), request=request)
    rows = export_rows(query, show_pii=request.user.has_perm("petitions.view_pii"))
    limited = (row for i, row in zip(range(SEARCH_EXPORT_MAX_ROWS), rows))
    subtitle = _("导出单位：%(org)s　导出人：%(user)s　查询条件：%(criteria)s") % {
        "org": request.user.organization.name if request.user.organization else "",
        "user": request.user.display_name,
        "criteria": "、".join(str(form.fields[k].label) for k in form.criteria() if k in form.fields) or _("无"),
    }
    return exporters.stream_rows_response(
        title=title, subtitle=subtitle, columns=SEARCH_EXPORT_COLUMNS, rows=limited,
        filename=exporters.export_filename(title),
        total_label=_("共 %%(count)s 条（最多导出 %(max)s 条）") % {"max": SEARCH_EXPORT_MAX_ROWS})


def case_export(request, case):
    """导出Excel of one visible case with its trail (the caller checked permission and scope)."""
    return case_export_response(case, user=request.user)
