"""The cockpit's small aggregate tables (``RegistrationDay``, ``RegistrationDayClass``) and its snapshots of
figures that read many case rows (``CockpitSnapshot``: late units, repeat matters), rebuilt by the hourly
scan.

A registration day of the past changes only through a voided registration, a corrected one or an
import, so an hourly rebuild keeps it at most an hour behind while today is always counted live
(docs/cockpit.md §7). The rows are the statistics' counts (``case_statistics_qs``: voided cases
excluded, confidential ones included) per registering organization, for every organization: a
page reads them for its jurisdiction's organizations only (``cockpit.selectors.series``).
"""
from datetime import timedelta

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate

from petitions import clock
from petitions.models import Case
from reports.selectors import aware_midnight

from cockpit.models import CockpitSnapshot, RegistrationDay, RegistrationDayBuild, RegistrationDayClass
from cockpit.selectors.backlog import repeat_groups_live
from cockpit.selectors.deadlines import late_units_live
from cockpit.selectors.series import LAST_YEAR, MEASURES
from cockpit.selectors.snapshots import LATE_UNITS, REPEAT_MATTERS
from cockpit.selectors.states import VOIDED

TREND_DAYS = 91
DAYS_KEPT = LAST_YEAR.days + TREND_DAYS + 7  # the trend, the same days last year, a week's margin
# RegistrationDayClass: the longest window of the cockpit and the one before it (2 × 91 days; the hot
# spots read 63), a week's margin.
CLASS_DAYS_KEPT = 2 * TREND_DAYS + 7


@transaction.atomic
def registration_days_refresh(*, today=None):
    """Rebuild ``RegistrationDay`` for the ``DAYS_KEPT`` days before today; return the rows written."""
    today = today or clock.today()
    first, last = today - timedelta(days=DAYS_KEPT), today - timedelta(days=1)
    build = RegistrationDayBuild.objects.select_for_update().first()  # one rebuild at a time
    rows = (Case.objects.exclude(status=VOIDED)
            .filter(registered_at__gte=aware_midnight(first), registered_at__lt=aware_midnight(today))
            .annotate(day=TruncDate("registered_at")).values("day", "registered_org_id").annotate(**MEASURES)
            .order_by())
    RegistrationDay.objects.all().delete()
    made = RegistrationDay.objects.bulk_create([
        RegistrationDay(day=r["day"], org_id=r["registered_org_id"], n=r["n"], collective=r["collective"],
                        collective_persons=r["collective_persons"] or 0, skip=r["skip"])
        for r in rows], batch_size=2000)
    class_first = today - timedelta(days=CLASS_DAYS_KEPT)
    cases = (Case.objects.exclude(status=VOIDED)
             .filter(registered_at__gte=aware_midnight(class_first), registered_at__lt=aware_midnight(today))
             .annotate(day=TruncDate("registered_at")))
    RegistrationDayClass.objects.all().delete()
    for kind, column in ((RegistrationDayClass.CHANNEL, "channel"), (RegistrationDayClass.PROBLEM, "problem_id")):
        rows = cases.values("day", "registered_org_id", column).annotate(n=Count("pk")).order_by()
        RegistrationDayClass.objects.bulk_create([
            RegistrationDayClass(day=r["day"], org_id=r["registered_org_id"], kind=kind, n=r["n"],
                                 **{column: r[column]}) for r in rows.iterator(chunk_size=5000)], batch_size=5000)
    if build is None:
        RegistrationDayBuild.objects.create(first_day=first, last_day=last, class_first_day=class_first,
                                            built_at=clock.now())
    else:
        build.first_day, build.last_day, build.class_first_day, build.built_at = first, last, class_first, clock.now()
        build.save()
    return len(made)


def snapshots_refresh(j, today):
    """Store the jurisdiction's late units and repeat matters of today (``CockpitSnapshot``)."""
    rows, totals = late_units_live(j, today)
    groups, total = repeat_groups_live(j, today)
    now = clock.now()
    with transaction.atomic():
        CockpitSnapshot.objects.update_or_create(org=j.org, kind=LATE_UNITS, defaults={
            "computed_at": now, "data": {"rows": [[r.org_id, r.name, r.overdue, r.soon] for r in rows],
                                         "totals": totals}})
        CockpitSnapshot.objects.update_or_create(org=j.org, kind=REPEAT_MATTERS, defaults={
            "computed_at": now, "data": {"groups": [[pk, n, last.isoformat()] for pk, n, last in groups],
                                         "total": total}})
    return {r.org_id: r.overdue for r in rows if r.overdue}
