"""公共信息 pages: HTTP in, bulletin.services / bulletin.selectors call, HTTP out."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exceptions import ServiceError
from accounts.forms import form_add_service_error
from petitions.selectors import has_case_access

from bulletin import selectors, services
from bulletin.forms import BulletinForm, BulletinSearchForm, FileSendForm
from bulletin.models import Bulletin, FileTransfer


def _require_access(user):
    if not has_case_access(user):
        raise PermissionDenied


def bulletin_list(request):
    _require_access(request.user)
    form = BulletinSearchForm(request.GET or None)
    qs = selectors.bulletins_visible(request.user).select_related("publisher_org")
    if form.is_valid():
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "bulletin/list.html", {
        "form": form, "page": page, "can_publish": selectors.can_publish(request.user),
        "page_title": _("公共信息"),
    })


def bulletin_detail(request, pk):
    _require_access(request.user)
    bulletin = get_object_or_404(selectors.bulletins_visible(request.user).select_related("publisher_org"), pk=pk)
    can_edit = selectors.can_edit(request.user, bulletin)
    return render(request, "bulletin/detail.html", {
        "b": bulletin, "can_edit": can_edit, "page_title": bulletin.title,
        "audience": selectors.audience_label(bulletin) if can_edit else "",
    })


def bulletin_edit(request, pk=None):
    if not selectors.can_publish(request.user):
        raise PermissionDenied
    bulletin = None
    if pk is not None:
        bulletin = get_object_or_404(selectors.bulletins_visible(request.user), pk=pk)
        if not selectors.can_edit(request.user, bulletin):
            raise Http404
    initial = None
    if bulletin:
        initial = {"kind": bulletin.kind, "title": bulletin.title, "body": bulletin.body,
                   "audience": bulletin.audience, "audience_orgs": [t.org_id for t in bulletin.targets.all()]}
    form = BulletinForm(request.POST or None, request.FILES or None, initial=initial,
                        audience_orgs=selectors.audience_org_choices(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = services.bulletin_save(actor=request.user, kind=data["kind"], title=data["title"],
                                         body=data["body"], upload=data["upload"], bulletin=bulletin,
                                         audience=data["audience"], audience_orgs=data["audience_orgs"],
                                         request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已发布。"))
            return redirect("bulletin:detail", row.pk)
    return render(request, "bulletin/form.html", {
        "form": form, "bulletin": bulletin, "page_title": _("修改") if bulletin else _("发布公共信息"),
    })


@require_POST
def bulletin_withdraw(request, pk):
    bulletin = get_object_or_404(selectors.bulletins_visible(request.user), pk=pk)
    services.bulletin_withdraw(actor=request.user, bulletin=bulletin, request=request)
    messages.success(request, _("已撤回。"))
    return redirect("bulletin:list")


def bulletin_file(request, pk):
    _require_access(request.user)
    bulletin = get_object_or_404(Bulletin, pk=pk)
    handle = services.bulletin_file_open(actor=request.user, bulletin=bulletin)
    return FileResponse(handle, as_attachment=True, filename=bulletin.original_name,
                        content_type=bulletin.content_type)


def files(request):
    """文件传送: files received and sent, and the form to send one."""
    _require_access(request.user)
    form = FileSendForm(request.POST or None, request.FILES or None,
                        recipients=selectors.recipients(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.file_send(actor=request.user, recipient=data["recipient"], upload=data["upload"],
                               note=data["note"], request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("文件已发送。"))
            return redirect("bulletin:files")
    return render(request, "bulletin/files.html", {
        "form": form, "received": list(selectors.transfers_received(request.user)[:100]),
        "sent": list(selectors.transfers_sent(request.user)[:100]), "page_title": _("文件传送"),
    })


def file_download(request, pk):
    _require_access(request.user)
    transfer = get_object_or_404(FileTransfer, pk=pk)
    handle = services.file_open(actor=request.user, transfer=transfer)
    return FileResponse(handle, as_attachment=True, filename=transfer.original_name,
                        content_type=transfer.content_type)
