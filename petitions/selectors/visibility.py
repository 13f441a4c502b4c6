"""Case visibility: the one place that decides which cases a user may see (docs/architecture.md §2).

Every list, search, report, export, attachment download and detail page starts from
``case_visible_qs``; a case outside it is a 404 whether it is missing or forbidden.
"""
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from accounts.selectors import acting_org_ids, jurisdiction_path

from petitions.models import Assignment, Case, CaseUserObjectPermission
from petitions.workflow import Status

BUSINESS_PERMS = (
    "petitions.register_case", "petitions.triage_case", "petitions.instruct_case", "petitions.supervise_case",
    "petitions.handle_case", "reports.view_statistics",
)


def has_case_access(user):
    """Business roles only: system administrators and auditors see no case content."""
    if not user.is_authenticated:
        return False
    perms = user.get_all_permissions()
    return any(p in perms for p in BUSINESS_PERMS)


def _granted_case_ids(user):
    return CaseUserObjectPermission.objects.filter(
        user=user, permission__codename="view_case"
    ).values("content_object_id")


def scope_q(prefix):
    """Cases registered in, or assigned into, the subtree at ``prefix``."""
    assigned = Assignment.objects.filter(case=OuterRef("pk"), org_path__startswith=prefix)
    return Q(registered_path__startswith=prefix) | Q(Exists(assigned))


def case_visible_qs(user, qs=None):
    """Cases the user may see.

    - bureau users: everything registered in or assigned into their government's subtree;
    - department and township users: what is registered by or assigned to their unit's subtree;
    - leaders additionally what was reported to them;
    - confidential cases only through a per-case guardian grant (never by scope);
    - administrators and auditors: nothing.
    """
    qs = Case.objects.all() if qs is None else qs
    if not has_case_access(user):
        return qs.none()
    prefix = jurisdiction_path(user)
    granted = Q(pk__in=_granted_case_ids(user))
    if prefix is None:
        return qs.filter(granted)
    in_scope = scope_q(prefix)
    if user.has_perm("petitions.instruct_case"):
        in_scope |= Q(reported_leader=user)
    return qs.filter((in_scope & Q(is_confidential=False)) | granted)


def own_assignments_qs(user, qs=None):
    """Assignments to the organizations the user acts for, on cases he may see.

    Equal to ``Assignment.objects.filter(org_id__in=acting_org_ids(user),
    case__in=case_visible_qs(user))`` but cheap at any size: an assignment to one of the user's
    own organizations lies inside his jurisdiction subtree by construction (his own unit, or
    for a bureau the government it serves, are both under ``jurisdiction_path``), so of
    ``case_visible_qs`` only the confidentiality rule is left to check. The equivalence is
    asserted for every demo user in tests/petitions/test_queues_scale.py.

    The confidentiality rule is written as "not one of the confidential cases he holds no grant
    for" rather than "case not confidential, or granted": the same rows, but the assignment's
    own ``case_id`` decides, so a count or a page of a tab is an index-only scan of its partial
    index with the few confidential ids hashed once (``case_confidential`` index), instead of a
    lookup of every counted assignment's case (docs/performance.md §14).
    """
    qs = Assignment.objects.all() if qs is None else qs
    org_ids = acting_org_ids(user)
    if not has_case_access(user) or not org_ids or jurisdiction_path(user) is None:
        return qs.none()
    hidden = Case.objects.filter(pk=OuterRef("case_id"), is_confidential=True).exclude(pk__in=_granted_case_ids(user))
    return qs.filter(org_id__in=org_ids).exclude(Exists(hidden))


def case_get_visible(user, pk, qs=None):
    """One visible case or Http404 (no difference between missing and forbidden)."""
    try:
        return case_visible_qs(user, qs).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404


STATISTICS_PERMISSION = "reports.view_statistics"


def case_statistics_qs(user, org, *, org_ids=None):
    """Cases registered in the subtree of ``org`` that ``user`` may *count* (statistics, KPIs).

    Counting is not reading: confidential cases are counted too (numbers only, no content or
    identity leaves the statistics), since a report that left out 检举控告 would under-report to
    the level above. Allowed to holders of ``reports.view_statistics`` whose jurisdiction covers
    ``org``; everyone else gets nothing. ``org_ids`` (the subtree's ids, when the caller has
    them) lets the statistics index answer without a join to the organization table.
    """
    prefix = jurisdiction_path(user)
    if (not user.is_authenticated or not user.has_perm(STATISTICS_PERMISSION) or prefix is None
            or not org.path.startswith(prefix)):
        return Case.objects.none()
    # A voided registration (作废) is not a petition: it counts nowhere.
    if org_ids is None:
        return Case.objects.filter(registered_path__startswith=org.path).exclude(status=Status.VOIDED)
    return Case.objects.filter(registered_org_id__in=org_ids).exclude(status=Status.VOIDED)
