"""短信信访: the providers' inbound callback (open, signed per provider) and the bureau's list of
received messages (numbers always masked). HTTP in, ``petitions.services.sms_intake``, HTTP out."""
import logging

from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.audit import client_ip
from petitions.lib.sms_inbound import CallbackRejected, adapter_for
from petitions.selectors.sms import sms_inbound_visible
from petitions.services.sms_intake import REASONS, sms_masked, sms_receive

logger = logging.getLogger("xf.sms")
MAX_BODY = 256 * 1024
LIST_SIZE = 200


@csrf_exempt
@login_not_required
@require_POST
def sms_inbound(request, provider):
    """The callback of ``provider``: 404 for a provider not switched on, 403 for a callback that does
    not prove it comes from the provider, 400 for a body the provider would not send; otherwise
    the provider's own "received" answer (also for messages refused on their content, which are
    stored with the reason: the provider must not push them again)."""
    adapter = adapter_for(provider)
    if adapter is None:
        raise Http404
    body = request.body[:MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return JsonResponse(adapter.answer(False), status=413)
    try:
        adapter.verify(body=body, headers=request.headers, params=request.GET, client_ip=client_ip(request))
    except CallbackRejected as exc:
        logger.warning("SMS callback of %s refused from %s: %s", provider, client_ip(request), exc.reason)
        return JsonResponse(adapter.answer(False), status=403)
    try:
        messages = adapter.parse(body)
    except (CallbackRejected, TypeError, ValueError):
        logger.warning("SMS callback of %s with a malformed body", provider)
        return JsonResponse(adapter.answer(False), status=400)
    sms_receive(provider=provider, messages=messages, request=request)
    return JsonResponse(adapter.answer(True))


@require_GET
@permission_required("petitions.triage_case", raise_exception=True)
def sms_inbound_list(request):
    rows = [{"row": row, "phone": sms_masked(row.phone), "reason": REASONS.get(row.reason, row.reason)}
            for row in sms_inbound_visible(request.user)[:LIST_SIZE]]
    return render(request, "petitions/sms_inbound_list.html", {
        "rows": rows, "page_title": _("短信信访"), "breadcrumbs": [(_("短信信访"), None)]})
