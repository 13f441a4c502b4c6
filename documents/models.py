"""Documents (文书) issued for a case, their numbering, delivery, the editable templates, the
issuing offices' contact lines and the petitioner SMS outbox (README, "文书与送达").

An issued document is frozen: the PDF is stored once under ``DOCUMENT_ROOT`` with its SHA-256,
which the case's trail and the audit chain record; rows are never changed except to mark a
version superseded by its correction (``superseded_by``), and never deleted.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from petitions.models.fields import EncryptedIdentityField
from petitions.models import Assignment, Case, CaseEvent, ExtensionRequest, Petitioner, ReviewRequest, Supervision

from documents.kinds import DocumentKind


class DeliveryMethod(models.TextChoices):
    IN_PERSON = "in_person", _("当面送达")
    MAIL = "mail", _("邮寄")
    SMS = "sms", _("短信")
    ONLINE = "online", _("网上")
    INTERNAL = "internal", _("系统内送达")


class DocumentTemplate(models.Model):
    """The wording of one document type, as the administrator edited it (the defaults live in
    ``documents.kinds``; a kind without a row uses them). Checked and test-rendered when saved."""

    kind = models.CharField(_("文书种类"), max_length=30, choices=DocumentKind.choices, unique=True)
    letterhead = models.CharField(_("发文机关标志"), max_length=200)
    title = models.CharField(_("标题"), max_length=200)
    salutation = models.CharField(_("主送"), max_length=200, blank=True)
    body = models.TextField(_("正文"), blank=True)
    closing_note = models.TextField(_("附注（联系方式）"), blank=True)
    number_word = models.CharField(_("文号代字"), max_length=10)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()


class OfficeProfile(models.Model):
    """An issuing organization's contact lines: what the placeholders 机关地址, 邮政编码, 联系电话,
    接待地址 and 接待时间 of its documents print."""

    org = models.OneToOneField(OrgUnit, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("通信地址"), max_length=200, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=6, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    reception_address = models.CharField(_("来访接待地点"), max_length=200, blank=True)
    reception_hours = models.CharField(_("接待时间"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("发文机关信息")
        verbose_name_plural = _("发文机关信息")


class DocumentCounter(models.Model):
    """Last issued 文号 sequence per (organization, kind, year); the row lock makes it gap-free."""

    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "kind", "year"], name="doccounter_unique")]


class CaseDocument(models.Model):
    """One issued document, frozen as a PDF. A correction is a new row (``version`` + 1) whose
    ``supersedes`` names the one it replaces; both stay."""

    case = models.ForeignKey(Case, verbose_name=_("信访件"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("文书种类"), max_length=30, choices=DocumentKind.choices)
    # What the document is about besides the case (the assignment of a 交办单, the extension of a
    # 延期告知书 …); ``subject_key`` is "<subject>:<pk>" (or "case") so one current version per subject.
    subject_key = models.CharField(max_length=40)
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    extension = models.ForeignKey(ExtensionRequest, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    review = models.ForeignKey(ReviewRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    supervision = models.ForeignKey(Supervision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(OrgUnit, verbose_name=_("发文机关"), on_delete=models.PROTECT, related_name="+",
                            db_index=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文号"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    recipient = models.CharField(_("主送"), max_length=200, blank=True)
    to_petitioner = models.BooleanField(_("送达信访人"), default=False)
    petitioner = models.ForeignKey(Petitioner, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recipient_org = models.ForeignKey(OrgUnit, verbose_name=_("主送单位"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    planned_delivery = models.CharField(_("送达方式"), max_length=20, choices=DeliveryMethod.choices)
    # The values the wording was filled with, kept with the PDF (never personal data beyond what
    # the document itself prints).
    values = models.JSONField(default=dict, blank=True, editable=False)
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    size = models.PositiveIntegerField(_("大小"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    pages = models.PositiveSmallIntegerField(_("页数"), default=1, editable=False)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    correction_reason = models.TextField(_("更正理由"), blank=True)
    # db_constraint=False: the trail is partitioned by year (docs/architecture.md §4.4).
    event = models.OneToOneField(CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("出具人"), on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(_("出具时间"))

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "year", "seq"], name="casedocument_unique_number"),
        ]
        indexes = [
            models.Index(fields=["case", "kind"], name="casedocument_case_kind"),
            # The day's mailing batch of an office.
            models.Index(fields=["org", "planned_delivery", "issued_at"], name="casedocument_mailing"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class DocumentDelivery(models.Model):
    """How and when a document reached its addressee (送达), and who recorded it."""

    document = models.ForeignKey(CaseDocument, on_delete=models.PROTECT, related_name="deliveries")
    method = models.CharField(_("送达方式"), max_length=20, choices=DeliveryMethod.choices)
    delivered_at = models.DateTimeField(_("送达时间"))
    mail_number = models.CharField(_("挂号信函号"), max_length=40, blank=True)
    recipient = models.CharField(_("签收人"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("送达记录")
        verbose_name_plural = _("送达记录")
        ordering = ["delivered_at", "id"]


class SmsState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class SmsMessage(models.Model):
    """One text to a petitioner, kept until the provider took it (README, "短信").

    Sent after the step's transaction commits; a failure leaves the row ``pending`` with the next
    attempt time, and ``manage.py send_sms`` (cron, every few minutes) retries with back-off until
    ``SMS_MAX_ATTEMPTS``. The phone number is stored encrypted like the petitioner's."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(CaseDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("用途"), max_length=30)
    phone = EncryptedIdentityField(_("手机号"), max_length=100)
    text = models.CharField(_("内容"), max_length=300)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=SmsState.choices, default=SmsState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="sms_due")]

