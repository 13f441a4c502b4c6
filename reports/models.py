"""The models of the reports app: the permission carrier, the sign-off names each statistician prints
under his reports, and the statistics aggregates (``CaseFacts`` and the cell tables) that the reports
and the KPI table read, kept exact in the transaction of every change to a case
(``reports.aggregates``; docs/reports.md §8)."""
from datetime import date

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


# ---------------------------------------------------------------- statistics aggregates (docs/reports.md §8)
# Written only by reports.aggregates; every figure of the six reports, the charts and the KPI table is a
# sum of cells. No foreign keys: a cell names organizations and dictionary entries by id (they are
# PROTECT-ed, never deleted while used) and a unique key cannot hold NULL (PostgreSQL and SQLite treat
# NULLs as distinct, so ON CONFLICT would never meet them): "none" is NO_ID / NO_DAY.

NO_ID = 0
NO_DAY = date(1970, 1, 1)

# How a case stands against its acceptance or handling deadline (DeadlineCell.state of kinds "acc", "hdl").
DUE_OPEN = 0  # not yet decided / answered: due only once the deadline has passed
DUE_ON_TIME = 1  # decided (accepted, refused or routed) / answered on or before the deadline day
DUE_LATE = 2  # decided / answered after it
# Whether an answered case counts as 已参评 (DeadlineCell.state of kind "ans"; docs/reports.md §4).
RATED_NO = 0  # never evaluated
RATED_YES = 1  # its latest evaluation is not older than the answer: rated in every period holding the answer
RATED_SINCE = 2  # its latest evaluation predates the answer (answered again after 复查): rated in a period
#                  starting on or before that evaluation's day (``aux_day``)


class Span(models.TextChoices):
    """A cell counts one local day, or one calendar month (the sum of its days' cells, kept beside
    them so that a year is read from twelve cells per key instead of 365)."""

    DAY = "d"
    MONTH = "m"


class CaseFacts(models.Model):
    """What one case contributes to the statistics, as last applied to the cells: the case's
    dimensions evaluated with the reports' own predicates (``reports.aggregates.facts_queryset``).
    A change of a case subtracts the cells of its old facts and adds those of its new ones."""

    case_id = models.BigIntegerField(primary_key=True)
    counted = models.BooleanField()  # False: voided (作废), counted nowhere
    reg_day = models.DateField()  # registration, local date
    org_id = models.BigIntegerField()  # registering organization
    referral = models.BooleanField()  # 上级交办 (the source filter)
    channel = models.CharField(max_length=20)
    visit_level_id = models.BigIntegerField()
    purpose_id = models.BigIntegerField()
    problem_id = models.BigIntegerField()
    is_repeat = models.BooleanField()
    is_collective = models.BooleanField()
    is_skip_level = models.BooleanField()
    abnormal = models.BooleanField()
    st_open = models.BooleanField()
    st_answered = models.BooleanField()
    st_closed = models.BooleanField()
    st_rejected = models.BooleanField()
    st_routed = models.BooleanField()
    done = models.BooleanField()
    persons = models.IntegerField()
    acc_day = models.DateField(null=True)  # acceptance deadline
    acc_state = models.SmallIntegerField()  # DUE_* above
    hdl_day = models.DateField(null=True)  # handling deadline
    hdl_state = models.SmallIntegerField()
    ans_day = models.DateField(null=True)  # answer, local date
    rated = models.SmallIntegerField()  # RATED_* above
    rated_day = models.DateField()  # the latest evaluation when it is older than the answer, else NO_DAY
    evb_day = models.DateField(null=True)  # the evaluation of the petition bureau
    evb_value = models.CharField(max_length=20)
    evb_source = models.CharField(max_length=10)
    evu_day = models.DateField(null=True)  # the evaluation of the handling unit
    evu_value = models.CharField(max_length=20)
    evu_source = models.CharField(max_length=10)


class CaseBehaviourFacts(models.Model):
    """The 异常行为 of a case as last applied to the cells (a case may have several)."""

    facts = models.ForeignKey(CaseFacts, on_delete=models.DO_NOTHING, db_constraint=False, db_column="case_id",
                              related_name="+")
    behaviour_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facts", "behaviour_id"], name="casebehaviourfacts_unique")]


class Cell(models.Model):
    """What every cell is keyed by first: one local day or one month (``span``, ``day``: the month's first
    day), the registering organization and the source (上级交办 or not)."""

    span = models.CharField(max_length=1, choices=Span.choices)
    day = models.DateField()
    org_id = models.BigIntegerField()
    referral = models.BooleanField()

    class Meta:
        abstract = True


class RegistrationCell(Cell):
    """Cases by registration day: 件次 (``n``) and 人次 (``persons``) per organization, source and the
    dimensions of the area tables (form, visit level, flags, 办理情况)."""

    channel = models.CharField(max_length=20)
    visit_level_id = models.BigIntegerField()
    is_repeat = models.BooleanField()
    is_collective = models.BooleanField()
    is_skip_level = models.BooleanField()
    abnormal = models.BooleanField()
    st_open = models.BooleanField()
    st_answered = models.BooleanField()
    st_closed = models.BooleanField()
    st_rejected = models.BooleanField()
    st_routed = models.BooleanField()
    done = models.BooleanField()
    n = models.IntegerField()
    persons = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["span", "day", "org_id", "referral", "channel", "visit_level_id", "is_repeat", "is_collective",
                    "is_skip_level", "abnormal", "st_open", "st_answered", "st_closed", "st_rejected", "st_routed",
                    "done"], name="registrationcell_key")]


class ClassCell(Cell):
    """Cases by registration day and one dictionary: ``dim`` "problem" (所属问题 as registered),
    "purpose" (信访目的) or "abnormal" (each 异常行为 of a case; form and repeat not kept)."""

    dim = models.CharField(max_length=10)
    entry_id = models.BigIntegerField()
    channel = models.CharField(max_length=20)
    is_repeat = models.BooleanField()
    n = models.IntegerField()
    persons = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["span", "day", "org_id", "referral", "dim", "entry_id", "channel", "is_repeat"],
            name="classcell_key")]


class DeadlineCell(Cell):
    """Cases by the day of a KPI deadline or answer: ``kind`` "acc" (受理期限), "hdl" (办理期限) or
    "ans" (答复); ``state`` how the case stands against it, ``aux_day`` the evaluation day an "ans"
    cell needs (NO_DAY otherwise)."""

    kind = models.CharField(max_length=3)
    state = models.SmallIntegerField()
    aux_day = models.DateField()
    n = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["span", "day", "org_id", "referral", "kind", "state", "aux_day"], name="deadlinecell_key")]


class EvaluationCell(Cell):
    """Evaluations (满意度评价) by their day, value and how they were made, for the case's organization
    and source."""

    value = models.CharField(max_length=20)
    source = models.CharField(max_length=10)
    n = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["span", "day", "org_id", "referral", "value", "source"], name="evaluationcell_key")]


class StatisticsBuild(models.Model):
    """One row: the version of the facts definition the aggregates were built with and when. Missing or
    older than ``reports.aggregates.FACTS_VERSION``, the aggregates are rebuilt after ``migrate``."""

    version = models.PositiveIntegerField()
    built_at = models.DateTimeField()
