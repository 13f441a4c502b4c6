"""Historical imports from the Excel template (数据导入, petitions/services/history_import):
one row per uploaded workbook, its checks and its outcome."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit


class HistoryImportState(models.TextChoices):
    CHECKING = "checking", _("检查中")
    CHECKED = "checked", _("已检查")
    REFUSED = "refused", _("已拒收")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("导入未完成")


class HistoryImport(models.Model):
    """An uploaded workbook and what became of it.

    The file lives under ``PRIVATE_STORAGE_ROOT/.imports/<stored_name>`` until it is imported or
    abandoned (``history_import_sweep``); the row keeps the counts and the first row errors for the
    preview page. ``state`` is written only by the service."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT,
                                   related_name="+")
    org = models.ForeignKey(OrgUnit, verbose_name=_("登记机构"), on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("文件名"), max_length=200)
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=HistoryImportState.choices,
                             default=HistoryImportState.CHECKING, editable=False)
    only_valid = models.BooleanField(_("仅导入无误的行"), default=False)
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    valid_rows = models.PositiveIntegerField(_("无误"), default=0)
    error_rows = models.PositiveIntegerField(_("有误"), default=0)
    existing_rows = models.PositiveIntegerField(_("已导入过"), default=0)
    created_count = models.PositiveIntegerField(_("新增信访件"), default=0)
    message = models.TextField(_("说明"), blank=True)
    # The first row errors, for the preview: [{"row": 5, "column": "证件号码", "message": "..."}].
    errors = models.JSONField(default=list, blank=True, editable=False)
    has_error_workbook = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("历史数据导入")
        verbose_name_plural = _("历史数据导入")
        ordering = ["-created_at", "-id"]
        permissions = [("import_history", _("导入历史数据（Excel）"))]

    def __str__(self):
        return self.original_name
