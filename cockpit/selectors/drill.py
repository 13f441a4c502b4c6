"""The list behind a cockpit figure: ``case_visible_qs`` filtered as the figure counted.

Registration figures count the jurisdiction's cases by registering organization; their list is
the same filter on the cases the user may open, so it can be shorter than the figure by the
confidential cases he holds no grant for (the page says so). Deadline figures list open cases of
the jurisdiction (registered in or assigned into it); the handler's and the pool's lists start
from his own assignments and his pool.
"""
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q

from accounts.selectors import jurisdiction_path
from petitions.domain.deadlines import DUE_SOON_DAYS
from petitions.models import Assignment, Case
from petitions.selectors import case_visible_qs, pool_qs, scope_q
from petitions.workflow import OPEN_STATUSES
from reports.selectors import COLLECTIVE_Q, SKIP_Q, VISIT_LIKE_Q, VISIT_Q, aware_midnight, descendant_ids

from cockpit.selectors.states import RESPONSIBLE_RELATED, VOIDED
from cockpit.models import LeaderCharge, TextCluster, Warning
from cockpit.selectors.deadlines import OPEN_ASSIGNMENT, POOL_AGES, due_bucket_q, own_open_assignments
from cockpit.selectors.series import channel_group_of
from cockpit.selectors.scope import jurisdiction_for


def drill_qs(user, f, today):
    """Cases matching the filter ``f`` (a ``DrillForm``'s cleaned data) that ``user`` may open."""
    j = jurisdiction_for(user)
    prefix = j.org.path if j is not None else jurisdiction_path(user)
    if prefix is None:
        return Case.objects.none()
    if f.get("mine"):
        own = own_open_assignments(user)
        if f.get("due"):
            own = own.filter(due_bucket_q(f["due"], today))
        qs = case_visible_qs(user).filter(pk__in=own.values("case_id"))
    elif f.get("pool"):
        qs = pool_qs(user)
        age = f.get("age")
        for key, _label, low, high in POOL_AGES:
            if key == age:
                qs = qs.filter(registered_at__lt=aware_midnight(today - timedelta(days=low - 1)))
                if high is not None:
                    qs = qs.filter(registered_at__gte=aware_midnight(today - timedelta(days=high)))
    else:
        qs = case_visible_qs(user).exclude(status=VOIDED)
        if f.get("state") or f.get("unit") or f.get("charged") or f.get("matter"):
            qs = qs.filter(scope_q(prefix))  # open work of the jurisdiction, wherever registered
        else:
            qs = qs.filter(registered_path__startswith=prefix)  # registration figures
    if f.get("from"):
        qs = qs.filter(registered_at__gte=aware_midnight(f["from"]))
    if f.get("to"):
        qs = qs.filter(registered_at__lt=aware_midnight(f["to"] + timedelta(days=1)))
    area = f.get("area")
    if area and j is not None and area in j.area_by_key:
        if f.get("self"):
            qs = qs.filter(registered_org_id__in=j.area_org_ids(area))
        else:
            qs = qs.filter(registered_path__startswith=area)
    if f.get("channel"):
        channels = [c for c, g in channel_group_of().items() if g == f["channel"]]
        qs = qs.filter(channel__in=channels) if channels else qs.exclude(channel__in=list(channel_group_of()))
    if f.get("problem"):
        qs = qs.filter(problem_id__in=descendant_ids(f["problem"]))
    if f.get("collective"):
        qs = qs.filter(VISIT_Q & COLLECTIVE_Q)
    if f.get("skip"):
        qs = qs.filter(VISIT_LIKE_Q & SKIP_Q)
    state = f.get("state")
    if state:
        qs = qs.filter(status__in=sorted(OPEN_STATUSES))
        if state == "overdue":
            qs = qs.filter(current_due__lt=today)
        elif state == "soon":
            qs = qs.filter(current_due__gte=today, current_due__lte=today + timedelta(days=DUE_SOON_DAYS))
    if f.get("unit"):
        # As ``late_units`` attributes a case: its open assignments inside the jurisdiction, or
        # the organization holding it when it has none.
        unit = f["unit"]
        open_here = Assignment.objects.filter(case=OuterRef("pk"), status__in=OPEN_ASSIGNMENT,
                                              org_path__startswith=prefix)
        qs = qs.filter(Exists(open_here.filter(org_id=unit.pk)) | (Q(holder_org_id=unit.pk) & ~Exists(open_here)))
    if f.get("charged"):
        qs = qs.filter(pk__in=LeaderCharge.objects.filter(ended_at=None).values("case_id"))
    if f.get("matter"):
        root = f["matter"].pk
        qs = qs.filter(Q(pk=root) | Q(first_case_id=root))
    if f.get("cluster"):
        cluster = TextCluster.objects.filter(pk=f["cluster"].pk, org=j.org if j else None).first()
        qs = qs.filter(pk__in=list(cluster.cases.values_list("pk", flat=True))) if cluster else qs.none()
    if f.get("warning"):
        warning = Warning.objects.filter(pk=f["warning"].pk, org=j.org if j else None).first()
        ids = (warning.detail or {}).get("cases") if warning else None
        qs = qs.filter(pk__in=ids) if ids else qs.none()
    return qs


def drill_rows(ids):
    """The page's rows with what the list shows (one query)."""
    from petitions.lib.paging import in_id_order

    return in_id_order(Case.objects.select_related("problem", "registered_org", "holder_org", *RESPONSIBLE_RELATED), ids)
