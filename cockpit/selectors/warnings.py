"""Warning thresholds and warnings of a jurisdiction."""
from django.http import Http404

from accounts.selectors import users_acting_for
from reports.selectors import statistics_root

from cockpit.domain.rules import DEFAULTS
from cockpit.models import Warning, WarningKind, WarningRule

LEADER_PERM = "petitions.instruct_case"
STAT_PERM = "reports.view_statistics"


def effective_rules(org):
    """``{kind: {"threshold", "enabled", "custom"}}`` for every warning kind of ``org``."""
    rows = {r.kind: r for r in WarningRule.objects.filter(org=org)}
    out = {}
    for kind in WarningKind.values:
        row = rows.get(kind)
        out[kind] = {"threshold": row.threshold if row else DEFAULTS[kind], "enabled": row.enabled if row else True,
                     "custom": row is not None, "label": WarningKind(kind).label}
    return out


def rules_for_orgs(orgs, kind):
    """``{org id: (threshold, enabled)}`` of one kind for several organizations, one query."""
    rows = {r.org_id: (r.threshold, r.enabled) for r in WarningRule.objects.filter(org__in=orgs, kind=kind)}
    return {o.pk: rows.get(o.pk, (DEFAULTS[kind], True)) for o in orgs}


def can_manage_warnings(user, org):
    """Leaders and statisticians of the jurisdiction set its thresholds and acknowledge its warnings."""
    if not (user.has_perm(LEADER_PERM) or user.has_perm(STAT_PERM)):
        return False
    root = statistics_root(user)
    return root is not None and root.pk == org.pk


def leaders_of(org):
    """The users warned for ``org``: its leaders (acting for it, holding the leader's right)."""
    return users_acting_for([org], perms=(LEADER_PERM,))


def can_see_warnings(user):
    return (user.has_perm(LEADER_PERM) or user.has_perm(STAT_PERM)) and statistics_root(user) is not None


def warnings_qs(user):
    """Warnings of the user's jurisdiction (its leaders and statisticians see them)."""
    if not can_see_warnings(user):
        return Warning.objects.none()
    return Warning.objects.filter(org=statistics_root(user))


def open_warnings(user, *, limit=None):
    qs = warnings_qs(user).filter(acknowledged_at=None).select_related("area", "problem", "unit", "case")
    return list(qs[:limit] if limit else qs)


def warning_get_visible(user, pk):
    try:
        return warnings_qs(user).select_related("acknowledged_by", "area", "problem", "unit", "case").get(pk=pk)
    except (Warning.DoesNotExist, ValueError, TypeError):
        raise Http404
