"""数据导入: the historical Excel import (petitions/services/history_import). HTTP in, one service
call, HTTP out; the right is ``petitions.import_history``. Checking and importing run in the
background; the job page polls ``history_import_status`` for its progress bar."""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import form_add_service_error
from accounts.exceptions import ServiceError
from petitions.forms.history_import import HistoryImportForm, HistoryUploadForm
from petitions.selectors.history_import import history_import_get_visible, history_imports_visible
from petitions.services.history_import import (
    PERMISSION, job_error_workbook_path, job_import_start, job_mark_interrupted, job_progress, job_upload,
    template_write,
)
from petitions.services.history_import.columns import TEMPLATE_VERSION

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT = 20


def _title():
    return _("数据导入")


def _page(request, form=None, status=200):
    return render(request, "petitions/history_import.html", {
        "form": form or HistoryUploadForm(request.user), "jobs": history_imports_visible(request.user)[:RECENT],
        "template_version": TEMPLATE_VERSION, "page_title": _title(), "breadcrumbs": [(_title(), None)],
    }, status=status)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def history_import_page(request):
    return _page(request)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def history_import_template(request):
    import tempfile

    out = tempfile.TemporaryFile()
    template_write(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"历史数据导入模板-第{TEMPLATE_VERSION}版.xlsx",
                        content_type=XLSX)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def history_import_upload(request):
    form = HistoryUploadForm(request.user, request.POST, request.FILES)
    if form.is_valid():
        try:
            job = job_upload(actor=request.user, upload=form.cleaned_data["file"], org=form.cleaned_data["org"],
                             request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            return redirect("petitions:history_import_job", pk=job.pk)
    return _page(request, form=form, status=400)


def _job_page(request, job, form=None, status=200):
    return render(request, "petitions/history_import_job.html", {
        "job": job, "form": form or HistoryImportForm(), "progress": job_progress(job),
        "page_title": job.original_name,
        "breadcrumbs": [(_title(), "petitions:history_import"), (job.original_name, None)],
    }, status=status)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def history_import_job(request, pk):
    return _job_page(request, history_import_get_visible(request.user, pk))


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def history_import_status(request, pk):
    job = history_import_get_visible(request.user, pk)
    data = job_progress(job)
    if data["stale"]:
        job_mark_interrupted(job)
        data = job_progress(job)
    return JsonResponse(data)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def history_import_run(request, pk):
    job = history_import_get_visible(request.user, pk)
    form = HistoryImportForm(request.POST)
    if form.is_valid():
        try:
            job_import_start(actor=request.user, job=job, only_valid=form.cleaned_data["only_valid"], request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.info(request, _("已开始导入。"))
            return redirect("petitions:history_import_job", pk=job.pk)
    return _job_page(request, job, form=form, status=400)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def history_import_errors(request, pk):
    job = history_import_get_visible(request.user, pk)
    path = job_error_workbook_path(job)
    if path is None:
        raise Http404
    stem = job.original_name.rsplit(".", 1)[0]
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"{stem}-错误标注.xlsx", content_type=XLSX)
