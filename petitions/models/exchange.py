"""Trusted public keys of the instances that send data packages (docs/architecture.md §6)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit


class ExchangeKey(models.Model):
    """An Ed25519 public key trusted to sign packages of ``org`` and its subtree.

    Keys are deactivated, never deleted, so that the audit row of an earlier import still
    names a key that exists."""

    org = models.ForeignKey(OrgUnit, verbose_name=_("发送机构"), on_delete=models.PROTECT, related_name="+")
    # Raw 32-byte Ed25519 public key, base64 (what ``exchange_keygen`` prints).
    public_key = models.CharField(_("公钥"), max_length=64, unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("数据交换公钥")
        verbose_name_plural = _("数据交换公钥")
        ordering = ["org", "-created_at"]
        permissions = [("exchange_package", _("导入导出数据交换包"))]

    def __str__(self):
        return f"{self.org.code} {self.public_key[:12]}…"
