"""数据交换: import a signed package from a lower level and export one for the level above
(docs/architecture.md §6.1); the packages between instances (§6.2): each peer's sequence state, the
items the workflow could not take, and their upload (the one upload field takes both kinds). HTTP in,
``petitions.services.exchange`` / ``instances`` call, HTTP out; the right is ``petitions.exchange_package``."""
import tempfile

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from petitions.lib.package import PackageRejected
from petitions.forms.exchange import ExchangeExportForm, ExchangeImportForm
from petitions.models import ExchangeKey
from petitions.selectors.instances import exchange_problems, peer_states
from petitions.services.exchange import PERMISSION, key_fingerprint, package_export, package_import
from petitions.services.instances import is_instance_package, package_receive


def _page(request, *, import_form=None, export_form=None, report=None, receive_report=None, status=200):
    keys = [(k, key_fingerprint(k.public_key)) for k in ExchangeKey.objects.select_related("org")]
    return render(request, "petitions/exchange.html", {
        "import_form": import_form or ExchangeImportForm(),
        "export_form": export_form or ExchangeExportForm(request.user),
        "report": report, "receive_report": receive_report, "keys": keys,
        "peer_states": peer_states(), "problems": exchange_problems(request.user),
        "page_title": _("数据交换"), "breadcrumbs": [(_("数据交换"), None)],
    }, status=status)


@require_GET
@permission_required(PERMISSION, raise_exception=True)
def exchange_page(request):
    return _page(request)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def exchange_import(request):
    """Verify and import the uploaded package; the page shows the import report. Importing
    again changes nothing, so the report is rendered in the POST response."""
    form = ExchangeImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        if is_instance_package(upload, size=upload.size):
            upload.seek(0)
            receive_report = package_receive(fileobj=upload, size=upload.size, actor=request.user, request=request)
            return _page(request, receive_report=receive_report)
        upload.seek(0)
        report = package_import(fileobj=upload, size=upload.size, actor=request.user, request=request)
    except PackageRejected as exc:
        form.add_error(None, exc.message)
        return _page(request, import_form=form, status=400)
    return _page(request, report=report)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def exchange_export(request):
    """Build the signed package of the chosen organization and period and send it as a download."""
    form = ExchangeExportForm(request.user, request.POST)
    if not form.is_valid():
        return _page(request, export_form=form, status=400)
    data = form.cleaned_data
    out = tempfile.TemporaryFile()
    try:
        package_export(org=data["org"], start=data["start"], end=data["end"], out=out, actor=request.user)
    except FileNotFoundError:
        out.close()
        form.add_error(None, _("本系统尚未生成数据交换签名密钥，请联系系统管理员运行 exchange_keygen。"))
        return _page(request, export_form=form, status=400)
    out.seek(0)
    name = f"xf-{data['org'].code}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.zip"
    return FileResponse(out, as_attachment=True, filename=name, content_type="application/zip")


__all__ = ["exchange_export", "exchange_import", "exchange_page"]
