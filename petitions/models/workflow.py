"""Workflow records: assignments down the hierarchy, the immutable event trail, supervision
orders, extension requests, review requests and evaluations."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AccessLog, AccessLogQuerySet, AuditLog, OrgUnit

from petitions.models.case import Case, HandlingOpinion, Petitioner


class AssignmentKind(models.TextChoices):
    ASSIGN = "assign", _("交办")  # result must come back to the assigning bureau
    TRANSFER = "transfer", _("转办")  # handed over


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("待受理")
    ACCEPTED = "accepted", _("办理中")
    DELEGATED = "delegated", _("已转交下级")
    REPORTED = "reported", _("已上报")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤销")


class Assignment(models.Model):
    """One organization's share of a case: who assigned it, with which deadlines, and where it stands.

    ``parent`` links a county's onward 转办 to the assignment the county itself received.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    # Indexed by assignment_org_status (org first).
    org = models.ForeignKey(OrgUnit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+",
                            db_index=False)
    org_path = models.CharField(max_length=255, editable=False)
    assigned_by_org = models.ForeignKey(OrgUnit, verbose_name=_("交办单位"), on_delete=models.PROTECT,
                                        related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("方式"), max_length=20, choices=AssignmentKind.choices)
    is_lead = models.BooleanField(_("主办"), default=True)
    status = models.CharField(_("状态"), max_length=20, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.PENDING, editable=False)
    acceptance_due = models.DateField(_("受理期限"))
    handling_due = models.DateField(_("办理期限"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("延期天数"), default=0)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    result_text = models.TextField(_("办理结果"), blank=True)
    handling_opinion = models.CharField(_("处理意见"), max_length=20, choices=HandlingOpinion.choices, blank=True)
    note = models.TextField(_("交办意见"), blank=True)
    # When the organization received the case: the start of its 5-working-day objection period
    # (条例第二十三条). Set by the service from the workflow clock, like the deadlines beside it.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("交办记录")
        verbose_name_plural = _("交办记录")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["org_path"], name="assignment_orgpath_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["org", "status"], name="assignment_org_status"),
            # One per inbox tab (我的信访), in the tab's order, with the case id: a tab's page, its capped
            # count and the handler's deadline figures read only the index (docs/performance.md §14).
            models.Index(fields=["org", "acceptance_due", "id", "case"], name="assignment_inbox_pending",
                         condition=Q(status="pending")),
            models.Index(fields=["org", "handling_due", "id", "case", "status"], name="assignment_inbox_progress",
                         condition=Q(status__in=["accepted", "delegated"])),
            models.Index(fields=["org", "reported_at", "id", "case"], name="assignment_inbox_reported",
                         condition=Q(status="reported")),
            models.Index(fields=["org", "id", "case"], name="assignment_inbox_done", condition=Q(status="approved")),
        ]

    def __str__(self):
        return f"{self.case} → {self.org}"


