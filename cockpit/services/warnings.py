"""Early warnings (预警, docs/cockpit.md §5): thresholds per jurisdiction, warnings raised once per
matter and week (or per case), told to the jurisdiction's leaders in the app and through the
notification gateways where configured, acknowledged with who, when and what was done.

``warnings_scan`` (``manage.py scan_warnings``, idempotent, hourly from cron) rebuilds the daily
registration counts, checks hot spots, text clusters and late units and refreshes the KPI snapshots; the collective-visit rule runs at
registration (``collective_check``, through ``accounts.hooks.CASE_EVENT``), one query when a
collective visit is registered and none otherwise.
"""
import math
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import OrgKind, OrgUnit, User
from accounts.selectors import perm_q
from accounts.reminders import reminders_clear, reminders_create
from petitions import clock
from petitions.models import Channel, Petitioner
from petitions.selectors import case_statistics_qs
from reports.selectors import Period, Scope, aware_midnight, kpi_counts, statistics_root

from cockpit.domain import clusters as cluster_rule
from cockpit.domain import hotspots as hotspot_rule
from cockpit.domain.rules import DEFAULTS
from cockpit.models import KpiSnapshot, TextCluster, Warning, WarningKind, WarningRule
from cockpit.selectors.hotspots import hotspots
from cockpit.selectors.scope import Jurisdiction, cases_url
from cockpit.selectors.warnings import can_manage_warnings, leaders_of, rules_for_orgs
from cockpit.services.aggregates import registration_days_refresh, snapshots_refresh


WARNING_TOPIC = "cockpit.warning"
TERRITORIAL = (OrgKind.PREFECTURE, OrgKind.COUNTY, OrgKind.TOWNSHIP)
MAX_THRESHOLD = 100000
FRESH_REGISTRATION = timedelta(days=2)  # imports of old cases raise no collective-visit warning
KPI_REFRESH_MONTHS = 3  # the current month and the two before are recomputed every scan
KPI_MONTHS = 12
CLUSTER_BACKGROUND_DAYS = 56
CLUSTER_BACKGROUND_CAP = 30000  # background matters read per scan; more are sampled


def week_key(day):
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


# ---------------------------------------------------------------- thresholds

@transaction.atomic
def rules_save(*, actor, org, values, request=None):
    """Set the thresholds of ``org`` (the actor's own jurisdiction): ``{kind: (threshold, enabled)}``."""
    if not can_manage_warnings(actor, org):
        raise NotAllowed(_("只有本辖区的领导和统计员可以设置预警阈值。"))
    errors = {}
    for kind, (threshold, _enabled) in values.items():
        if kind not in WarningKind.values:
            raise ServiceError(_("未知的预警类别。"), code="unknown_kind")
        if threshold is None or not 1 <= threshold <= MAX_THRESHOLD:
            errors[f"{kind}_threshold"] = _("阈值须为 1 至 %(max)d 之间的整数。") % {"max": MAX_THRESHOLD}
    if errors:
        raise ServiceError(errors=errors, code="threshold_invalid")
    now = clock.now()
    changed = {}
    for kind, (threshold, enabled) in values.items():
        row = WarningRule.objects.filter(org=org, kind=kind).first()
        if row is not None and row.threshold == threshold and row.enabled == enabled:
            continue
        if row is None and threshold == DEFAULTS[kind] and enabled:
            continue
        WarningRule.objects.update_or_create(org=org, kind=kind, defaults={
            "threshold": threshold, "enabled": enabled, "updated_by": actor, "updated_at": now})
        changed[kind] = {"threshold": threshold, "enabled": enabled}
    if changed:
        audit_record(action="cockpit.rules", actor=actor, target=org, request=request,
                     summary=f"{org.code} warning thresholds", data=changed)
    return changed


# ---------------------------------------------------------------- raising and acknowledging

def warning_url(warning):
    return reverse("cockpit:warning", args=[warning.pk])


def warning_raise(*, org, kind, key, title, detail=None, case=None, area_id=None, problem_id=None, unit_id=None):
    """Create the warning ``key`` of ``org`` unless it exists; tell the leaders after commit.
    Returns the new warning, or None when it had been raised before."""
    key = key[:160]
    if Warning.objects.filter(org=org, key=key).exists():
        return None
    try:
        with transaction.atomic():
            warning = Warning.objects.create(org=org, kind=kind, key=key, title=str(title)[:200],
                                             detail=detail or {}, case=case, area_id=area_id,
                                             problem_id=problem_id, unit_id=unit_id, created_at=clock.now())
            audit_record(action="cockpit.warning", target=warning, summary=f"{org.code} {kind} {key}",
                         data={"kind": kind, "key": key})
    except IntegrityError:  # a concurrent scan raised it first
        return None
    leader_ids = list(leaders_of(org).values_list("pk", flat=True))
    url = warning_url(warning)
    transaction.on_commit(lambda: reminders_create(
        user_ids=leader_ids, title=_("预警：%(title)s") % {"title": warning.title}, url=url,
        topic=WARNING_TOPIC, target=f"warning:{warning.pk}", dedup_key=f"cockpit.warning:{warning.pk}"))
    return warning


