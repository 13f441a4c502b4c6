"""Outbound notifications: e-mail and SMS beside the in-app reminders (docs/architecture.md §8).

Every reminder the workflow creates (``petitions.services.notify``) is also offered to the
configured gateways, after the transaction has committed:

- e-mail, through Django's mail backend (``EMAIL_*`` settings), to users with an address;
- SMS, through ``settings.NOTIFY_SMS_GATEWAY``: the dotted path of a class with
  ``send(phone, text)``. This installation ships no carrier client (the internal network has no
  route to one); ``LogSmsGateway`` writes the messages to the ``xf.sms`` log, and a deployment
  plugs in its carrier's or the government SMS platform's client behind the same method.

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


class LogSmsGateway:
    """Writes each SMS to the ``xf.sms`` log (development and installations without a carrier)."""

    def send(self, phone, text):
        sms_logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****", text)


def _sms_gateway():
    path = getattr(settings, "NOTIFY_SMS_GATEWAY", None)
    return import_string(path)() if path else None


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
