"""Inbound SMS (短信信访, petitions/services/sms_intake): every message a provider delivered, what
became of it, and the parts of long messages waiting for the rest."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit

from petitions.models.case import Case
from petitions.models.fields import EncryptedIdentityField


class SmsInboundState(models.TextChoices):
    PART = "part", _("等待其余分段")
    JOINED = "joined", _("已合并")
    REGISTERED = "registered", _("已登记")
    REJECTED = "rejected", _("已拒收")


class SmsInbound(models.Model):
    """One message (or one part of a long message) received from an SMS provider.

    ``message_key`` (provider + the provider's message id, or a digest of the message where the
    provider gives none) makes a provider's retry of the same callback change nothing. The sender's
    number is a deterministic token (counted per number for the rate limit, never shown in full:
    lists mask it)."""

    provider = models.CharField(_("通道"), max_length=20)
    message_key = models.CharField(max_length=128, unique=True)
    phone = EncryptedIdentityField(_("手机号码"), max_length=100)
    dest = models.CharField(_("接收号码"), max_length=40, blank=True)
    bureau = models.ForeignKey(OrgUnit, verbose_name=_("受理机构"), on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    text = models.TextField(_("短信内容"), blank=True)
    part_ref = models.CharField(max_length=40, blank=True)
    part_index = models.PositiveSmallIntegerField(default=1)
    part_total = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(_("状态"), max_length=20, choices=SmsInboundState.choices, editable=False)
    reason = models.CharField(_("原因"), max_length=40, blank=True)
    case = models.ForeignKey(Case, verbose_name=_("信访件"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("接收时间"), default=timezone.now)

    class Meta:
        verbose_name = _("短信信访")
        verbose_name_plural = _("短信信访")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The per-number limit counts one number's recent messages.
            models.Index(fields=["phone", "created_at"], name="smsinbound_phone_time"),
            models.Index(fields=["state", "created_at"], name="smsinbound_state_time"),
        ]

    def __str__(self):
        return self.message_key
