"""Rate-limit records of the public portal (群众端): one row per counted action of a client address."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAttemptKind(models.TextChoices):
    SUBMIT = "submit", _("网上信访")
    TRACK = "track", _("查询")


class PortalAttempt(models.Model):
    """A counted portal action: an online petition registered, or a tracking look-up that failed.

    Kept in the database (not in process memory) so that the limits hold across gunicorn workers,
    as the login lockout's ``LoginAttempt`` does. Rows of an address older than its window are
    removed when the address is counted again (``portal.throttle``)."""

    kind = models.CharField(max_length=10, choices=PortalAttemptKind.choices)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("网上信访限流记录")
        verbose_name_plural = _("网上信访限流记录")
        indexes = [models.Index(fields=["ip_address", "kind", "created_at"], name="portalattempt_ip_kind_time")]

    def __str__(self):
        return f"{self.kind} {self.ip_address} {self.created_at:%Y-%m-%d %H:%M}"


class PortalChallengeUse(models.Model):
    """A proof-of-work challenge of the portal already answered (``portal.captcha``).

    Keyed on the challenge hash (which the server's signature covers), unique, so that one solution
    registers at most one post across every gunicorn worker. A row is of use only until its
    challenge expires: older rows are deleted at the next check."""

    challenge = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("已使用的人机校验")
        verbose_name_plural = _("已使用的人机校验")

    def __str__(self):
        return self.challenge
