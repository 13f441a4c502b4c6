"""Inbound SMS callbacks of the providers (短信信访, petitions/services/sms_intake): how each one
proves it is the provider, what its body looks like, and what it expects as the answer.

Adapters (``ADAPTERS``), each switched on by ``settings.SMS_INBOUND_PROVIDERS`` and configured by
environment variables (README, "短信信访"):

- ``generic``: a JSON body ``{"messages": [{"id", "from", "to", "text", "time", "part": {"ref",
  "index", "total"}}]}`` (one object instead of the list is accepted) signed with HMAC-SHA-256 under
  ``SMS_INBOUND_GENERIC_SECRET``: header ``X-Xf-Timestamp`` (Unix seconds, within
  ``SMS_INBOUND_MAX_SKEW_SECONDS`` of now) and ``X-Xf-Signature`` = hex HMAC of
  ``"<timestamp>.<raw body>"``. For a government SMS platform or a gateway in front of any carrier.
- ``aliyun``: Alibaba Cloud SMS "上行消息 HTTP 批量推送" (SmsUp): a JSON array of ``{"phone_number",
  "send_time", "content", "sign_name", "dest_code", "sequence_id"}``; answer ``{"code": 0, "msg":
  "接收成功"}``; a non-200 answer makes the platform push again (1, 5, 10 minutes).
- ``tencent``: Tencent Cloud SMS "回复短信" callback: one JSON object ``{"extend", "mobile",
  "nationcode", "sign", "text", "time"}``; answer ``{"result": 0, "errmsg": "OK"}``.

Neither cloud signs these callbacks (their documentation shows no signature header or field), so
their adapters check a secret token that is part of the callback address registered in the
provider's console (``…/sms/inbound/aliyun/?token=<SMS_INBOUND_ALIYUN_TOKEN>``, compared in constant
time) and, when ``SMS_INBOUND_<PROVIDER>_ALLOWED_IPS`` lists the provider's published source
addresses, the client address. Without a configured secret an adapter refuses everything.
"""
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.utils import timezone


class CallbackRejected(Exception):
    """The callback is not from the provider, or its body is not what the provider sends."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass
class InboundMessage:
    key: str  # unique per provider message: "<provider>:<id>"
    phone: str
    dest: str
    text: str
    sent_at: datetime | None = None
    part_ref: str = ""
    part_index: int = 1
    part_total: int = 1


def _config(provider, name, default=""):
    return (getattr(settings, "SMS_INBOUND", {}) or {}).get(provider, {}).get(name, default)


def _json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CallbackRejected("body") from None


def _digest_key(provider, *parts):
    return f"{provider}:" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _check_token(provider, params, client_ip):
    secret = _config(provider, "token")
    if not secret:
        raise CallbackRejected("not_configured")
    if not hmac.compare_digest(str(params.get("token", "")).encode(), secret.encode()):
        raise CallbackRejected("token")
    allowed = _config(provider, "allowed_ips", ())
    if allowed and client_ip not in allowed:
        raise CallbackRejected("address")


def _aware(moment):
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class GenericAdapter:
    name = "generic"

    def verify(self, *, body, headers, params, client_ip):
        secret = _config(self.name, "secret")
        if not secret:
            raise CallbackRejected("not_configured")
        stamp = headers.get("X-Xf-Timestamp", "")
        signature = headers.get("X-Xf-Signature", "")
        try:
            skew = abs(time.time() - int(stamp))
        except ValueError:
            raise CallbackRejected("timestamp") from None
        if skew > getattr(settings, "SMS_INBOUND_MAX_SKEW_SECONDS", 300):
            raise CallbackRejected("timestamp")
        expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
            raise CallbackRejected("signature")
        allowed = _config(self.name, "allowed_ips", ())
        if allowed and client_ip not in allowed:
            raise CallbackRejected("address")

    def parse(self, body):
        data = _json(body)
        items = data.get("messages", [data]) if isinstance(data, dict) else data
        out = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not item.get("id") or not item.get("from"):
                raise CallbackRejected("body")
            part = item.get("part") or {}
            sent = item.get("time")
            out.append(InboundMessage(
                key=f"{self.name}:{item['id']}", phone=str(item["from"]), dest=str(item.get("to") or ""),
                text=str(item.get("text") or ""),
                sent_at=datetime.fromtimestamp(int(sent), dt_timezone.utc) if str(sent or "").isdigit() else None,
                part_ref=str(part.get("ref") or ""), part_index=int(part.get("index") or 1),
                part_total=int(part.get("total") or 1)))
        return out

    def answer(self, ok):
        return {"ok": ok}


class AliyunAdapter:
    name = "aliyun"

    def verify(self, *, body, headers, params, client_ip):
        _check_token(self.name, params, client_ip)

    def parse(self, body):
        data = _json(body)
        if not isinstance(data, list):
            raise CallbackRejected("body")
        out = []
        for item in data:
            if not isinstance(item, dict) or not item.get("phone_number") or item.get("sequence_id") in (None, ""):
                raise CallbackRejected("body")
            sent = None
            raw = str(item.get("send_time") or "")
            for fmt in ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S"):
                try:
                    sent = _aware(datetime.strptime(raw, fmt))
                    break
                except ValueError:
                    continue
            out.append(InboundMessage(
                key=f"{self.name}:{item['sequence_id']}", phone=str(item["phone_number"]),
                dest=str(item.get("dest_code") or ""), text=str(item.get("content") or ""), sent_at=sent))
        return out

    def answer(self, ok):
        return {"code": 0 if ok else 1, "msg": "接收成功" if ok else "拒收"}


class TencentAdapter:
    name = "tencent"

    def verify(self, *, body, headers, params, client_ip):
        _check_token(self.name, params, client_ip)

    def parse(self, body):
        item = _json(body)
        if not isinstance(item, dict) or not item.get("mobile"):
            raise CallbackRejected("body")
        nation = str(item.get("nationcode") or "86")
        phone = str(item["mobile"]) if nation == "86" else f"+{nation}{item['mobile']}"
        stamp = item.get("time")
        sent = datetime.fromtimestamp(int(stamp), dt_timezone.utc) if str(stamp or "").isdigit() else None
        # The callback carries no message id: the sender, the time and the text identify a delivery
        # (a retried callback repeats all three).
        key = _digest_key(self.name, phone, stamp, item.get("extend"), item.get("text"))
        return [InboundMessage(key=key, phone=phone, dest=str(item.get("extend") or ""),
                               text=str(item.get("text") or ""), sent_at=sent)]

    def answer(self, ok):
        return {"result": 0 if ok else 1, "errmsg": "OK" if ok else "rejected"}


ADAPTERS = {a.name: a for a in (GenericAdapter(), AliyunAdapter(), TencentAdapter())}


def adapter_for(provider):
    """The enabled adapter called ``provider``, or None."""
    enabled = getattr(settings, "SMS_INBOUND_PROVIDERS", ())
    return ADAPTERS.get(provider) if provider in enabled else None
