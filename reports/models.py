"""reports keeps no statistics of its own (everything is counted from the case tables). Its models:
the permission carrier, and the sign-off names each statistician prints under his reports."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


SIGNER_MAX_LENGTH = 50


class ReportAccess(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_statistics", _("查看统计报表"))]


class ReportSigners(models.Model):
    """单位负责人 and 填表人 of a statistician's reports (the statistical form's sign-off lines),
    remembered per user so that every report he prints or exports carries them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("用户"))
    unit_head = models.CharField(_("单位负责人"), max_length=SIGNER_MAX_LENGTH, blank=True)
    preparer = models.CharField(_("填表人"), max_length=SIGNER_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("报表签署人")
        verbose_name_plural = _("报表签署人")
