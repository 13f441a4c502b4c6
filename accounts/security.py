"""Login lockout policy: N failures in the window lock the account and the source address."""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginAttempt


def _window_start():
    return timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def _failures_since_last_success(qs):
    last_ok = qs.filter(succeeded=True).order_by("-created_at").values_list("created_at", flat=True).first()
    failures = qs.filter(succeeded=False)
    if last_ok is not None:
        failures = failures.filter(created_at__gt=last_ok)
    return failures.count()


def is_username_locked_out(username):
    """True when the account had LOGIN_FAILURE_LIMIT failures in the window since its last success."""
    qs = LoginAttempt.objects.filter(username__iexact=username, created_at__gte=_window_start())
    return _failures_since_last_success(qs) >= settings.LOGIN_FAILURE_LIMIT


def is_ip_locked_out(ip):
    if not ip:
        return False
    qs = LoginAttempt.objects.filter(ip_address=ip, created_at__gte=_window_start(), succeeded=False)
    return qs.count() >= settings.LOGIN_FAILURE_LIMIT


def record_attempt(*, username, ip, succeeded):
    LoginAttempt.objects.create(username=username[:150], ip_address=ip or None, succeeded=succeeded)


def clear_failures(username):
    """Unlock by an administrator: forget the failures of this account."""
    LoginAttempt.objects.filter(username__iexact=username, succeeded=False).delete()
