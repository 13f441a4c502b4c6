"""Home-page cards (``widgets_for``): one small function per card, each deciding for itself
whether the user gets it. Add a card by appending a function to ``WIDGETS``."""
from django.urls import reverse
from django.utils.translation import gettext as _

from . import clock
from .pool import pool_qs


def pool_widget(user):
    """分流池: cases waiting to be routed; red when one of them is past its deadline."""
    if not (user.has_perm("petitions.triage_case") or user.has_perm("petitions.register_case")):
        return None
    qs = pool_qs(user)
    return {"label": _("分流池"), "count": qs.count(), "url": reverse("petitions:pool"),
            "alert": qs.filter(current_due__lt=clock.today()).exists()}


WIDGETS = [pool_widget]

from .dashboard_workflow import WORKFLOW_WIDGETS  # noqa: E402 (workflow cards, after the pool)

WIDGETS += WORKFLOW_WIDGETS


def widgets_for(user):
    """List of {label, count, url, alert} for the home page, in ``WIDGETS`` order."""
    if not user.is_authenticated:
        return []
    return [card for card in (widget(user) for widget in WIDGETS) if card is not None]
