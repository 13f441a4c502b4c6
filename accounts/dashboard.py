"""What the home page shows each role. Case counts come from the petitions selectors when
that app provides them (``petitions.selectors.home_widgets``)."""
from django.utils import timezone
from django.utils.translation import gettext as _

from .reminders import home_items


def home_context(user):
    widgets = []
    try:
        from petitions.selectors import home_widgets
    except ImportError:  # petitions not installed in a trimmed deployment
        home_widgets = None
    if home_widgets is not None:
        widgets = home_widgets(user)
    notices = []
    try:
        from bulletin.selectors import latest_notices
    except ImportError:  # bulletin not installed in a trimmed deployment
        latest_notices = None
    if latest_notices is not None:
        notices = latest_notices(user)
    today = timezone.localdate()
    tasks, reminders = home_items(user, today=today)
    roles = [g.name for g in user.groups.all()]
    return {"widgets": widgets, "tasks": tasks, "reminders": reminders, "notices": notices, "roles": roles,
            "page_title": _("首页")}
