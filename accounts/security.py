"""Login lockout policy (等保: 登录失败处理).

LOGIN_FAILURE_LIMIT failed attempts within LOGIN_LOCKOUT_SECONDS lock the account, and
separately the source address, for LOGIN_LOCKOUT_SECONDS counted from the failure that
reached the limit. Attempts refused because of a lockout are audited but not counted, so
hammering a locked account does not extend its lock. A successful login clears the
account's count (not the address's: one good login from a shared address must not
forgive someone else's guessing there); an administrator's unlock clears it too.
"""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginAttempt


def _lockout():
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def locked_until_from(failure_times, *, now=None):
    """When the lock implied by ``failure_times`` (ascending datetimes) ends, or None if none is in force.

    A lock starts at any failure that is the LIMIT-th within one lockout window and lasts
    one lockout period from it."""
    now = now or timezone.now()
    limit, period = settings.LOGIN_FAILURE_LIMIT, _lockout()
    until = None
    for i in range(limit - 1, len(failure_times)):
        if failure_times[i] - failure_times[i - limit + 1] <= period:
            until = failure_times[i] + period
    return until if until is not None and until > now else None


def _failure_times(qs, now):
    # A lock in force ends within one period of its last failure, whose window began at most
    # one period before that: two periods of history decide everything.
    since = now - 2 * _lockout()
    return list(qs.filter(succeeded=False, created_at__gte=since).order_by("created_at")
                .values_list("created_at", flat=True))


def username_locked_until(username, *, now=None):
    """End of the account's lock, or None. Failures before its last successful login do not count."""
    now = now or timezone.now()
    qs = LoginAttempt.objects.filter(username__iexact=username)
    last_ok = qs.filter(succeeded=True).order_by("-created_at").values_list("created_at", flat=True).first()
    if last_ok is not None:
        qs = qs.filter(created_at__gt=last_ok)
    return locked_until_from(_failure_times(qs, now), now=now)


def ip_locked_until(ip, *, now=None):
    """End of the source address's lock, or None."""
    if not ip:
        return None
    now = now or timezone.now()
    return locked_until_from(_failure_times(LoginAttempt.objects.filter(ip_address=ip), now), now=now)


def remaining_attempts(username, ip):
    """How many more failures the account and the address allow within the current window."""
    now = timezone.now()
    since = now - _lockout()
    account = LoginAttempt.objects.filter(username__iexact=username, created_at__gte=since)
    last_ok = account.filter(succeeded=True).order_by("-created_at").values_list("created_at", flat=True).first()
    if last_ok is not None:
        account = account.filter(created_at__gt=last_ok)
    used = account.filter(succeeded=False).count()
    if ip:
        used = max(used, LoginAttempt.objects.filter(ip_address=ip, succeeded=False, created_at__gte=since).count())
    return max(settings.LOGIN_FAILURE_LIMIT - used, 0)


def record_attempt(*, username, ip, succeeded):
    LoginAttempt.objects.create(username=username[:150], ip_address=ip or None, succeeded=succeeded)


def clear_failures(username):
    """Unlock by an administrator: forget the failures of this account (from every address)."""
    LoginAttempt.objects.filter(username__iexact=username, succeeded=False).delete()
