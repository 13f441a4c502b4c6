"""信访情况年度报告 (条例第四十一条): one page per organization and year with the figures and the
editable text sections; ``?export=pdf`` and ``?export=xlsx`` download it (docs/reports.md §3.9)."""
import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.exceptions import NotAllowed, ServiceError
from accounts.forms import form_add_service_error
from accounts.replica import replica_reads
from reports import exporters, services
from reports.annual import SECTIONS, annual_figures, annual_pdf, annual_sections, annual_tables
from reports.annual_forms import AnnualForm, AnnualTextForm
from reports.annual_services import annual_report_save
from reports.models import AnnualReport

STAT_PERM = "reports.view_statistics"
EXPORT_PERM = "petitions.export_case"


def _title(org, year):
    return _("%(org)s%(year)d年信访情况年度报告") % {"org": org.name, "year": year}


@require_http_methods(["GET", "POST"])
@permission_required(STAT_PERM, raise_exception=True)
@replica_reads
def annual_report(request):
    """GET: the report of the chosen organization and year (saved figures if it was saved, else
    computed now). POST ``save``: the text with the saved figures (computed now on the first save);
    POST ``refresh``: the text with figures computed now."""
    form = AnnualForm(request.user, request.GET)
    if not form.is_valid():
        return render(request, "reports/annual.html", {"form": form, "page_title": _("信访情况年度报告"),
                                                       "breadcrumbs": [(_("生成报表"), reverse("reports:index")),
                                                                       (_("信访情况年度报告"), "")]})
    org, year = form.cleaned_data["org"], form.cleaned_data["year"]
    report = AnnualReport.objects.filter(org=org, year=year).first()
    text_form = AnnualTextForm(request.POST or None, initial={
        field: getattr(report, field) for field, _heading in SECTIONS} if report else None)
    here = reverse("reports:annual") + "?" + urlencode({"org": org.pk, "year": year})
    if request.method == "POST" and text_form.is_valid():
        fresh = "refresh" in request.POST or report is None or not report.figures
        figures = annual_figures(request.user, org, year) if fresh else report.figures
        try:
            annual_report_save(actor=request.user, org=org, year=year, texts=text_form.cleaned_data,
                               figures=figures, request=request)
        except (ServiceError, NotAllowed) as exc:
            form_add_service_error(text_form, exc)
        else:
            messages.success(request, _("年度报告已保存（统计数据截至%(at)s）。") % {"at": figures["computed_at"]})
            return redirect(here)
    figures = report.figures if report is not None and report.figures else annual_figures(request.user, org, year)
    export = request.GET.get("export")
    if export in ("pdf", "xlsx"):
        if not request.user.has_perm(EXPORT_PERM):
            raise PermissionDenied
        title = _title(org, year)
        services.export_record(actor=request.user, kind=f"report:annual:{export}", title=title,
                               filters={"org": org.code, "year": year}, request=request)
        filename = exporters.export_filename(title)
        if export == "xlsx":
            return exporters.table_response(*annual_tables(figures), filename=filename)
        body = annual_pdf(title=title, figures=figures, sections=annual_sections(report))
        return FileResponse(io.BytesIO(body), as_attachment=True, content_type="application/pdf",
                            filename=filename.rsplit(".", 1)[0] + ".pdf")
    return render(request, "reports/annual.html", {
        "form": form, "text_form": text_form, "report": report, "figures": figures,
        "tables": annual_tables(figures), "title": _title(org, year), "here": here,
        "can_export": request.user.has_perm(EXPORT_PERM), "page_title": _("信访情况年度报告"),
        "breadcrumbs": [(_("生成报表"), reverse("reports:index")), (_("信访情况年度报告"), "")],
    })