@transaction.atomic
def warning_acknowledge(*, actor, warning, note="", request=None):
    """签收: a leader or statistician of the jurisdiction records that he has seen the warning and
    what is being done; the leaders' reminders of it are closed."""
    if not can_manage_warnings(actor, warning.org):
        raise NotAllowed(_("只有本辖区的领导和统计员可以签收预警。"))
    locked = Warning.objects.select_for_update().get(pk=warning.pk)
    if locked.acknowledged_at is not None:
        raise ServiceError(_("该预警已由%(name)s签收。") % {"name": locked.acknowledged_by.display_name},
                           code="already_acknowledged")
    locked.acknowledged_at = clock.now()
    locked.acknowledged_by = actor
    locked.ack_note = note.strip()
    locked.save(update_fields=["acknowledged_at", "acknowledged_by", "ack_note"])
    audit_record(action="cockpit.warning_ack", actor=actor, target=locked, request=request,
                 summary=f"{locked.org.code} {locked.key}")
    reminders_clear(target=f"warning:{locked.pk}", topics=[WARNING_TOPIC])
    return locked


# ---------------------------------------------------------------- at registration: collective visits

def collective_check(event):
    """``accounts.hooks.CASE_EVENT``: a collective visit of at least N visitors warns the leaders of
    every jurisdiction above its registering organization whose threshold N it reaches."""
    if event.action != "register":
        return
    case = event.case
    if not case.is_collective or case.channel != Channel.VISIT or not case.visitor_count:
        return
    if case.registered_at and case.registered_at < clock.now() - FRESH_REGISTRATION:
        return
    org = case.registered_org
    prefixes = [org.path[:i] for i in range(4, len(org.path) + 1, 4)]
    roots = list(OrgUnit.objects.filter(path__in=prefixes, kind__in=TERRITORIAL))
    rules = rules_for_orgs(roots, WarningKind.COLLECTIVE)
    for root in roots:
        threshold, enabled = rules[root.pk]
        if enabled and case.visitor_count >= threshold:
            warning_raise(
                org=root, kind=WarningKind.COLLECTIVE, key=f"collective:{case.pk}", case=case,
                title=_("集体访%(n)d人：%(number)s（%(org)s登记）") % {
                    "n": case.visitor_count, "number": case.number, "org": org.name},
                detail={"visitors": case.visitor_count, "threshold": threshold})


# ---------------------------------------------------------------- the scan

def scan_jurisdictions():
    """``[(root organization, user)]``: every jurisdiction whose leaders get warnings, each with a
    user who may count it (a leader or statistician of that root holding the statistics right)."""
    users = (User.objects.filter(is_active=True, organization__isnull=False)
             .filter(perm_q(("reports.view_statistics",))).select_related("organization", "organization__parent")
             .distinct().order_by("pk"))
    out = {}
    for user in users:
        if not user.has_perm("reports.view_statistics"):
            continue
        root = statistics_root(user)
        if root is None or root.pk in out:
            continue
        out[root.pk] = (root, user)
    return list(out.values())


def clusters_refresh(j, today):
    """Recompute the text clusters of the jurisdiction's last seven days and store them."""
    window_start = today - timedelta(days=hotspot_rule.WINDOW_DAYS - 1)
    background_start = window_start - timedelta(days=CLUSTER_BACKGROUND_DAYS)
    base = case_statistics_qs(j.user, j.org, org_ids=j.org_ids)

    def rows(qs, names=None):
        for pk, first, org_id, content, summary in qs.values_list(
                "pk", "first_case_id", "registered_org_id", "content", "summary").iterator(chunk_size=2000):
            text = f"{content}\n{summary}"
            if names is not None:
                text = cluster_rule.mask(text, names.get(pk, ()))
            yield first or pk, pk, j.area_of.get(org_id, j.org.path), text

    window = base.filter(registered_at__gte=aware_midnight(window_start),
                         registered_at__lt=aware_midnight(today + timedelta(days=1)))
    background = base.filter(registered_at__gte=aware_midnight(background_start),
                             registered_at__lt=aware_midnight(window_start))
    background_days = CLUSTER_BACKGROUND_DAYS
    total = background.count()
    if total > CLUSTER_BACKGROUND_CAP:
        step = math.ceil(total / CLUSTER_BACKGROUND_CAP)
        background = background.alias(sample=F("id") % step).filter(sample=0)
        background_days = CLUSTER_BACKGROUND_DAYS / step
    names = {}  # the petitioners' names leave the window's texts before anything is counted
    for case_id, name in Petitioner.objects.filter(case__in=window.values("pk")).values_list("case_id", "name"):
        names.setdefault(case_id, []).append(name)
    found = cluster_rule.find_clusters(rows(window, names), rows(background), window_days=hotspot_rule.WINDOW_DAYS,
                                       background_days=background_days)
    now = clock.now()
    with transaction.atomic():
        TextCluster.objects.filter(org=j.org).delete()
        stored = []
        for c in found[:50]:
            row = TextCluster.objects.create(
                org=j.org, phrase=c.phrase[:60], window_start=window_start, window_end=today, count=c.count,
                expected=c.expected, p_value=c.p_value, areas=len(c.areas), computed_at=now)
            row.cases.set(sorted(c.cases)[:500])
            stored.append(row)
    return stored


