"""Due-date labels shown wherever a case is listed (DESIGN.md §4: 即将到期 / 已超期)."""
from django.utils.translation import gettext_lazy as _

from . import clock
from .workflow import OPEN_STATUSES

DUE_SOON_DAYS = 3

OVERDUE = "overdue"
DUE_SOON = "due-soon"
LABELS = {OVERDUE: _("已超期"), DUE_SOON: _("即将到期")}


def due_state(case, today=None):
    """``"overdue"`` past the current deadline, ``"due-soon"`` within 3 days of it, else ``""``.

    Only open cases have a running deadline; the values double as CSS classes."""
    if case.status not in OPEN_STATUSES or case.current_due is None:
        return ""
    today = today or clock.today()
    if case.current_due < today:
        return OVERDUE
    if (case.current_due - today).days <= DUE_SOON_DAYS:
        return DUE_SOON
    return ""
