"""Petitions by SMS (短信信访, README "短信信访").

A provider's callback (``petitions/views/sms.py``, adapters in ``petitions/lib/sms_inbound.py``)
hands over the messages it received; ``sms_receive`` turns each into a petition of channel 短信 in
the pool of the bureau the receiving number (or extension) is routed to, and replies with the case
number and query code.

Rules, in order, each refusal stored on the message row (``SmsInbound.reason``) and logged (the
number masked):

- the same provider message twice (a retried callback) changes nothing (``message_key`` is unique);
- more than ``SMS_INBOUND_FLOOD_LIMIT`` messages from one number within an hour are dropped unstored;
- a long message sent in parts waits until every part has arrived and is joined in order; parts still
  missing after ``SMS_INBOUND_PART_WAIT_SECONDS`` are joined as they are by the next callback;
- the sender must be a mainland mobile number (``accounts.text.normalise_phone``);
- the receiving number must be routed to a bureau (``SMS_INBOUND_ROUTES`` / ``SMS_INBOUND_DEFAULT_BUREAU``);
- an empty message (no letter or digit) is refused (``empty``), with the format in the reply;
- a message with a word of ``SMS_INBOUND_BLOCKED_WORDS`` is refused (``abusive``), without reply;
- at most ``SMS_INBOUND_LIMIT`` petitions per number within ``SMS_INBOUND_WINDOW_SECONDS``
  (``rate_limited``; counted in the database, so the limit holds across workers);
- the message must read ``姓名#地址#诉求`` or ``姓名#诉求`` (the 条例 asks for the petitioner's name and
  address; ``format`` otherwise, with the format in the reply);
- then ``register_case`` with the bureau's "短信信访" system account (``sms:<org code>``, holding only
  ``petitions.register_case``, like the portal's "网上信访" account): numbered, held and pooled by the
  bureau, the register event and its audit row, idempotent per message.

The reply with the number and query code is the petitioners' SMS outbox's registration text (the
documents app sends it on the register event, with retries) when ``PETITIONER_SMS_GATEWAY`` is set;
otherwise this module sends it once through ``SMS_INBOUND_REPLY_GATEWAY`` (default the staff
notifications' gateway). Refusals that the sender can mend (empty, format) are answered here, once
per message, with the expected format.
"""
import hashlib
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.exceptions import ServiceError
from accounts.models import OrgUnit
from accounts.services import system_account_ensure
from accounts.text import MOBILE, PhoneError, clean_line, clean_text, normalise_phone
from petitions.domain.idcard import mask_phone
from petitions.models import Channel, SmsInbound, SmsInboundState
from petitions.services.intake import register_case

logger = logging.getLogger("xf.sms")

SYSTEM_USERNAME_PREFIX = "sms:"
SYSTEM_ACTOR_NAME = "短信信访"
SEPARATORS = re.compile(r"[#＃]")
HAS_WORDS = re.compile(r"\w")
MAX_NAME = 20
FORMAT_HELP = "请按“姓名#住址#反映的问题”格式重新发送。"

REASONS = {
    "phone": "发送号码不是有效的手机号码",
    "no_route": "接收号码未对应受理机构",
    "empty": "短信内容为空",
    "abusive": "含辱骂或不文明用语",
    "rate_limited": "同一号码登记过于频繁",
    "format": "格式不符（缺少姓名或诉求）",
    "invalid": "登记未通过检查",
}


def _setting(name, default):
    return getattr(settings, name, default)


def sms_actor_for(org):
    """The "短信信访" system account of ``org`` (created on first use, never able to log in)."""
    return system_account_ensure(username=f"{SYSTEM_USERNAME_PREFIX}{org.code}", organization=org,
                                 real_name=SYSTEM_ACTOR_NAME, permissions=("petitions.register_case",))


def bureau_for(dest):
    """The bureau a message sent to ``dest`` (the service number or its extension) belongs to: the
    longest prefix of ``dest`` in ``SMS_INBOUND_ROUTES``, else ``SMS_INBOUND_DEFAULT_BUREAU``."""
    routes = _setting("SMS_INBOUND_ROUTES", {}) or {}
    code = None
    for prefix in sorted(routes, key=len, reverse=True):
        if dest.startswith(prefix):
            code = routes[prefix]
            break
    code = code or _setting("SMS_INBOUND_DEFAULT_BUREAU", "")
    return OrgUnit.objects.filter(code=code, is_active=True).first() if code else None


