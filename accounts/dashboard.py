"""What the home page shows each role. Case counts come from the petitions selectors when
that app provides them (``petitions.selectors.home_widgets``)."""
from django.utils.translation import gettext as _


def home_context(user):
    widgets = []
    try:
        from petitions.selectors import home_widgets
    except ImportError:  # petitions not installed in a trimmed deployment
        home_widgets = None
    if home_widgets is not None:
        widgets = home_widgets(user)
    reminders = user.reminders.filter(is_read=False)[:10]
    roles = [g.name for g in user.groups.all()]
    return {"widgets": widgets, "reminders": reminders, "roles": roles, "page_title": _("首页")}