class CaseEvent(models.Model):
    """Immutable trail entry. Written only by ``petitions.services.events.case_event_record``;
    linked to its row of the hash-chained audit log."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    actor_org = models.ForeignKey(OrgUnit, verbose_name=_("操作机构"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", db_index=False)
    target_org = models.ForeignKey(OrgUnit, verbose_name=_("目标机构"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("目标人员"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    note = models.TextField(_("意见"), blank=True)
    deadline = models.DateField(_("期限"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # No database constraint: the audit log is partitioned by year on PostgreSQL and a foreign key
    # cannot reference its id alone (accounts/partitioning.py, docs/architecture.md §4.4). The one-to-one
    # uniqueness holds per partition of this table.
    audit = models.OneToOneField(AuditLog, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["created_at", "id"]
        # The trail of a case is read through the case_id index (a few rows, sorted). The
        # people and organizations named in an event are never looked up from here (users and
        # organizations are deactivated, never deleted), so those foreign keys carry no index:
        # four fewer b-tree inserts per event (docs/performance.md §8).
        indexes = [
            # 领导批示 board: newest instructions first, without reading every event.
            models.Index(F("created_at").desc(), F("id").desc(), name="caseevent_instruct_time",
                         condition=Q(action="instruct")),
        ]

    def __str__(self):
        return f"{self.case_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("case events are append-only")


class Supervision(models.Model):
    """督办 order on an open case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions")
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ordered_by_org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    requirement = models.TextField(_("督办要求"))
    due = models.DateField(_("督办期限"))
    resolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    # When the order was given (the workflow clock: statistics count orders by it).
    created_at = models.DateTimeField(default=timezone.now)
    # The supervised unit's written answer (条例第四十条第四款): what was done and which of the
    # supervisor's suggestions it adopted; due by ``due``. Unanswered after it, the scan flags the
    # order to the supervisor and escalates it one level up (``escalated_to``).
    feedback_text = models.TextField(_("办理情况"), blank=True, default="")
    feedback_adopted = models.TextField(_("采纳建议情况"), blank=True, default="")
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("反馈人"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    feedback_org = models.ForeignKey(OrgUnit, verbose_name=_("反馈单位"), on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    escalated_at = models.DateTimeField(_("逾期升级时间"), null=True, blank=True)
    escalated_to = models.ForeignKey(OrgUnit, verbose_name=_("升级至"), on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")

    @property
    def feedback_on_time(self):
        """True if answered in writing by the 督办 deadline (None while unanswered)."""
        if self.feedback_at is None:
            return None
        return timezone.localdate(self.feedback_at) <= self.due

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-created_at"]


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class VoidRequest(models.Model):
    """A request to void (作废) a case that has left the pool; a second person decides it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="void_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("作废理由"))
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approved = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("作废申请")
        verbose_name_plural = _("作废申请")
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(decided_at__isnull=True),
                                               name="voidrequest_one_open_per_case")]


class ExtensionRequest(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延期天数"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(_("状态"), max_length=20, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        # 审核办理's 延期申请 tab and its count: the pending requests in their order, without reading
        # every request ever made (docs/performance.md §14, "At 10 million cases").
        indexes = [models.Index(fields=["created_at", "id", "assignment"], name="extension_pending",
                                condition=Q(status="pending"))]


class ReviewLevel(models.TextChoices):
    REVIEW = "review", _("复查")
    RECHECK = "recheck", _("复核")


class ReviewRequest(models.Model):
    """复查 / 复核 request, decided by the next level up within 30 days."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    level = models.CharField(_("类别"), max_length=10, choices=ReviewLevel.choices)
    org = models.ForeignKey(OrgUnit, verbose_name=_("复查（复核）机关"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("请求理由"))
    requested_at = models.DateTimeField(_("请求时间"))
    due = models.DateField(_("办理期限"))
    opinion = models.TextField(_("意见"), blank=True)
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("复查复核")
        verbose_name_plural = _("复查复核")
        ordering = ["requested_at"]
        # 审核办理's 复查复核 tab and its count: the undecided requests of an organization in page order.
        indexes = [models.Index(fields=["org", "due", "id", "case"], name="review_open",
                                condition=Q(decided_at__isnull=True))]


class EvaluationTarget(models.TextChoices):
    BUREAU = "bureau", _("信访部门")
    UNIT = "unit", _("责任单位")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class EvaluationSource(models.TextChoices):
    PORTAL = "portal", _("网上自评")
    RECORDED = "recorded", _("回访代录")


class Evaluation(models.Model):
    """The petitioner's 满意度评价 of the bureau or of the handling unit: made on the portal, or
    recorded by staff from a 回访 call on his behalf (代录: who called, when, whom)."""

    # Indexed by evaluation_unique_case_target (case first).
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evaluations", db_index=False)
    target = models.CharField(_("评价对象"), max_length=10, choices=EvaluationTarget.choices)
    value = models.CharField(_("评价"), max_length=20, choices=Satisfaction.choices)
    comment = models.TextField(_("评价内容"), blank=True)
    evaluated_at = models.DateTimeField(_("评价时间"))
    source = models.CharField(_("评价方式"), max_length=10, choices=EvaluationSource.choices,
                              default=EvaluationSource.PORTAL)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代录人"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    called_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callee = models.CharField(_("回访对象"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        constraints = [models.UniqueConstraint(fields=["case", "target"], name="evaluation_unique_case_target")]


class CaseViewQuerySet(AccessLogQuerySet):
    def about_person(self, name):
        """Openings of the cases in which a petitioner is called exactly ``name``."""
        return self.filter(case_id__in=Petitioner.objects.filter(name=name).values("case_id"))


class CaseView(AccessLog):
    """Access log of who opened a case's personal data (the case page, a file, the one-case
    export, 标记查看), and from which address.

    Append-only and chained like the audit log (``accounts.models.AccessLog``): rows are written by
    ``petitions.services.access_log.case_view_record`` (and 标记查看's transition), never changed
    or deleted; ``subject`` keeps the case number, so a row says whose data without a join and
    without personal data. The 安全审计员 searches it on 个人信息查看记录; a confidential case's
    trail shows it.
    """

    CHAIN = "caseview"
    CHAIN_FIELDS = (*AccessLog.CHAIN_FIELDS, "case")
    ACTION_LABELS = {"view": _("查看"), "download": _("下载附件"), "export": _("导出Excel"), "mark_viewed": _("标记查看")}

    # Indexed by caseview_case_time (case first). PROTECT: an access log outlives nothing it names.
    case = models.ForeignKey(Case, verbose_name=_("信访件"), on_delete=models.PROTECT, related_name="views",
                             db_index=False)
    subject = models.CharField(_("信访件编号"), max_length=50, blank=True)

    objects = CaseViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("查阅记录")
        verbose_name_plural = _("查阅记录")
        indexes = [
            models.Index(fields=["case", "created_at"], name="caseview_case_time"),
            # 个人信息查看记录: by case number, exact or an organization's / a year's prefix.
            models.Index(fields=["subject"], name="caseview_subject_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def save(self, *args, **kwargs):
        if self.pk is None and not self.subject:
            self.subject = self.case.number
        super().save(*args, **kwargs)


# django-guardian direct foreign-key permission tables (guardian's performance guide): real
# FKs, cascade deletes and fast joins for the per-case grants of confidential cases.
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