def _reply_gateway():
    path = (_setting("SMS_INBOUND_REPLY_GATEWAY", "") or _setting("PETITIONER_SMS_GATEWAY", "")
            or _setting("NOTIFY_SMS_GATEWAY", ""))
    return import_string(path)() if path else None


def _outbox_texts_registrations():
    """The petitioners' SMS outbox (the documents app, on the register event) already texts the
    number and query code, with retries, whenever its gateway is configured: then it is the reply."""
    return bool(_setting("PETITIONER_SMS_GATEWAY", ""))


def _send(phone, text, purpose, params):
    try:
        gateway = _reply_gateway()
        if gateway is None:
            return
        if getattr(gateway, "templated", False):
            gateway.send(phone, text, purpose=purpose, params=params)
        else:
            gateway.send(phone, text)
    except Exception:  # the provider is not the registration: logged, the case stands
        logger.exception("SMS reply to %s failed", mask_phone(phone))


def _reply(phone, text, purpose, params=None):
    transaction.on_commit(lambda: _send(phone, text, purpose, params or {}))


def _blocked(text):
    words = _setting("SMS_INBOUND_BLOCKED_WORDS", ())
    compact = re.sub(r"\s+", "", text)
    return any(word and word in compact for word in words)


def _over_limit(phone, now):
    since = now - timedelta(seconds=_setting("SMS_INBOUND_WINDOW_SECONDS", 24 * 3600))
    cases = (SmsInbound.objects.filter(phone=phone, state=SmsInboundState.REGISTERED, created_at__gt=since)
             .values("case_id").distinct().count())
    return cases >= _setting("SMS_INBOUND_LIMIT", 3)


def _flooding(phone, now):
    return SmsInbound.objects.filter(phone=phone, created_at__gt=now - timedelta(hours=1)).count() >= _setting(
        "SMS_INBOUND_FLOOD_LIMIT", 20)


def _refuse(rows, reason, phone, *, reply=False):
    SmsInbound.objects.filter(pk__in=[r.pk for r in rows]).update(state=SmsInboundState.REJECTED, reason=reason)
    logger.info("SMS from %s refused: %s", mask_phone(phone), reason)
    if reply:
        _reply(phone, _("您的短信未能登记为信访事项（%(why)s）。%(help)s") % {
            "why": REASONS[reason], "help": FORMAT_HELP}, "sms_format", {"reason": REASONS[reason]})
    return None


def _register(rows, *, phone, bureau, text, key, request):
    """Check the joined ``text`` of ``rows`` and register it; return the case or None."""
    text = clean_text(text)
    if not HAS_WORDS.search(text):
        return _refuse(rows, "empty", phone, reply=True)
    if _blocked(text):
        return _refuse(rows, "abusive", phone)
    now = timezone.now()
    if _over_limit(phone, now):
        return _refuse(rows, "rate_limited", phone)
    parts = [p.strip() for p in SEPARATORS.split(text, maxsplit=2)]
    if len(parts) < 2:
        return _refuse(rows, "format", phone, reply=True)
    name = clean_line(parts[0])
    address = clean_line(parts[1]) if len(parts) == 3 else ""
    content = parts[-1]
    if not name or len(name) > MAX_NAME or not HAS_WORDS.search(content):
        return _refuse(rows, "format", phone, reply=True)
    token = "sms:" + hashlib.sha256(key.encode()).hexdigest()[:48]
    try:
        case = register_case(
            actor=sms_actor_for(bureau), channel=Channel.SMS, submit_token=token, request=request,
            data={"content": content, "problem_region": bureau.government},
            petitioners=[{"name": name, "phone": phone, "address": address}])
    except ServiceError as exc:
        logger.info("SMS from %s not registered: %s", mask_phone(phone), exc.message_dict if hasattr(exc, "error_dict")
                    else exc.message)
        return _refuse(rows, "invalid", phone, reply=True)
    SmsInbound.objects.filter(pk__in=[r.pk for r in rows]).update(state=SmsInboundState.REGISTERED, case=case,
                                                                   reason="")
    if not getattr(case, "replayed", False):
        logger.info("SMS from %s registered as %s", mask_phone(phone), case.number)
    if not getattr(case, "replayed", False) and not _outbox_texts_registrations():
        _reply(phone, _("您的信访事项已登记，编号%(number)s，查询码%(code)s。请妥善保管，凭编号和查询码可查询办理进度。") % {
            "number": case.number, "code": case.query_code}, "registration",
            {"number": case.number, "code": case.query_code})
    return case


