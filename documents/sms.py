"""Texts to petitioners: the query code at registration, a short note when the matter is accepted,
its handling period extended, answered, and when a document can be downloaded (README, "短信").

Every text is a row of the outbox (``SmsMessage``) written in the step's transaction and sent after
commit through ``settings.PETITIONER_SMS_GATEWAY`` (accounts/gateway.py). A provider that fails or
refuses is logged; the row stays ``pending`` with the next attempt time (1, 2, 4, … minutes) and
``manage.py send_sms`` (cron every few minutes) sends what is due, until ``SMS_MAX_ATTEMPTS`` marks it
``failed``. Nothing here can undo or delay the workflow step.

A text carries only what the petitioner must receive: the case number, the query code at registration,
what happened and where to look. Never a name, an ID number, the matter's content or an opinion.
"""
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.gateway import mask_phone
from petitions.services.instance_outbox import replaying

from documents.models import SmsMessage, SmsState

logger = logging.getLogger("xf.sms")

REGISTERED = "registration"
ACCEPTED = "accepted"
EXTENDED = "extended"
ANSWERED = "answered"
DOCUMENT = "document"

# What each text says ({sign} is the approved signature; the provider's approved template for the
# purpose, SMS_TEMPLATES, must say the same with the same parameters, in this order).
TEXTS = {
    REGISTERED: "【{sign}】您的信访事项已登记，编号{number}，查询码{code}。请妥善保管，凭编号和查询码在网上信访平台查询办理进度。",
    ACCEPTED: "【{sign}】您的信访事项{number}已受理，请凭查询码在网上信访平台查询办理进度。",
    EXTENDED: "【{sign}】您的信访事项{number}办理期限已延长至{due}，请凭查询码在网上信访平台查看告知书。",
    ANSWERED: "【{sign}】您的信访事项{number}已作出答复，请凭查询码在网上信访平台查看意见书。",
    DOCUMENT: "【{sign}】您的信访事项{number}有新的文书（{title}），请凭查询码在网上信访平台查看下载。",
}
MOBILE = re.compile(r"^1[3-9]\d{9}$")
BACKOFF_BASE_MINUTES = 1


def mobile(phone):
    """The mainland mobile number in ``phone`` (11 digits), or "" for a landline or nothing."""
    digits = re.sub(r"[\s-]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits if MOBILE.match(digits) else ""


def enabled():
    return bool(getattr(settings, "PETITIONER_SMS_GATEWAY", None))


def _gateway():
    return import_string(settings.PETITIONER_SMS_GATEWAY)()


def sms_queue(*, case, purpose, phone, params, document=None):
    """Queue one text inside the caller's transaction and send it after commit. Returns the row, or
    None when no gateway is configured or ``phone`` is not a mobile number."""
    phone = mobile(phone)
    if not phone or not enabled():
        return None
    text = TEXTS[purpose].format(sign=settings.SMS_SIGN_NAME or settings.SITE_TITLE, **params)
    message = SmsMessage.objects.create(case=case, document=document, purpose=purpose, phone=phone, text=text,
                                        params=params, next_attempt_at=timezone.now())
    transaction.on_commit(lambda: sms_send(message.pk))
    return message


def sms_send(pk):
    """Try to send outbox row ``pk`` now (after commit, or from ``send_sms``). Never raises: a failure
    is logged and scheduled again."""
    message = SmsMessage.objects.filter(pk=pk, state=SmsState.PENDING).first()
    if message is None:
        return False
    now = timezone.now()
    try:
        gateway = _gateway()
        if getattr(gateway, "templated", False):
            provider_id = gateway.send(message.phone, message.text, purpose=message.purpose, params=message.params)
        else:
            provider_id = gateway.send(message.phone, message.text)
    except Exception as exc:  # the provider is not the workflow: log, keep, retry later
        attempts = message.attempts + 1
        give_up = attempts >= settings.SMS_MAX_ATTEMPTS
        logger.warning("SMS %s to %s failed (attempt %d%s): %s", message.pk, mask_phone(message.phone), attempts,
                       ", giving up" if give_up else "", exc)
        SmsMessage.objects.filter(pk=pk).update(
            attempts=attempts, last_error=str(exc)[:300],
            state=SmsState.FAILED if give_up else SmsState.PENDING,
            next_attempt_at=None if give_up else now + timedelta(minutes=BACKOFF_BASE_MINUTES * 2 ** (attempts - 1)))
        return False
    SmsMessage.objects.filter(pk=pk).update(state=SmsState.SENT, attempts=message.attempts + 1, sent_at=now,
                                            provider_id=str(provider_id or "")[:100], last_error="")
    return True


def sms_send_due(*, now=None, limit=500):
    """Send every pending text whose next attempt is due (``manage.py send_sms``); returns
    ``(sent, failed)`` counts of this run."""
    now = now or timezone.now()
    ids = list(SmsMessage.objects.filter(state=SmsState.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    sent = sum(1 for pk in ids if sms_send(pk))
    return sent, len(ids) - sent


def _first_mobile(case):
    for person in case.petitioners.all().order_by("position"):
        phone = mobile(person.phone)
        if phone:
            return phone
    return ""


def on_case_event(event):
    """The trail hook (``accounts.hooks.CASE_EVENT``): the texts a workflow step owes the petitioner,
    queued in the step's transaction. Confidential (检举揭发) cases are texted too: the text names
    nothing but the number. A step taken again here because it was taken in another instance
    (docs/architecture.md §6.2) is not texted: that instance texted it."""
    if not enabled() or replaying():
        return
    case = event.case
    purpose, params = None, {"number": case.number}
    if event.action == "register":
        purpose, params = REGISTERED, {"number": case.number, "code": case.query_code}
    elif event.action == "accept" and not case.events.filter(action="accept").exclude(pk=event.pk).exists():
        purpose = ACCEPTED
    elif event.action == "approve_extension":
        purpose = EXTENDED
        params = {"number": case.number, "due": case.handling_due.isoformat() if case.handling_due else ""}
    elif event.action in ("approve_result", "report_result") and event.to_status == "answered":
        purpose = ANSWERED
    elif event.action in ("review_decision", "recheck_decision"):
        purpose = ANSWERED
    if purpose is None:
        return
    phone = _first_mobile(case)
    if phone:
        sms_queue(case=case, purpose=purpose, phone=phone, params=params)
