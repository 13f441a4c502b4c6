"""领导包案 reads: the charges of a case, the leaders who may take one, the jurisdiction's count."""
from django.http import Http404

from accounts.selectors import perm_q, user_visible_qs
from petitions.models import Case
from petitions.selectors import case_get_visible, case_visible_qs, scope_q

from cockpit.models import LeaderCharge

LEADER_PERM = "petitions.instruct_case"


def charges_of_case(case):
    return list(LeaderCharge.objects.filter(case=case).select_related("leader", "assigned_by", "ended_by")
                .order_by("-created_at", "-id"))


def charge_get_visible(user, pk):
    """(charge, its case) when ``user`` may see the case; Http404 otherwise, as for a missing charge."""
    charge = LeaderCharge.objects.filter(pk=pk).first()
    if charge is None:
        raise Http404
    return charge, case_get_visible(user, charge.case_id)


def open_charge(case):
    return LeaderCharge.objects.filter(case=case, ended_at=None).select_related("leader").first()


def leader_choices(actor):
    """Leaders the actor may put in charge: active users of his jurisdiction holding the leader's
    right (himself included)."""
    return (user_visible_qs(actor).filter(is_active=True, is_locked=False).filter(perm_q((LEADER_PERM,)))
            .distinct().order_by("organization__path", "username"))


def can_charge(user, case, *, visible=None):
    """A leader may set or end a 包案 on a case he can see (``visible``: when the caller knows)."""
    if not user.has_perm(LEADER_PERM):
        return False
    return case_visible_qs(user).filter(pk=case.pk).exists() if visible is None else visible


def open_charges_count(j):
    """Open charges on cases of the jurisdiction (registered in it or assigned into it)."""
    return LeaderCharge.objects.filter(ended_at=None, case__in=Case.objects.filter(scope_q(j.org.path))).count()


def open_charges(j, *, limit=50):
    cases = case_visible_qs(j.user, Case.objects.filter(scope_q(j.org.path)))
    return list(LeaderCharge.objects.filter(ended_at=None, case__in=cases)
                .select_related("case", "case__problem", "leader").order_by("since", "id")[:limit])
