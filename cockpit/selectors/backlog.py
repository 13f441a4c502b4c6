"""积案 and repeat matters (docs/cockpit.md §4): matters, never persons.

A *matter* is a first case and the repeat petitions linked to it (``Case.first_case``). Two lists:

- 超期未结: open cases of the jurisdiction past their binding deadline, longest overdue first;
- 重复信访: matters petitioned again and again — at least ``REPEAT_MIN`` petitions (the first
  case and its repeats) of which at least one was registered in the last ``REPEAT_DAYS`` days,
  most petitions first.

Both count the jurisdiction's cases as the statistics do and then show only what the user may open
(``case_visible_qs``); each row names the 责任单位, the units handling it now and its 包案领导.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils.dateparse import parse_datetime

from petitions.models import Assignment, AssignmentStatus, Case
from petitions.selectors import case_visible_qs, scope_q
from petitions.workflow import OPEN_STATUSES
from reports.selectors import aware_midnight

from cockpit.selectors.states import RESPONSIBLE_RELATED, VOIDED, responsible_name
from cockpit.models import LeaderCharge
from cockpit.selectors.deadlines import late_units
from cockpit.selectors.scope import cases_url
from cockpit.selectors.snapshots import REPEAT_MATTERS, todays_snapshot

REPEAT_MIN = 3
REPEAT_DAYS = 365
OPEN_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)


@dataclass
class Matter:
    case: Case  # the first case of the matter
    petitions: int = 1
    last_at: object = None
    overdue_days: int = None
    open_case: Case = None  # the matter's open case past its deadline (积案), if any
    handlers: list = field(default_factory=list)
    charge: LeaderCharge = None
    url: str = ""

    @property
    def responsible(self):
        return responsible_name(self.case)

    @property
    def age_days(self):
        return self._age

    def set_age(self, today):
        self._age = (today - self.case.registered_at.date()).days if self.case.registered_at else None


def _decorate(matters, today):
    """Handling units (open assignments) and open 包案 of each row's case, in two queries."""
    ids = [m.open_case.pk if m.open_case else m.case.pk for m in matters]
    handlers = defaultdict(list)
    for case_id, name in Assignment.objects.filter(case_id__in=ids, status__in=OPEN_ASSIGNMENT).values_list(
            "case_id", "org__name").order_by("id"):
        handlers[case_id].append(name)
    charges = {}
    for charge in LeaderCharge.objects.filter(ended_at=None).filter(
            Q(case_id__in=ids) | Q(case_id__in=[m.case.pk for m in matters])).select_related("leader"):
        charges[charge.case_id] = charge
    for m in matters:
        key = m.open_case.pk if m.open_case else m.case.pk
        m.handlers = handlers.get(key, [])
        m.charge = charges.get(key) or charges.get(m.case.pk)
        m.set_age(today)
    return matters


ROW_RELATED = ("problem", "registered_org", *RESPONSIBLE_RELATED)


def overdue_matters(j, today, *, limit=30):
    """Open cases of the jurisdiction past their deadline, longest overdue first (the user's
    visible ones), with the number overdue in all (counted, confidential ones included)."""
    base = Case.objects.filter(scope_q(j.org.path), status__in=sorted(OPEN_STATUSES), current_due__lt=today)
    total = late_units(j, today, limit=0)[1]["overdue"]  # the day's snapshot, or counted now
    visible = case_visible_qs(j.user, base).select_related(*ROW_RELATED).order_by("current_due", "id")[:limit]
    rows = list(visible)
    root_ids = {c.first_case_id or c.pk for c in rows}
    petitions = dict(Case.objects.filter(Q(first_case_id__in=root_ids)).exclude(status=VOIDED)
                     .values("first_case_id").annotate(n=Count("pk")).values_list("first_case_id", "n"))
    matters = []
    for c in rows:
        root = c.first_case_id or c.pk
        matters.append(Matter(case=c, open_case=c, petitions=1 + petitions.get(root, 0),
                              overdue_days=(today - c.current_due).days,
                              url=c.get_absolute_url()))
    return _decorate(matters, today), total


REPEAT_KEPT = 120  # matters a snapshot keeps (the page lists the first 30 the user may open)


def repeat_groups_live(j, today, *, min_petitions=REPEAT_MIN, days=REPEAT_DAYS):
    """``([(first case id, repeats, last registration)], total)``: the matters of the jurisdiction
    with at least ``min_petitions`` petitions, one in the last ``days`` days, most petitions first
    (the first ``REPEAT_KEPT``). It reads every repeat of the jurisdiction, so the hourly scan
    stores it and the page reads the snapshot."""
    since = aware_midnight(today - timedelta(days=days))
    groups = (Case.objects.filter(registered_path__startswith=j.org.path, is_repeat=True,
                                  first_case__isnull=False).exclude(status=VOIDED)
              .values("first_case_id").annotate(n=Count("pk"), last=Max("registered_at"))
              .filter(last__gte=since, n__gte=min_petitions - 1).order_by("-n", "-last"))
    top = [(g["first_case_id"], g["n"], g["last"]) for g in groups[:REPEAT_KEPT]]
    total = groups.count() if len(top) >= REPEAT_KEPT else len(top)
    return top, total


def repeat_matters(j, today, *, limit=30):
    """Matters petitioned again and again (``repeat_groups_live``, or the day's snapshot of it),
    listed where the user may open the first case."""
    snap = todays_snapshot(j, REPEAT_MATTERS, today)
    if snap is None:
        top, total = repeat_groups_live(j, today)
    else:
        top = [(pk, n, parse_datetime(last)) for pk, n, last in snap.data["groups"]]
        total = snap.data["total"]
    by_root = {pk: {"first_case_id": pk, "n": n, "last": last} for pk, n, last in top}
    visible = {c.pk: c for c in case_visible_qs(j.user).filter(pk__in=list(by_root)).select_related(*ROW_RELATED)}
    open_late = {}
    for c in Case.objects.filter(Q(pk__in=list(by_root)) | Q(first_case_id__in=list(by_root)),
                                 status__in=sorted(OPEN_STATUSES), current_due__lt=today).order_by("current_due"):
        open_late.setdefault(c.first_case_id or c.pk, c)
    matters = []
    for g in by_root.values():
        case = visible.get(g["first_case_id"])
        if case is None:
            continue
        late = open_late.get(case.pk)
        matters.append(Matter(case=case, petitions=1 + g["n"], last_at=g["last"], open_case=late,
                              overdue_days=(today - late.current_due).days if late else None,
                              url=cases_url(matter=case.pk)))
        if len(matters) >= limit:
            break
    return _decorate(matters, today), total
