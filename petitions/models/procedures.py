"""Records of the procedures that decide a matter's path (docs/domain.md §3.5): 回避, 听证 with its
clock pause, 调解/和解, and the duty roster with the alerts of 重大、紧急 matters.

Written only by ``petitions.services`` (the transitions, ``petitions.services.urgent``); each
write has its trail entry and audit row there.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit

from petitions.models.case import Case
from petitions.models.workflow import ReviewRequest


class RecusalKind(models.TextChoices):
    DECLARED = "declared", _("自行回避")
    ORDERED = "ordered", _("责令回避")


class Recusal(models.Model):
    """A staff member withdrawn from a case (回避, 条例第二十八条第三款): from then on he can neither
    be chosen for it nor act on it by any path (``petitions.permissions.Facts.recused``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回避人员"), on_delete=models.PROTECT,
                             related_name="+")
    kind = models.CharField(_("方式"), max_length=10, choices=RecusalKind.choices)
    reason = models.TextField(_("回避理由"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("回避")
        verbose_name_plural = _("回避")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="recusal_unique_case_user")]


class Hearing(models.Model):
    """听证 of a serious, complex or difficult matter (条例第三十一条) or before a 复核 opinion
    (第三十六条第二款). From the day it is decided until its conclusion is recorded the handling
    (or 复核) clock stands still: ``paused_on``..``resumed_on`` both count as hearing time, and
    the deadlines move by ``paused_days`` when it resumes (``due_before`` → ``due_after``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    review = models.ForeignKey(ReviewRequest, verbose_name=_("复核"), on_delete=models.PROTECT, null=True, blank=True,
                               related_name="hearings")
    org = models.ForeignKey(OrgUnit, verbose_name=_("组织听证机关"), on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField(_("听证时间"))
    place = models.CharField(_("听证地点"), max_length=200)
    participants = models.TextField(_("参加人员"))
    chair = models.CharField(_("主持人"), max_length=100)
    minutes = models.TextField(_("听证笔录"), blank=True)
    conclusion = models.TextField(_("听证结论"), blank=True)
    paused_on = models.DateField(_("暂停计时日期"))
    resumed_on = models.DateField(_("恢复计时日期"), null=True, blank=True)
    paused_days = models.PositiveSmallIntegerField(_("不计入期限天数"), default=0)
    due_before = models.DateField(_("听证前期限"), null=True, blank=True)
    due_after = models.DateField(_("听证后期限"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("安排时间"))
    concluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    concluded_at = models.DateTimeField(_("结论时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("听证")
        verbose_name_plural = _("听证")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=Q(resumed_on__isnull=True),
                                               name="hearing_one_open_per_case")]


class MediationKind(models.TextChoices):
    MEDIATION = "mediation", _("调解")
    SETTLEMENT = "settlement", _("和解")


class MediationOutcome(models.TextChoices):
    AGREED = "agreed", _("达成协议")
    FAILED = "failed", _("未达成协议")


class Mediation(models.Model):
    """调解 or 和解 of a 申诉求决类 matter (条例第三十三条): the parties, the date and the outcome;
    an agreement (调解协议书 / 和解协议书, its text here and its signed copy as attachments of the
    trail entry) concludes the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediations")
    org = models.ForeignKey(OrgUnit, verbose_name=_("主持单位"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("方式"), max_length=12, choices=MediationKind.choices)
    parties = models.TextField(_("当事人"))
    held_on = models.DateField(_("调解（和解）日期"))
    outcome = models.CharField(_("结果"), max_length=10, choices=MediationOutcome.choices)
    agreement = models.TextField(_("协议内容"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("调解和解")
        verbose_name_plural = _("调解和解")
        ordering = ["created_at", "id"]

    @property
    def agreement_title(self):
        return _("调解协议书") if self.kind == MediationKind.MEDIATION else _("和解协议书")


class DutyShift(models.Model):
    """One person on duty (值班) for an organization from ``starts_at`` to ``ends_at``: the 值班表
    that decides who is alerted to a 重大、紧急 matter at that level."""

    org = models.ForeignKey(OrgUnit, verbose_name=_("值班单位"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("值班人员"), on_delete=models.PROTECT,
                             related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    note = models.CharField(_("备注"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["org", "starts_at"], name="dutyshift_org_start")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="dutyshift_ends_after_start")]


class UrgentAlert(models.Model):
    """The alert of a 重大、紧急 matter to one level's duty leaders (条例第二十五条): sent at once,
    acknowledged (签收) by one of them by ``ack_due_at``; unacknowledged, the scan escalates it to
    the level above (a new alert with ``escalated_from``)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="urgent_alerts")
    org = models.ForeignKey(OrgUnit, verbose_name=_("报告层级"), on_delete=models.PROTECT, related_name="+")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("值班人员"), related_name="+")
    # No shift covered the moment: the level's leaders were all alerted.
    without_roster = models.BooleanField(_("无值班安排"), default=False)
    created_at = models.DateTimeField(_("报告时间"))
    ack_due_at = models.DateTimeField(_("签收期限"))
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签收人"), on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="+")
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    escalated_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("紧急报告")
        verbose_name_plural = _("紧急报告")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ack_due_at"], name="urgentalert_open_due",
                                condition=Q(acknowledged_at__isnull=True, escalated_at__isnull=True))]
