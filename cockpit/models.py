"""The cockpit's own records (docs/cockpit.md): 领导包案, the early-warning thresholds of each
jurisdiction and the warnings they raised, and two small tables the periodic scan fills so that no
page has to read a million rows: the KPI figures per month and the text clusters of recent cases.

Nothing here describes a petitioner. Warnings, clusters and charges are about matters (cases,
areas, 所属问题, units), never about persons (docs/architecture.md §10).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from petitions.models import Case, DictEntry


class LeaderCharge(models.Model):
    """领导包案: a leader takes personal charge of resolving a matter until it is settled.

    One open charge per case (``ended_at`` empty); ending it keeps the row, so the history of who
    was in charge stays on the case page and in the counts."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="leader_charges",
                             verbose_name=_("信访件"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("包案领导"))
    since = models.DateField(_("包案日期"))
    note = models.TextField(_("包案要求"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("确定人"))
    created_at = models.DateTimeField(_("登记时间"))
    ended_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("解除人"))
    end_note = models.TextField(_("解除说明"), blank=True)

    class Meta:
        verbose_name = _("领导包案")
        verbose_name_plural = _("领导包案")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(ended_at__isnull=True),
                                    name="leadercharge_one_open_per_case"),
        ]
        indexes = [models.Index(fields=["leader", "ended_at"], name="leadercharge_leader")]

    def __str__(self):
        return f"{self.case} · {self.leader}"


class WarningKind(models.TextChoices):
    HOTSPOT = "hotspot", _("热点问题")
    CLUSTER = "cluster", _("同一事项聚集")
    COLLECTIVE = "collective", _("集体访人数")
    UNIT_OVERDUE = "unit_overdue", _("单位超期件数")


class WarningRule(models.Model):
    """A jurisdiction's threshold for one kind of warning. Without a row the default of
    ``cockpit.domain.rules.DEFAULTS`` applies; a row overrides it (and may switch the kind off)."""

    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区"))
    kind = models.CharField(_("预警类别"), max_length=20, choices=WarningKind.choices)
    threshold = models.PositiveIntegerField(_("阈值"))
    enabled = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("修改时间"))

    class Meta:
        verbose_name = _("预警阈值")
        verbose_name_plural = _("预警阈值")
        constraints = [models.UniqueConstraint(fields=["org", "kind"], name="warningrule_unique_org_kind")]

    def __str__(self):
        return f"{self.org} {self.kind} {self.threshold}"


class Warning(models.Model):
    """One early warning raised for the leaders of a jurisdiction (``org``), once per ``key``
    (the scan and the registration check may run any number of times), acknowledged once."""

    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("辖区"))
    kind = models.CharField(_("预警类别"), max_length=20, choices=WarningKind.choices)
    key = models.CharField(max_length=160)
    title = models.CharField(_("预警内容"), max_length=200)
    detail = models.JSONField(default=dict, blank=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    area = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("区域"))
    problem = models.ForeignKey(DictEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("所属问题"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("单位"))
    created_at = models.DateTimeField(_("预警时间"))
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("签收人"))
    ack_note = models.TextField(_("处置意见"), blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "key"], name="warning_unique_org_key")]
        indexes = [models.Index(fields=["org", "acknowledged_at"], name="warning_org_open")]

    def __str__(self):
        return self.title


class KpiSnapshot(models.Model):
    """The KPI numerators and denominators of one jurisdiction and calendar month, as
    ``reports.selectors.kpi_counts`` computed them at ``computed_at`` (its 合计 over the areas).

    Computing a KPI reads every case (docs/reports.md §9), so the cockpit's trend reads these rows,
    refreshed by ``manage.py scan_warnings`` (the current and the two previous months each run,
    older months once)."""

    org = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # first day of the month
    values = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="kpisnapshot_unique_org_month")]


class TextCluster(models.Model):
    """A phrase (a project, company, village, official …) named in more of a jurisdiction's recent
    cases than its own past makes likely (docs/cockpit.md §3), with the cases that name it.

    Rewritten for the jurisdiction by each scan; the cases are listed through the visibility
    selector, so a user sees only those he may open."""

    org = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    phrase = models.CharField(_("事项"), max_length=60)
    window_start = models.DateField()
    window_end = models.DateField()
    count = models.PositiveIntegerField(_("件数"))
    expected = models.FloatField(_("基线期望"))
    p_value = models.FloatField()
    areas = models.PositiveSmallIntegerField(_("涉及区域数"), default=1)
    computed_at = models.DateTimeField()
    cases = models.ManyToManyField(Case, related_name="+")

    class Meta:
        ordering = ["p_value", "-count"]
        indexes = [models.Index(fields=["org", "window_end"], name="textcluster_org_window")]

    def __str__(self):
        return self.phrase


class RegistrationDay(models.Model):
    """Registrations per local day and registering organization, as the statistics count them
    (voided ones excluded, confidential ones included): the cockpit's time series read these few
    rows instead of scanning months of cases (docs/cockpit.md §7).

    Rebuilt by ``manage.py scan_warnings`` for the days the cockpit reads (the last 91 days and the
    same days a year earlier) up to yesterday; today is always counted live, and a day outside the
    rows (before the first scan, or older) is counted live too (``RegistrationDayBuild``)."""

    day = models.DateField()
    org = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+", db_index=False)
    n = models.PositiveIntegerField(default=0)
    collective = models.PositiveIntegerField(default=0)
    collective_persons = models.PositiveIntegerField(default=0)
    skip = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "org"], name="registrationday_unique_day_org")]


class RegistrationDayClass(models.Model):
    """Registrations per local day and registering organization, by channel (``kind`` "channel") and by
    所属问题 (``kind`` "problem", ``problem_id`` NULL for none), counted as ``RegistrationDay`` counts them:
    the cockpit's breakdowns and hot spots read these rows instead of every case of their window (63 days
    for the hot spots: 650,000 cases at 10,000,000; docs/performance.md §14). The two kinds are separate
    rows because no figure crosses them, which keeps a day to a few hundred rows. Rebuilt with
    ``RegistrationDay`` for ``class_first_day`` … ``last_day`` of ``RegistrationDayBuild``; other days
    are counted live."""

    CHANNEL = "channel"
    PROBLEM = "problem"

    day = models.DateField()
    org = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=10)
    channel = models.CharField(max_length=20, blank=True)  # kind "channel"
    problem_id = models.BigIntegerField(null=True)  # kind "problem"; no key: the rows are rebuilt, never edited
    n = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["kind", "day", "org"], name="registrationdayclass_kind_day")]


class RegistrationDayBuild(models.Model):
    """The days ``RegistrationDay`` holds (one row): ``first_day`` … ``last_day``, built at ``built_at``;
    ``RegistrationDayClass`` holds ``class_first_day`` … ``last_day`` (None: not built)."""

    first_day = models.DateField()
    last_day = models.DateField()
    class_first_day = models.DateField(null=True)
    built_at = models.DateTimeField()


class CockpitSnapshot(models.Model):
    """Figures of a jurisdiction the hourly scan computes because they read many case rows
    (docs/cockpit.md §7): ``late_units`` (overdue and soon-due open cases per unit) and
    ``repeat_matters`` (matters petitioned again and again). A page reads the day's snapshot and
    counts live when there is none."""

    org = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "kind"], name="cockpitsnapshot_unique_org_kind")]