def _complete_parts(row):
    """The parts of ``row``'s long message, in order, once all are there (else None)."""
    parts = list(SmsInbound.objects.select_for_update().filter(
        phone=row.phone, part_ref=row.part_ref, part_total=row.part_total, state=SmsInboundState.PART,
        created_at__gt=timezone.now() - timedelta(days=1)).order_by("part_index", "id"))
    indexes = {p.part_index for p in parts}
    return parts if indexes >= set(range(1, row.part_total + 1)) else None


def _flush_stale_parts(request):
    """Long messages whose missing parts never came: joined as they are."""
    cutoff = timezone.now() - timedelta(seconds=_setting("SMS_INBOUND_PART_WAIT_SECONDS", 600))
    stale = (SmsInbound.objects.filter(state=SmsInboundState.PART, created_at__lt=cutoff)
             .values_list("phone", "part_ref").distinct()[:50])
    for phone, ref in list(stale):
        with transaction.atomic():
            parts = list(SmsInbound.objects.select_for_update().filter(
                phone=phone, part_ref=ref, state=SmsInboundState.PART).order_by("part_index", "id"))
            if parts:
                first = parts[0]
                _register(parts, phone=phone, bureau=first.bureau, text="".join(p.text for p in parts),
                          key=first.message_key, request=request)


def sms_receive(*, provider, messages, request=None):
    """Store and register the ``messages`` (``InboundMessage``) a provider delivered; return the
    ``SmsInbound`` rows (existing ones for a retried delivery). Never raises for a message's content:
    refusals are stored and logged (module docstring)."""
    out = []
    for message in messages:
        with transaction.atomic():
            out.append(_receive_one(provider, message, request))
    _flush_stale_parts(request)
    return [row for row in out if row is not None]


def _receive_one(provider, message, request):
    existing = SmsInbound.objects.filter(message_key=message.key[:128]).first()
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        phone = normalise_phone(message.phone)
    except PhoneError:
        phone = ""
    if phone and not MOBILE.match(phone):
        phone = ""
    if phone and _flooding(phone, now):
        logger.warning("SMS from %s dropped: more than %d messages within an hour", mask_phone(phone),
                       _setting("SMS_INBOUND_FLOOD_LIMIT", 20))
        return None
    bureau = bureau_for(message.dest) if phone else None
    total = max(1, min(message.part_total, 20))
    row = SmsInbound.objects.create(
        provider=provider, message_key=message.key[:128], phone=phone, dest=message.dest[:40], bureau=bureau,
        text=message.text[:2000], part_ref=message.part_ref[:40] if total > 1 else "",
        part_index=max(1, min(message.part_index, total)), part_total=total,
        state=SmsInboundState.PART, sent_at=message.sent_at, created_at=now)
    if not phone:
        logger.info("SMS refused: the sender %s is not a mobile number", mask_phone(message.phone))
        SmsInbound.objects.filter(pk=row.pk).update(state=SmsInboundState.REJECTED, reason="phone")
        return row
    if bureau is None:
        return _refuse([row], "no_route", phone) or row
    rows = [row]
    if total > 1:
        rows = _complete_parts(row)
        if rows is None:
            return row  # waiting for the other parts
    _register(rows, phone=phone, bureau=bureau, text="".join(r.text for r in rows), key=rows[0].message_key,
              request=request)
    row.refresh_from_db()
    return row


def sms_masked(phone):
    """The number as lists show it (never in full)."""
    return mask_phone(phone or "")
