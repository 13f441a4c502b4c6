"""Home-page cards, one small function per card, each deciding for itself whether the user
gets it: ``fn(user) -> {label, count, url, alert}`` or None. ``petitions/hooks.py`` registers
them (in ``WIDGETS`` order) into ``accounts.hooks.HOME_WIDGETS``.

The pool card always shows; a workflow card appears only when there is work waiting (count > 0),
so the home page of a user with an empty queue stays quiet."""
from django.urls import reverse
from django.utils.translation import gettext as _

from petitions import clock
from petitions.lib.paging import capped, sum_counts
from petitions.models import AssignmentStatus
from petitions.selectors import queues
from petitions.selectors.pool import pool_qs
from petitions.selectors.visibility import own_assignments_qs


def pool_widget(user):
    """分流池: cases waiting to be routed; red when one of them is past its deadline."""
    if not (user.has_perm("petitions.triage_case") or user.has_perm("petitions.register_case")):
        return None
    qs = pool_qs(user)
    # Capped like the pool page itself ("1000+"): an exact figure read every case of the pool.
    return {"label": _("分流池"), "count": capped(qs), "url": reverse("petitions:pool"),
            "alert": qs.filter(current_due__lt=clock.today()).exists()}


def inbox_widget(user):
    """我的信访: assignments waiting for acceptance; red when one is past its deadline."""
    if not user.has_perm("petitions.handle_case"):
        return None
    pending = own_assignments_qs(user).filter(status=AssignmentStatus.PENDING)
    count = capped(pending)
    if not count:
        return None
    return {"label": _("待受理"), "count": count, "url": reverse("petitions:inbox"),
            "alert": pending.filter(acceptance_due__lt=clock.today()).exists()}


def leader_widget(user):
    """待批示: cases reported to the leader."""
    if not user.has_perm("petitions.instruct_case"):
        return None
    pending = queues.leader_pending(user)
    count = capped(pending)
    if not count:
        return None
    return {"label": _("待批示"), "count": count, "url": reverse("petitions:leader"),
            "alert": pending.filter(current_due__lt=clock.today()).exists()}


def review_widget(user):
    """审核办理: results and extension requests waiting for the assigning bureau."""
    if not user.has_perm("petitions.triage_case"):
        return None
    counts = queues.review_counts(user)
    total = sum_counts(counts.values())
    if not total:
        return None
    return {"label": _("待审核/待审批"), "count": total, "url": reverse("petitions:review_queue"), "alert": False}


def supervision_widget(user):
    """督查督办: overdue or supervised open cases in the jurisdiction."""
    if not user.has_perm("petitions.supervise_case"):
        return None
    count = capped(queues.attention_cases(user))
    if not count:
        return None
    return {"label": _("督办及超期"), "count": count, "url": reverse("petitions:supervision"), "alert": True}


WIDGETS = [pool_widget, inbox_widget, leader_widget, review_widget, supervision_widget]


def widgets_for(user):
    """List of {label, count, url, alert} for the home page, in ``WIDGETS`` order."""
    if not user.is_authenticated:
        return []
    return [card for card in (widget(user) for widget in WIDGETS) if card is not None]
