"""Cases between instances (docs/architecture.md §6.2): the 对端系统 page of the administrator who
manages organizations (which organizations run their own instance, their keys), and the 数据交换 page's
actions for the packages of each peer (write the next one, fetch one again). HTTP in, one
``petitions.services.instances`` call, HTTP out."""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.exceptions import ServiceError
from accounts.forms import form_add_service_error
from petitions.forms.instances import PeerKeyForm, PeerLimitForm, PeerMarkForm
from petitions.models import ExchangeKey, OutboundPackage, Peer, PeerOutboxItem
from petitions.selectors.instances import peer_states
from petitions.services import instances

ADMIN = instances.ADMIN_PERMISSION
MIB = 1024 * 1024


def _peers_page(request, *, mark_form=None, key_form=None, key_peer=None, limit_form=None, limit_peer=None,
                status=200):
    states = peer_states()
    for s in states:
        s.limit = instances.peer_limits(s.peer)[0]
        s.limit_form = limit_form if limit_peer is not None and limit_peer.pk == s.peer.pk \
            else PeerLimitForm(initial={"max_mb": s.peer.max_bytes // MIB})
    return render(request, "petitions/peers.html", {
        "states": states, "mark_form": mark_form or PeerMarkForm(), "key_form": key_form or PeerKeyForm(),
        "key_peer": key_peer, "own": instances.self_org(),
        "page_title": _("对端系统"), "breadcrumbs": [(_("对端系统"), None)],
    }, status=status)


@require_GET
@permission_required(ADMIN, raise_exception=True)
def peers_page(request):
    return _peers_page(request)


@require_POST
@permission_required(ADMIN, raise_exception=True)
def peer_mark(request):
    form = PeerMarkForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            peer = instances.peer_mark(actor=request.user, org=data["org"], direction=data["direction"],
                                       public_key=data["public_key"], note=data["note"], request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已登记对端系统：%(org)s。") % {"org": peer.org.name})
            return redirect("petitions:peers")
    return _peers_page(request, mark_form=form, status=400)


@require_POST
@permission_required(ADMIN, raise_exception=True)
def peer_key_add(request, pk):
    peer = get_object_or_404(Peer.objects.select_related("org"), pk=pk)
    form = PeerKeyForm(request.POST)
    if form.is_valid():
        try:
            instances.peer_key_add(actor=request.user, peer=peer, public_key=form.cleaned_data["public_key"],
                                   note=form.cleaned_data["note"], request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已为%(org)s增加公钥。") % {"org": peer.org.name})
            return redirect("petitions:peers")
    return _peers_page(request, key_form=form, key_peer=peer, status=400)


@require_POST
@permission_required(ADMIN, raise_exception=True)
def peer_key_deactivate(request, pk):
    key = get_object_or_404(ExchangeKey.objects.select_related("org"), pk=pk)
    instances.peer_key_deactivate(actor=request.user, key=key, request=request)
    messages.success(request, _("已停用%(org)s的一个公钥。") % {"org": key.org.name})
    return redirect("petitions:peers")


@require_POST
@permission_required(ADMIN, raise_exception=True)
def peer_deactivate(request, pk):
    peer = get_object_or_404(Peer.objects.select_related("org"), pk=pk)
    instances.peer_deactivate(actor=request.user, peer=peer, request=request)
    messages.success(request, _("已停止与%(org)s交换。") % {"org": peer.org.name})
    return redirect("petitions:peers")


@require_POST
@permission_required(ADMIN, raise_exception=True)
def peer_limit(request, pk):
    peer = get_object_or_404(Peer.objects.select_related("org"), pk=pk)
    form = PeerLimitForm(request.POST)
    if form.is_valid():
        try:
            instances.peer_limit_set(actor=request.user, peer=peer, max_bytes=form.cleaned_data["max_mb"] * MIB,
                                     request=request)
        except ServiceError as exc:
            form.add_error("max_mb", exc.message)
        else:
            messages.success(request, _("已设置发给%(org)s的单包大小上限。") % {"org": peer.org.name})
            return redirect("petitions:peers")
    return _peers_page(request, limit_form=form, limit_peer=peer, status=400)


# ---------------------------------------------------------------- packages (数据交换 page)

def _download(path, package):
    return FileResponse(open(path, "rb"), as_attachment=True, filename=instances.package_filename(package),
                        content_type="application/zip")


@require_POST
@permission_required(instances.PERMISSION, raise_exception=True)
def package_send(request, pk):
    """Write the next package for the peer and send it as a download."""
    peer = get_object_or_404(Peer.objects.select_related("org"), pk=pk)
    try:
        package = instances.package_send(peer=peer, actor=request.user, request=request)
    except FileNotFoundError:
        messages.error(request, _("本系统尚未生成数据交换签名密钥，请联系系统管理员运行 exchange_keygen。"))
        return redirect("petitions:exchange")
    except ServiceError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("petitions:exchange")
    if package is None:
        messages.info(request, _("没有需要发给%(org)s的内容。") % {"org": peer.org.name})
        return redirect("petitions:exchange")
    return _download(instances.package_path(package), package)


@require_POST
@permission_required(instances.PERMISSION, raise_exception=True)
def package_resend(request, pk):
    """A package the peer has not reported as applied, again (a lost package)."""
    package = get_object_or_404(OutboundPackage.objects.select_related("peer__org"), pk=pk)
    try:
        path = instances.package_resend(package=package, actor=request.user, request=request)
    except ServiceError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("petitions:exchange")
    return _download(path, package)


@require_POST
@permission_required(instances.PERMISSION, raise_exception=True)
def outbox_item_retry(request, pk):
    """Send again an item held back as too large (the next package takes it first)."""
    item = get_object_or_404(PeerOutboxItem.objects.select_related("peer__org", "case"), pk=pk)
    try:
        instances.outbox_item_retry(actor=request.user, item=item, request=request)
    except ServiceError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("%(number)s的该事项将编入下一个包。") % {"number": item.case.number})
    return redirect("petitions:exchange")


@require_POST
@permission_required(instances.PERMISSION, raise_exception=True)
def outbox_item_drop(request, pk):
    """Give up an item held back as too large."""
    item = get_object_or_404(PeerOutboxItem.objects.select_related("peer__org", "case"), pk=pk)
    try:
        instances.outbox_item_drop(actor=request.user, item=item, request=request)
    except ServiceError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已放弃发送%(number)s的该事项。") % {"number": item.case.number})
    return redirect("petitions:exchange")


__all__ = ["outbox_item_drop", "outbox_item_retry", "package_resend", "package_send", "peer_deactivate",
           "peer_key_add", "peer_key_deactivate", "peer_limit", "peer_mark", "peers_page"]
