"""Organizations, users, login attempts and the append-only, keyed-hash-chained logs."""
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import chain

PATH_STEP = 4  # characters per level of the materialised path ("0001", "00010003", ...)


class OrgKind(models.TextChoices):
    PREFECTURE = "prefecture", _("州")
    COUNTY = "county", _("县/市")
    TOWNSHIP = "township", _("乡/镇/街道")
    BUREAU = "bureau", _("信访工作机构")
    DEPARTMENT = "department", _("职能部门")


class OrgUnit(models.Model):
    """One node of the organization tree (州 → 县/市 → 乡/镇/街道, departments at each level).

    ``path`` is a materialised path of fixed-width steps so that a subtree is one indexed
    ``path LIKE 'prefix%'`` range scan (Wagtail's treebeard idea, without the dependency).
    """

    code = models.CharField(_("机构代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False, default=1)
    division_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["path"]
        indexes = [
            # Subtree queries are `path LIKE 'x%'`; varchar_pattern_ops lets PostgreSQL use the
            # b-tree for the prefix under any collation (docs/performance.md, "org subtree").
            models.Index(fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        permissions = [("manage_orgunit", _("管理机构"))]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:org_edit", args=[self.pk])

    @property
    def is_bureau(self):
        return self.kind == OrgKind.BUREAU

    @property
    def government(self):
        """The territorial unit this organization belongs to (itself for 州/县/乡)."""
        if self.kind in (OrgKind.BUREAU, OrgKind.DEPARTMENT) and self.parent_id:
            return self.parent
        return self

    @property
    def jurisdiction_path(self):
        """Path prefix of the subtree this unit is responsible for.

        A petition bureau answers for the whole territory of its government (docs/architecture.md §2);
        every other unit only for itself and its sub-units.
        """
        if self.kind == OrgKind.BUREAU and self.parent_id:
            return self.parent.path
        return self.path


class User(AbstractUser):
    """A staff account. Belongs to exactly one organization; roles are Django Groups."""

    organization = models.ForeignKey(
        OrgUnit, verbose_name=_("所属机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    real_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    is_locked = models.BooleanField(_("已锁定"), default=False)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Second login factor (accounts/otp.py): the TOTP secret sealed with SM4 (never plaintext), the
    # last accepted time step (replay protection) and the hashes of the unused recovery codes.
    otp_enabled = models.BooleanField(_("已启用两步验证"), default=False)
    otp_secret = models.CharField(max_length=200, blank=True, default="", editable=False)
    otp_last_step = models.BigIntegerField(null=True, blank=True, editable=False)
    otp_recovery_codes = models.JSONField(default=list, blank=True, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        permissions = [
            ("manage_user", _("管理用户")),
            ("manage_role", _("管理角色与权限")),
            ("role_sysadmin", _("三员：系统管理员")),
            ("role_secadmin", _("三员：安全管理员")),
            ("role_auditor", _("三员：安全审计员")),
        ]

    def __str__(self):
        return self.real_name or self.username

    @property
    def display_name(self):
        return self.real_name or self.username


class LoginAttempt(models.Model):
    """One login attempt; failures within the window drive the lockout (per account and per address)."""

    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    succeeded = models.BooleanField(_("成功"), default=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("登录尝试")
        verbose_name_plural = _("登录尝试")
        indexes = [models.Index(fields=["ip_address", "created_at"], name="loginattempt_ip_time")]


class ChainHead(models.Model):
    """The newest row of one chained log (``ChainedLog.CHAIN``: "audit", "caseview").

    Locked FOR UPDATE by every append, so appends are serialised and a chain never forks. Database
    triggers (migration 0006) refuse DELETE and TRUNCATE and any UPDATE that does not advance
    ``seq`` by exactly one: the head cannot be moved back through the application's connection.
    """

    chain = models.CharField(max_length=40, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self):
        return f"{self.chain} #{self.seq}"


class ChainedLogQuerySet(models.QuerySet):
    def bulk_create(self, *args, **kwargs):
        raise PermissionError("chained log rows are appended one at a time (ChainedLog.save)")


class ChainedLog(models.Model):
    """Base of an append-only log chained with a keyed MAC (``accounts/chain.py``).

    ``save()`` of a new row locks the chain's ``ChainHead``, numbers the row, links it to the
    previous one and stores HMAC-SHA-256 over ``CHAIN_FIELDS``, all in one transaction; an existing
    row refuses ``save()`` and ``delete()``, and database triggers refuse UPDATE, DELETE and
    TRUNCATE. A subclass names its chain and the fields the MAC covers; changing ``CHAIN_FIELDS`` of
    a chain that has rows would need a conversion (old rows no longer verify).
    """

    CHAIN = ""
    CHAIN_FIELDS = ()

    seq = models.BigIntegerField(_("序号"), unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = ChainedLogQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{self._meta.label} rows are append-only")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            heads = ChainHead.objects.using(using).select_for_update()
            head = heads.filter(chain=self.CHAIN).first()
            if head is None:
                ChainHead.objects.using(using).get_or_create(chain=self.CHAIN,
                                                             defaults={"last_hash": chain.GENESIS_HASH})
                head = heads.get(chain=self.CHAIN)
            chain.normalise(self, self.CHAIN_FIELDS)
            self.seq = head.seq + 1
            self.prev_hash = head.last_hash
            self.row_hash = chain.row_mac(self.CHAIN, self.seq, self.prev_hash, self, self.CHAIN_FIELDS)
            super().save(*args, **kwargs)
            ChainHead.objects.using(using).filter(chain=self.CHAIN).update(
                seq=self.seq, last_hash=self.row_hash, last_id=self.pk)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self._meta.label} rows are append-only")

    def mac_matches(self, key=None):
        """Whether ``row_hash`` is the MAC of this row's content, position and predecessor."""
        return chain.row_mac(self.CHAIN, self.seq, self.prev_hash, self, self.CHAIN_FIELDS, key) == self.row_hash


class AuditLog(ChainedLog):
    """Append-only, keyed-hash-chained audit record.

    Rows are written only by ``accounts.audit.audit_record`` and never updated or deleted:
    ``save()`` refuses updates, ``delete()`` refuses, the admin is read-only and database
    triggers (migration 0006) reject UPDATE, DELETE and TRUNCATE at the SQL level. ``row_hash``
    is HMAC-SHA-256 under a key kept outside the database over the previous row's hash and this
    row's canonical content, so ``manage.py verify_audit`` detects any altered, removed or
    recomputed row, and with the signed checkpoints a removed tail.
    """

    CHAIN = "audit"
    CHAIN_FIELDS = ("created_at", "actor", "actor_username", "actor_org_code", "ip_address", "action",
                    "object_type", "object_id", "summary", "data", "succeeded")

    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("账号"), max_length=150, blank=True)
    actor_org_code = models.CharField(_("操作人机构"), max_length=20, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("事件"), max_length=50, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True)
    object_id = models.CharField(_("对象"), max_length=50, blank=True, db_index=True)
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    succeeded = models.BooleanField(_("成功"), default=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        permissions = [("view_audit", _("查看审计日志"))]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"


class AccessLogQuerySet(ChainedLogQuerySet):
    def about_person(self, name):
        """Rows about the personal data of the person called ``name`` (exact full name); a log
        that cannot tell answers none."""
        return self.none()


class AccessLog(ChainedLog):
    """Base of a log of who opened whose personal data, chained like the audit log.

    ``subject`` names whose data without personal data (e.g. a case number). A concrete subclass in
    a higher app (``petitions.CaseView``) is what the 安全审计员's 个人信息查看记录 page searches:
    ``accounts`` finds it by this base class and never imports the app.
    """

    CHAIN_FIELDS = ("created_at", "user", "org", "ip_address", "action", "subject")
    ACTION_LABELS = {}  # action -> label shown on 个人信息查看记录

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT,
                             related_name="+")
    org = models.ForeignKey(OrgUnit, verbose_name=_("查看人机构"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("方式"), max_length=30, default="view")
    subject = models.CharField(_("查看对象"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        abstract = True

    def action_label(self):
        return self.ACTION_LABELS.get(self.action, self.action)


class ReminderKind(models.TextChoices):
    NOTICE = "notice", _("系统提醒")
    TASK = "task", _("个人任务")


class Reminder(models.Model):
    """A notification from the workflow (系统提醒) or a task the user keeps for himself (任务管理).

    ``is_read`` means read for a notice and done for a task."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("类别"), max_length=10, choices=ReminderKind.choices, default=ReminderKind.NOTICE)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    # A task's own reminder (提醒时间): from then on it is listed among the home page's reminders
    # until it is done (a query on page load, no background job).
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    dedup_key = models.CharField(max_length=120, blank=True, default="")
    # What the notice is about, for notices an app sends: its kind (a key registered with
    # ``accounts.hooks.register_notification_kind``) and the object ("case:123"), so that the
    # app can clear it when the work it asks for is done.
    topic = models.CharField(_("提醒类别"), max_length=40, blank=True, default="")
    target = models.CharField(max_length=60, blank=True, default="")
    is_read = models.BooleanField(_("已读"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["is_read", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedup_key"], condition=~models.Q(dedup_key=""), name="reminder_unique_dedup"
            )
        ]
        indexes = [models.Index(fields=["target", "topic"], name="reminder_target_topic",
                                condition=~models.Q(target=""))]
