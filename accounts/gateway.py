"""Outbound notifications: e-mail and SMS beside the in-app reminders (docs/architecture.md §8).

Every reminder the workflow creates (``petitions.services.notify``) is also offered to the
configured gateways, after the transaction has committed:

- e-mail, through Django's mail backend (``EMAIL_*`` settings), to users with an address;
- SMS, through ``settings.NOTIFY_SMS_GATEWAY``: the dotted path of a class with
  ``send(phone, text)``. ``LogSmsGateway`` writes the messages to the ``xf.sms`` log (development,
  installations without a carrier); ``AliyunSmsGateway`` and ``TencentSmsGateway`` send through
  Alibaba Cloud's or Tencent Cloud's SMS service with their official SDKs (optional dependencies,
  ``requirements-sms.in``), configured by ``DJANGO_SMS_*`` environment variables (README, "短信").
  Chinese carriers only deliver texts of approved templates with a signature: ``send`` takes the
  ``purpose`` (which approved template, ``SMS_TEMPLATES``) and its ``params``; ``text`` is what the
  template says, kept for the log. A provider error raises ``SmsError``; retrying is the caller's
  (the petitioner outbox, documents/sms.py, retries with back-off).

Texts carry the case number and a link, never a petitioner's name, ID number or the matter's
content. A failing gateway is logged and never undoes or delays the workflow step.
"""
import logging
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("xf.notify")
sms_logger = logging.getLogger("xf.sms")


class SmsError(Exception):
    """A provider refused or failed to take a text (the message says why, without the number)."""


class LogSmsGateway:
    """Writes each SMS to the ``xf.sms`` log (development and installations without a carrier)."""

    templated = True

    def send(self, phone, text, *, purpose="", params=None):
        sms_logger.info("SMS to %s: %s", mask_phone(phone), text)
        return ""


def mask_phone(phone):
    return phone[:3] + "****" + phone[-4:] if len(phone or "") >= 7 else "****"


def _templates():
    """``SMS_TEMPLATES``: {purpose: the provider's approved template code} (env DJANGO_SMS_TEMPLATES, JSON)."""
    import json

    value = getattr(settings, "SMS_TEMPLATES", "") or "{}"
    return json.loads(value) if isinstance(value, str) else dict(value)


def _required(*names):
    from django.core.exceptions import ImproperlyConfigured

    values = [getattr(settings, name, "") for name in names]
    missing = [f"DJANGO_{name}" for name, value in zip(names, values) if not value]
    if missing:
        raise ImproperlyConfigured("SMS gateway: set " + ", ".join(missing))
    return values


def _template_for(purpose):
    code = _templates().get(purpose)
    if not code:
        raise SmsError(f"no approved template configured for {purpose!r} (DJANGO_SMS_TEMPLATES)")
    return code


class AliyunSmsGateway:
    """Alibaba Cloud SMS (dysmsapi 2017-05-25, ``SendSms``) through its official SDK
    (``alibabacloud_dysmsapi20170525``). Settings: ``SMS_ACCESS_KEY_ID``, ``SMS_ACCESS_KEY_SECRET``,
    ``SMS_SIGN_NAME``, ``SMS_TEMPLATES``; ``SMS_ENDPOINT`` (default dysmsapi.aliyuncs.com)."""

    templated = True

    def __init__(self):
        try:
            from alibabacloud_dysmsapi20170525 import models as sms_models
            from alibabacloud_dysmsapi20170525.client import Client
            from alibabacloud_tea_openapi import models as api_models
        except ImportError as exc:  # optional dependency
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("AliyunSmsGateway needs: pip install -r requirements-sms.in") from exc
        key_id, secret, self.sign_name = _required("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME")
        config = api_models.Config(access_key_id=key_id, access_key_secret=secret,
                                   endpoint=getattr(settings, "SMS_ENDPOINT", "") or "dysmsapi.aliyuncs.com",
                                   connect_timeout=5000, read_timeout=10000)
        self.client = Client(config)
        self.models = sms_models

    def send(self, phone, text, *, purpose="notify", params=None):
        import json

        request = self.models.SendSmsRequest(
            phone_numbers=phone, sign_name=self.sign_name, template_code=_template_for(purpose),
            template_param=json.dumps(params or {"content": text}, ensure_ascii=False))
        response = self.client.send_sms(request)
        body = response.body
        if getattr(body, "code", None) != "OK":
            raise SmsError(f"Aliyun SendSms: {getattr(body, 'code', '?')} {getattr(body, 'message', '')}")
        return getattr(body, "biz_id", "") or ""


