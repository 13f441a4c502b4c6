"""Coded lists (信访目的, 所属问题 tree, 民族 ...): one model family, data not code."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class DictKind(models.TextChoices):
    PURPOSE = "purpose", _("信访目的")
    PROBLEM = "problem", _("所属问题")
    ABNORMAL = "abnormal", _("异常行为")
    VISIT_NATURE = "visit_nature", _("来访性质")
    LETTER_NATURE = "letter_nature", _("来信性质")
    ATTACHMENT_KIND = "attachment_kind", _("附件类型")
    REG_SOURCE = "reg_source", _("登记来源")
    VISIT_LEVEL = "visit_level", _("上访层次")
    ETHNICITY = "ethnicity", _("民族")
    EDUCATION = "education", _("文化程度")
    POLITICAL = "political", _("政治面貌")
    CLOSURE = "closure", _("办结分类")
    REJECT_REASON = "reject_reason", _("不予受理理由")
    OUTSIDE_UNIT = "outside_unit", _("系统外责任单位")


class DictEntry(models.Model):
    """One entry of a coded list. Referenced entries are deactivated, never deleted
    (every foreign key to this model is PROTECT; see ``petitions.services.dictionary``)."""

    kind = models.CharField(_("字典"), max_length=30, choices=DictKind.choices, db_index=True)
    code = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    level = models.PositiveSmallIntegerField(_("级别"), default=1)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("字典项")
        verbose_name_plural = _("字典项")
        ordering = ["kind", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="dictentry_unique_kind_code")]
        permissions = [("manage_dictionary", _("管理基础字典"))]

    def __str__(self):
        return self.name

    @property
    def label_with_parent(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name
