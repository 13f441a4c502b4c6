"""A petition case (信访件), its petitioners, attachments and the per-org number counter."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit

from petitions.models.fields import EncryptedIdentityField, EncryptedSealedField
from petitions.workflow import OPEN_STATUSES, Status
from petitions.models.dictionary import DictEntry

DICT_FK = {"on_delete": models.PROTECT, "null": True, "blank": True, "related_name": "+"}


class Channel(models.TextChoices):
    VISIT = "visit", _("来访")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("电话")
    FAX = "fax", _("传真")
    EMAIL = "email", _("电子邮件")
    ONLINE = "online", _("网上信访")
    REFERRAL = "referral", _("上级交办")
    SMS = "sms", _("短信")


class HandlingOpinion(models.TextChoices):
    SUPPORT = "support", _("支持")
    PARTIAL = "partial", _("部分支持")
    REJECT = "reject", _("不支持")
    EXPLAIN = "explain", _("解释说明")


class MatterClass(models.TextChoices):
    """The three classes of 《信访工作条例》第二十九至三十一条 (docs/domain.md §3.2 D)."""

    SUGGESTION = "suggestion", _("建议意见类")
    ACCUSATION = "accusation", _("检举控告类")
    APPEAL = "appeal", _("申诉求决类")


class CaseOutcome(models.TextChoices):
    """How a matter left the ordinary handling, besides an answer or a refusal (docs/domain.md §3.5)."""

    LEGAL = "legal", _("转送政法机关")  # 第二十二条第二款: 涉法涉诉
    DISCIPLINE = "discipline", _("转送纪检监察机关")  # 第二十二条第二款、第三十条
    GUIDED = "guided", _("导入法定途径")  # 第三十一条(一)至(四)
    SETTLED = "settled", _("调解和解结案")  # 第三十三条


ROUTED_OUTCOMES = (CaseOutcome.LEGAL, CaseOutcome.DISCIPLINE, CaseOutcome.GUIDED)


class Procedure(models.TextChoices):
    ORDINARY = "ordinary", _("普通程序")
    SIMPLE = "simple", _("简易办理")


# The open statuses in a fixed order, for the partial indexes' conditions (a stable migration).
OPEN_STATUS_VALUES = sorted(str(s.value) for s in OPEN_STATUSES)


class Case(models.Model):
    """One registered petition. ``status`` changes only through ``petitions.services``."""

    number = models.CharField(_("信访件编号"), max_length=40, unique=True)
    # Indexed by case_unique_org_year_seq (registered_org first).
    registered_org = models.ForeignKey(OrgUnit, verbose_name=_("登记机构"), on_delete=models.PROTECT,
                                       related_name="registered_cases", db_index=False)
    # Denormalised copy of registered_org.path (paths never move) so that visibility is one
    # indexed prefix scan on this table.
    registered_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    channel = models.CharField(_("信访形式"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING,
                              editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    query_code = models.CharField(_("查询码"), max_length=16, unique=True)
    submit_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    registered_at = models.DateTimeField(_("登记时间"))
    petition_date = models.DateField(_("信访日期"))

    purpose = models.ForeignKey(DictEntry, verbose_name=_("信访目的"), **DICT_FK)
    problem = models.ForeignKey(DictEntry, verbose_name=_("所属问题"), **DICT_FK)
    problem_region = models.ForeignKey(OrgUnit, verbose_name=_("问题属地"), on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+")
    content = models.TextField(_("反映问题及诉求"))
    summary = models.CharField(_("概况"), max_length=200, blank=True)
    # 责任单位: an organization of the tree, or a unit outside the system from an editable list
    # (companies, hospitals ...); ``responsible_unit`` keeps its name as text (search, display,
    # historical imports that carry only a name), so reports can count by the first two.
    responsible_org = models.ForeignKey(OrgUnit, verbose_name=_("责任单位"), on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="+")
    responsible_outside = models.ForeignKey(DictEntry, verbose_name=_("系统外责任单位"), **DICT_FK)
    responsible_unit = models.CharField(_("责任单位"), max_length=100, blank=True)
    responsible_person = models.CharField(_("责任人"), max_length=50, blank=True)

    # 来访
    visit_nature = models.ForeignKey(DictEntry, verbose_name=_("来访性质"), **DICT_FK)
    visitor_count = models.PositiveIntegerField(_("来访人数"), null=True, blank=True)
    visit_level = models.ForeignKey(DictEntry, verbose_name=_("上访层次"), **DICT_FK)
    abnormal_behaviors = models.ManyToManyField(DictEntry, verbose_name=_("异常行为"), blank=True, related_name="+")
    # 来信 / 电话 / 传真 / 电子邮件
    letter_nature = models.ForeignKey(DictEntry, verbose_name=_("来信性质"), **DICT_FK)
    signer_count = models.PositiveIntegerField(_("来信人数"), null=True, blank=True)
    received_at = models.DateField(_("收信时间"), null=True, blank=True)
    attachment_kind = models.ForeignKey(DictEntry, verbose_name=_("附件"), **DICT_FK)
    registration_source = models.ForeignKey(DictEntry, verbose_name=_("登记来源"), **DICT_FK)
    # 上级交办
    referral_number = models.CharField(_("上级交办号"), max_length=50, blank=True)
    referrer_name = models.CharField(_("交办人"), max_length=50, blank=True)
    referrer_title = models.CharField(_("交办人职务"), max_length=50, blank=True)
    referrer_org = models.CharField(_("交办单位"), max_length=100, blank=True)

    is_anonymous = models.BooleanField(_("匿名"), default=False)
    is_collective = models.BooleanField(_("集体访/联名信"), default=False)
    is_repeat = models.BooleanField(_("是否重访"), default=False)
    first_case = models.ForeignKey("self", verbose_name=_("初访编号"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="repeats")
    is_skip_level = models.BooleanField(_("越级"), default=False)
    is_confidential = models.BooleanField(_("保密（检举揭发）"), default=False)
    accused_org = models.ForeignKey(OrgUnit, verbose_name=_("被检举单位"), on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    is_supervised = models.BooleanField(_("督办"), default=False, editable=False)
    # 条例第二十九至三十一条: proposed at registration from 信访目的 and 所属问题, changed by 调整类别.
    matter_class = models.CharField(_("信访事项类别"), max_length=20, choices=MatterClass.choices, blank=True, default="")
    # Routing out (转送政法、纪检监察, 导入法定途径) and 调解和解 (docs/domain.md §3.5); set by the services.
    outcome = models.CharField(_("办理方式"), max_length=20, choices=CaseOutcome.choices, blank=True, default="",
                               editable=False)
    routed_to = models.ForeignKey(OrgUnit, verbose_name=_("转送机关"), on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", editable=False)
    # 简易办理: an answer within 10 working days of acceptance (docs/domain.md §3.2 K).
    procedure = models.CharField(_("办理程序"), max_length=10, choices=Procedure.choices, default=Procedure.ORDINARY,
                                 editable=False)
    simple_basis = models.CharField(_("简易办理情形"), max_length=20, blank=True, default="", editable=False)
    simple_at = models.DateTimeField(_("适用简易办理时间"), null=True, blank=True, editable=False)
    simple_due = models.DateField(_("简易办理期限"), null=True, blank=True, editable=False)
    simple_converted_at = models.DateTimeField(_("转为普通程序时间"), null=True, blank=True, editable=False)
    # 听证 (条例第三十一条、第三十六条): the handling clock stops while a hearing is pending.
    paused_since = models.DateField(_("听证暂停计时起"), null=True, blank=True, editable=False)
    # 重大、紧急 (条例第二十五条): alerts to the duty leaders (petitions.services.urgent).
    is_urgent = models.BooleanField(_("重大紧急"), default=False, editable=False)
    urgent_at = models.DateTimeField(_("标记重大紧急时间"), null=True, blank=True, editable=False)

    # Deadlines (statutory, docs/domain.md §3.3) and milestones.
    acceptance_due = models.DateField(_("受理期限"), null=True, blank=True)
    handling_due = models.DateField(_("办理期限"), null=True, blank=True)
    current_due = models.DateField(_("当前期限"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    holder_org = models.ForeignKey(OrgUnit, verbose_name=_("当前所在机构"), on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    reported_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("呈报领导"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    latest_instruction = models.TextField(_("领导批示"), blank=True)
    answer_text = models.TextField(_("答复意见"), blank=True)
    handling_opinion = models.CharField(_("处理意见"), max_length=20, choices=HandlingOpinion.choices, blank=True)
    closure_category = models.ForeignKey(DictEntry, verbose_name=_("办结分类"), **DICT_FK)
    closure_org = models.ForeignKey(OrgUnit, verbose_name=_("所属单位"), on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    closure_region = models.ForeignKey(OrgUnit, verbose_name=_("区域"), on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+")
    public_reply = models.TextField(_("公开答复"), blank=True)
    public_reply_at = models.DateTimeField(_("公开答复时间"), null=True, blank=True)

    # Pre-segmented search text (CJK bigrams + ASCII words), filled by the services.
    search_tokens = models.TextField(blank=True, editable=False)

    # The number a case had in the system it came from (historical import, petitions/services/
    # history_import): kept for the office's records and matched by 信访查询's number filter.
    source_number = models.CharField(_("原编号"), max_length=60, null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("信访件")
        verbose_name_plural = _("信访件")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["registered_org", "year", "seq"], name="case_unique_org_year_seq"),
            # Importing the same historical case twice is impossible (NULL for every other case);
            # source_number first, so the index also serves 信访查询's lookup by it.
            models.UniqueConstraint(fields=["source_number", "registered_org"], name="case_unique_source_number"),
        ]
        indexes = [
            models.Index(fields=["registered_path"], name="case_regpath_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "registered_at"], name="case_status_time"),
            models.Index(fields=["registered_at"], name="case_registered_at"),
            # The few confidential cases: "not a confidential case he holds no grant for" is one probe
            # (petitions.selectors.visibility.own_assignments_qs; docs/performance.md §14).
            models.Index(fields=["id"], name="case_confidential", condition=Q(is_confidential=True)),
            # The triage pool (分流池) with every column its page order, counts and age profile read
            # (registration time, holder, scope, confidentiality, deadline): index-only at any size.
            models.Index(fields=["registered_at", "id", "holder_org", "registered_path", "is_confidential",
                                 "current_due"], name="case_pool", condition=Q(status="pending")),
            # The open cases in deadline order with the columns of the visibility rule: 督查督办's tabs, the
            # leader's 待批示 attention list and their capped counts read them index-only in page order; the
            # supervised ones (督办中) have their own small index (docs/performance.md §14, "At 10 million").
            models.Index(fields=["current_due", "id", "registered_path", "is_confidential", "is_supervised",
                                 "reported_leader"], name="case_open_due",
                         condition=Q(status__in=OPEN_STATUS_VALUES)),
            models.Index(fields=["current_due", "id", "registered_path", "is_confidential", "reported_leader"],
                         name="case_open_supervised", condition=Q(status__in=OPEN_STATUS_VALUES, is_supervised=True)),
            # The leader's 待批示 (cases reported to him awaiting his instruction) in page order, and 审核办理's
            # 待审核结果 (cases whose results were reported) in page order: each a small slice of the cases.
            models.Index(fields=["reported_leader", "current_due", "id", "registered_path", "is_confidential"],
                         name="case_leader_pending", condition=Q(status="awaiting_instruction")),
            models.Index(fields=["current_due", "id", "registered_path", "is_confidential"],
                         name="case_result_reported", condition=Q(status="result_reported")),
        ]
        permissions = [
            ("register_case", _("登记信访件")),
            ("triage_case", _("分流、交办、审核、办结归档")),
            ("instruct_case", _("领导批示")),
            ("supervise_case", _("督办")),
            ("handle_case", _("承办：受理、延期、上报结果")),
            ("view_pii", _("查看完整证件号码和电话")),
            ("export_case", _("导出信访件")),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("petitions:detail", args=[self.pk])


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HMT_PERMIT = "hmt_permit", _("港澳台居民居住证")
    PASSPORT = "passport", _("护照")
    OTHER = "other", _("其他证件")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Petitioner(models.Model):
    """A person behind a case; a collective visit has up to 5 representatives."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="petitioners")
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    is_representative = models.BooleanField(_("代表"), default=False)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    age = models.PositiveSmallIntegerField(_("年龄"), null=True, blank=True)
    ethnicity = models.ForeignKey(DictEntry, verbose_name=_("民族"), **DICT_FK)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    # Stored encrypted (petitions/fieldcrypt.py, SM4/SM3); exact lookups only; index in Meta.
    id_number = EncryptedIdentityField(_("身份证号"), max_length=100, blank=True)
    education = models.ForeignKey(DictEntry, verbose_name=_("文化程度"), **DICT_FK)
    political = models.ForeignKey(DictEntry, verbose_name=_("政治面貌"), **DICT_FK)
    # Stored encrypted too: the address with a random IV (never searched), the phone as a
    # deterministic token (the earlier-cases panel and 信访查询 find it by equality).
    address = EncryptedSealedField(_("地址"), blank=True)
    workplace = models.CharField(_("单位"), max_length=100, blank=True)
    phone = EncryptedIdentityField(_("联系电话"), max_length=100, blank=True, db_index=True)

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")
        ordering = ["case", "position"]
        # Same name and phone (registration's earlier-cases panel) is found through the phone
        # index and the name filtered on one or two rows; a (name, phone) index was never used.
        # The encrypted ID number gets a plain b-tree for equality (no pattern index: prefix
        # search over ciphertext means nothing).
        indexes = [models.Index(fields=["id_number"], name="petitioner_id_token")]

    def __str__(self):
        return self.name or str(_("匿名"))


class CaseCounter(models.Model):
    """Last issued sequence per (organization, year); the row lock makes numbering gap-free."""

    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", db_index=False)  # unique (org, year)
    year = models.PositiveSmallIntegerField()
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="casecounter_unique_org_year")]


class Attachment(models.Model):
    """An uploaded file, stored outside the web root under a random name."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    # db_constraint=False: the trail is partitioned by year (docs/architecture.md §4.4).
    event = models.ForeignKey("petitions.CaseEvent", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="attachments", db_constraint=False)
    original_name = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self):
        return self.original_name