def kpi_snapshots_refresh(j, today, *, months=KPI_MONTHS, refresh=KPI_REFRESH_MONTHS):
    """Store the KPI counts (合计 of ``reports.selectors.kpi_counts``) of the jurisdiction for the
    last ``months`` calendar months; the ``refresh`` newest are recomputed, older ones only once."""
    first = date(today.year, today.month, 1)
    have = set(KpiSnapshot.objects.filter(org=j.org).values_list("month", flat=True))
    done = 0
    for i in range(months):
        y, m = first.year, first.month - i
        while m < 1:
            y, m = y - 1, m + 12
        start = date(y, m, 1)
        if i >= refresh and start in have:
            continue
        end = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1))
        _areas, per_area = kpi_counts(j.user, Scope(org=j.org, period=Period(start, end)), today=today)
        totals = {}
        for values in per_area.values():
            for key, value in values.items():
                if isinstance(value, (int, float)):
                    totals[key] = totals.get(key, 0) + value
        KpiSnapshot.objects.update_or_create(org=j.org, month=start,
                                             defaults={"values": totals, "computed_at": clock.now()})
        done += 1
    return done


def warnings_scan(*, today=None, kpi=True, clusters=True):
    """Check every jurisdiction (hot spots, clusters, late units), refresh its KPI snapshots;
    idempotent: a warning is raised once per key. Returns counts for the command's output."""
    today = today or clock.today()
    week = week_key(today)
    summary = {"registration_days": registration_days_refresh(today=today), "jurisdictions": 0, "warnings": 0,
               "clusters": 0, "kpi_months": 0}
    for root, user in scan_jurisdictions():
        j = Jurisdiction(user=user, org=root)
        summary["jurisdictions"] += 1
        rules = {kind: rules_for_orgs([root], kind)[root.pk] for kind in WarningKind.values}
        threshold, enabled = rules[WarningKind.HOTSPOT]
        if enabled:
            cells, wins = hotspots(j, today)
            for cell in cells:
                if cell.count >= threshold:
                    summary["warnings"] += _raise_hotspot(root, j, cell, wins, week) is not None
        threshold, enabled = rules[WarningKind.CLUSTER]
        if clusters:
            stored = clusters_refresh(j, today)
            summary["clusters"] += len(stored)
            if enabled:
                for c in stored:
                    if c.count >= threshold:
                        made = warning_raise(
                            org=root, kind=WarningKind.CLUSTER, key=f"cluster:{c.phrase}:{week}",
                            title=_("同一事项：“%(phrase)s”近7日%(n)d件") % {"phrase": c.phrase, "n": c.count},
                            detail={"phrase": c.phrase, "count": c.count, "expected": c.expected, "p": c.p_value,
                                    "cases": list(c.cases.values_list("pk", flat=True)[:200])})
                        summary["warnings"] += made is not None
        counts = snapshots_refresh(j, today)
        threshold, enabled = rules[WarningKind.UNIT_OVERDUE]
        if enabled:
            names = dict(OrgUnit.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
            for unit_id, n in counts.items():
                if n >= threshold:
                    made = warning_raise(
                        org=root, kind=WarningKind.UNIT_OVERDUE, key=f"unit_overdue:{unit_id}:{week}",
                        unit_id=unit_id,
                        title=_("%(unit)s超期未办%(n)d件") % {"unit": names.get(unit_id, "?"), "n": n},
                        detail={"count": n, "url": cases_url(unit=unit_id, state="overdue")})
                    summary["warnings"] += made is not None
        if kpi:
            summary["kpi_months"] += kpi_snapshots_refresh(j, today)
    return summary


def _raise_hotspot(root, j, cell, wins, week):
    return warning_raise(
        org=root, kind=WarningKind.HOTSPOT, key=f"hotspot:{cell.area_key}:{cell.problem_id}:{week}",
        area_id=j.area_by_key[cell.area_key].org.pk, problem_id=cell.problem_id,
        title=_("热点：%(area)s %(problem)s 近7日%(n)d件（前8周平均%(base)s件）") % {
            "area": cell.area_label, "problem": cell.problem_label, "n": cell.count, "base": cell.baseline},
        detail={"counts": cell.counts, "expected": cell.verdict.expected, "p": cell.verdict.p_value,
                "from": wins[0][0].isoformat(), "to": wins[0][1].isoformat(), "url": cell.url})
