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


class AnnualReport(models.Model):
    """信访情况年度报告 (条例第四十一条) of one organization's scope for one year: the editable text
    sections, kept with the figures as they were computed when the text was last saved (what went
    upwards does not change when later corrections arrive; 重新统计 takes a new snapshot)."""

    org = models.ForeignKey("accounts.OrgUnit", verbose_name=_("报告单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    overview = models.TextField(_("信访总体情况"), blank=True)
    areas_text = models.TextField(_("信访事项涉及领域"), blank=True)
    organs_text = models.TextField(_("被反映较多的机关、单位"), blank=True)
    routing_text = models.TextField(_("转送、交办、督办情况"), blank=True)
    suggestions_text = models.TextField(_("意见建议及采纳情况"), blank=True)
    figures = models.JSONField(_("统计数据"), default=dict, blank=True)
    figures_at = models.DateTimeField(_("统计时间"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("信访情况年度报告")
        verbose_name_plural = _("信访情况年度报告")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="annualreport_unique_org_year")]
