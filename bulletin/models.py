"""公共信息 (docs/architecture.md §8): notices, the policy library and the knowledge base, and files sent
from one person to another. Office communication, independent of cases: no case data here."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit


class BulletinKind(models.TextChoices):
    NOTICE = "notice", _("通知公告")
    POLICY = "policy", _("政策法规")
    KNOWLEDGE = "knowledge", _("知识库")


class BulletinAudience(models.TextChoices):
    """Who a bulletin reaches (bulletin/selectors.py ``bulletins_visible``)."""

    OWN = "own", _("仅本单位")
    JURISDICTION = "jurisdiction", _("本辖区各单位")
    ORGS = "orgs", _("指定单位")


class StoredFileMixin(models.Model):
    """A file kept in the private storage (petitions/services/attachments.py checks and stages it)."""

    original_name = models.CharField(_("文件名"), max_length=200, blank=True)
    stored_name = models.CharField(max_length=100, blank=True, editable=False)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True


class Bulletin(StoredFileMixin):
    """One notice, policy text or knowledge article, visible in the publisher's jurisdiction."""

    kind = models.CharField(_("类别"), max_length=20, choices=BulletinKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    publisher_org = models.ForeignKey(OrgUnit, verbose_name=_("发布机构"), on_delete=models.PROTECT, related_name="+")
    # Who sees it: the publisher's own organization, his jurisdiction's subtree (``audience_path``,
    # a materialised path prefix), or the organizations named in ``targets`` and their sub-units.
    audience = models.CharField(_("发送范围"), max_length=20, choices=BulletinAudience.choices,
                                default=BulletinAudience.JURISDICTION)
    audience_path = models.CharField(max_length=255, editable=False)
    is_published = models.BooleanField(_("已发布"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("公共信息")
        verbose_name_plural = _("公共信息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="bulletin_kind_time")]

    def __str__(self):
        return self.title


class BulletinTarget(models.Model):
    """One organization a bulletin is addressed to (发送范围 指定单位): it reaches that organization
    and its sub-units. ``org_path`` copies the organization's path (paths never move), so that
    visibility is one indexed lookup by the reader's path prefixes."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="targets")
    org = models.ForeignKey(OrgUnit, verbose_name=_("接收单位"), on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("公共信息接收单位")
        verbose_name_plural = _("公共信息接收单位")
        constraints = [models.UniqueConstraint(fields=["bulletin", "org"], name="bulletin_target_unique")]
        indexes = [models.Index(fields=["org_path"], name="bulletin_target_path")]


class FileTransfer(StoredFileMixin):
    """A file sent by one user to another (文件传送), with the time the recipient opened it."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发送人"), on_delete=models.PROTECT,
                               related_name="files_sent")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.PROTECT,
                                  related_name="files_received")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("文件传送")
        verbose_name_plural = _("文件传送")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="filetransfer_inbox")]