class TencentSmsGateway:
    """Tencent Cloud SMS (API 2021-01-11, ``SendSms``) through its official SDK
    (``tencentcloud-sdk-python-sms``). Settings: ``SMS_ACCESS_KEY_ID`` (SecretId),
    ``SMS_ACCESS_KEY_SECRET`` (SecretKey), ``SMS_SDK_APP_ID``, ``SMS_SIGN_NAME``, ``SMS_TEMPLATES``;
    ``SMS_REGION`` (default ap-guangzhou). Template parameters are positional: ``params`` in order."""

    templated = True

    def __init__(self):
        try:
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111 import models as sms_models
            from tencentcloud.sms.v20210111.sms_client import SmsClient
        except ImportError as exc:  # optional dependency
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("TencentSmsGateway needs: pip install -r requirements-sms.in") from exc
        secret_id, secret_key, self.app_id, self.sign_name = _required(
            "SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SDK_APP_ID", "SMS_SIGN_NAME")
        http = HttpProfile(reqTimeout=10)
        self.client = SmsClient(credential.Credential(secret_id, secret_key),
                                getattr(settings, "SMS_REGION", "") or "ap-guangzhou", ClientProfile(httpProfile=http))
        self.models = sms_models

    def send(self, phone, text, *, purpose="notify", params=None):
        request = self.models.SendSmsRequest()
        request.SmsSdkAppId, request.SignName = self.app_id, self.sign_name
        request.TemplateId = _template_for(purpose)
        request.PhoneNumberSet = [phone if phone.startswith("+") else "+86" + phone]
        request.TemplateParamSet = [str(v) for v in (params or {"content": text}).values()]
        response = self.client.SendSms(request)
        status = (response.SendStatusSet or [None])[0]
        if status is None or status.Code != "Ok":
            raise SmsError(f"Tencent SendSms: {getattr(status, 'Code', '?')} {getattr(status, 'Message', '')}")
        return status.SerialNo or ""


def sms_gateway(path=None):
    """An instance of the gateway class at ``path`` (default ``NOTIFY_SMS_GATEWAY``), or None."""
    path = path if path is not None else getattr(settings, "NOTIFY_SMS_GATEWAY", None)
    return import_string(path)() if path else None


def _sms_gateway():
    return sms_gateway()


def enabled():
    return bool(getattr(settings, "NOTIFY_EMAIL", False) or getattr(settings, "NOTIFY_SMS_GATEWAY", None))


def _text(title, url):
    link = urljoin(settings.SITE_URL, url) if url and getattr(settings, "SITE_URL", "") else ""
    return f"{title}\n{link}".strip()


def deliver(users, *, title, url=""):
    """Send ``title`` (and the link) to ``users`` by e-mail and SMS where configured."""
    users = [u for u in users if u.is_active]
    if not users:
        return
    text = _text(str(title), url)
    if getattr(settings, "NOTIFY_EMAIL", False):
        messages = [(f"[{settings.SITE_TITLE}] {title}", text, None, [u.email]) for u in users if u.email]
        if messages:
            try:
                send_mass_mail(messages, fail_silently=False)
            except Exception:  # the reminder is in the app anyway; the mail server is not the workflow
                logger.exception("e-mail notification failed for %d users", len(messages))
    gateway = _sms_gateway()
    if gateway is not None:
        for user in users:
            if not user.phone:
                continue
            try:
                gateway.send(user.phone, text)
            except Exception:
                logger.exception("SMS notification failed for user %s", user.pk)
