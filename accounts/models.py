"""Organizations, users, login attempts and the append-only audit chain."""
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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


class AuditLog(models.Model):
    """Append-only, hash-chained audit record.

    Rows are written only by ``accounts.audit.audit_record`` and never updated or deleted:
    ``save()`` refuses updates, ``delete()`` refuses, the admin is read-only and database
    triggers (migration 0002) reject UPDATE and DELETE at the SQL level. ``row_hash`` is
    SHA-256 over the previous row's hash and this row's canonical content, so
    ``manage.py verify_audit`` detects any altered or removed row.
    """

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
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        permissions = [("view_audit", _("查看审计日志"))]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit rows are append-only")


class AuditChainHead(models.Model):
    """Single row holding the last hash; locked FOR UPDATE to serialise chain appends."""

    last_hash = models.CharField(max_length=64)
    last_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("审计链头")


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
