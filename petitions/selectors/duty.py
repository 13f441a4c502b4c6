"""The duty roster (值班表) and who is on duty: the reads behind the alerts of 重大、紧急 matters
(``petitions.services.urgent``) and the roster page.

Levels are governments (州, 县/市, 乡/镇). A shift or a user belongs to a level when it acts for
it: the level's own units and its petition bureau (``accounts.selectors.users_acting_for``).
"""
from django.db.models import Q

from accounts.models import OrgKind, OrgUnit, User
from accounts.selectors import users_acting_for
from petitions.models import DutyShift
from petitions.selectors.orgs import level_of
from petitions.workflow import INSTRUCT, SUPERVISE, TRIAGE

# Who may be on duty, and who keeps a level's roster.
DUTY_PERMS = (INSTRUCT, TRIAGE, SUPERVISE)
ROSTER_PERMS = (INSTRUCT, TRIAGE)


def case_levels(case):
    """[this level, the level above] of a case: the government of its holding bureau and its parent
    (only the first at the top of the tree)."""
    level = level_of(case.holder_org or case.registered_org)
    levels = [level] if level is not None else []
    if level is not None and level.parent_id is not None:
        levels.append(level_of(level.parent))
    return levels


def level_orgs(level):
    """The organizations acting for ``level``: the level itself and its bureau."""
    return OrgUnit.objects.filter(Q(pk=level.pk) | Q(parent_id=level.pk, kind=OrgKind.BUREAU))


def on_duty(level, at):
    """Active users on the roster of ``level`` at the moment ``at``."""
    user_ids = DutyShift.objects.filter(org__in=level_orgs(level), starts_at__lte=at, ends_at__gt=at).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True, is_locked=False).select_related("organization")


def roster_levels(user):
    """The levels whose roster ``user`` keeps: his own government's, if he is one of its leaders or
    triage officers."""
    if not user.is_authenticated or not any(user.has_perm(p) for p in ROSTER_PERMS):
        return []
    level = level_of(user.organization) if user.organization else None
    return [level] if level is not None else []


def roster_candidates(level):
    """Who may be put on the roster of ``level``: its active leaders, triage officers and supervisors."""
    return users_acting_for([level], DUTY_PERMS).select_related("organization").order_by("username")


def roster_shifts(level, *, start, end):
    """The shifts of ``level`` overlapping ``start``..``end``, in time order."""
    return (DutyShift.objects.filter(org__in=level_orgs(level), starts_at__lt=end, ends_at__gt=start)
            .select_related("user", "org").order_by("starts_at", "id"))


def shift_get_for_roster(user, pk):
    """The shift ``pk`` if it belongs to a roster ``user`` keeps, else None."""
    levels = roster_levels(user)
    if not levels:
        return None
    return DutyShift.objects.filter(pk=pk, org__in=level_orgs(levels[0])).select_related("user").first()
