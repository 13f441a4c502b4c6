"""Per-address limits of the public portal, kept in the database (``PortalAttempt``) so that they
hold across gunicorn workers, on the pattern of the login lockout (``accounts.security``).

- online petitions: at most PORTAL_SUBMIT_LIMIT registered per address within
  PORTAL_SUBMIT_WINDOW_SECONDS (a double post that returns the first case is not counted);
- tracking: after PORTAL_TRACK_FAILURE_LIMIT failed look-ups (wrong number or wrong code) within
  PORTAL_TRACK_WINDOW_SECONDS the address gets no answer at all, right or wrong, until the
  oldest failure leaves the window. This bounds guessing of query codes (31^10 codes).

The address is the one the audit log records (``accounts.audit.client_ip``): ``REMOTE_ADDR``, or
behind a trusted reverse proxy (settings.TRUSTED_PROXIES) the client address the proxy appended to
X-Forwarded-For (README, "Production serving").
"""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.clientip import client_ip

from portal.models import PortalAttempt, PortalAttemptKind

SUBMIT = PortalAttemptKind.SUBMIT
TRACK = PortalAttemptKind.TRACK


def _policy(kind):
    if kind == SUBMIT:
        return settings.PORTAL_SUBMIT_LIMIT, timedelta(seconds=settings.PORTAL_SUBMIT_WINDOW_SECONDS), True
    return settings.PORTAL_TRACK_FAILURE_LIMIT, timedelta(seconds=settings.PORTAL_TRACK_WINDOW_SECONDS), False


def blocked_until(request, kind, *, now=None):
    """When the address of ``request`` may try ``kind`` again, or None if it may now.

    Counts the address's counted rows (registrations for SUBMIT, failures for TRACK) within the
    window; at the limit the block lasts until the oldest of them leaves the window."""
    limit, window, succeeded = _policy(kind)
    now = now or timezone.now()
    ip = client_ip(request)
    times = list(PortalAttempt.objects.filter(
        ip_address=ip, kind=kind, succeeded=succeeded, created_at__gt=now - window,
    ).order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(times) < limit:
        return None
    return times[-1] + window


def record(request, kind, *, succeeded):
    """Count one action of the address; forget its rows of this kind that left the window."""
    _limit, window, _succeeded = _policy(kind)
    now = timezone.now()
    ip = client_ip(request)
    PortalAttempt.objects.filter(ip_address=ip, kind=kind, created_at__lte=now - window).delete()
    PortalAttempt.objects.create(kind=kind, ip_address=ip, succeeded=succeeded, created_at=now)


def minutes_until(moment, *, now=None):
    """Whole minutes (at least 1) until ``moment``, for the message."""
    now = now or timezone.now()
    return max(1, int((moment - now).total_seconds() + 59) // 60)
