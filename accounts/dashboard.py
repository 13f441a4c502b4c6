"""What the home page shows each role: the cards and panels the apps register
(``accounts.hooks.HOME_WIDGETS`` / ``HOME_PANELS``), the sections they render themselves
(``HOME_SECTIONS``: the cockpit of the user's roles), the user's tasks and reminders."""
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.reminders import home_items


def home_context(user, request=None):
    widgets = [card for card in (widget(user) for widget in hooks.get_hooks(hooks.HOME_WIDGETS)) if card]
    context = {"notices": []}
    for panel in hooks.get_hooks(hooks.HOME_PANELS):
        context.update(panel(user))
    sections = [html for html in (section(request) for section in hooks.get_hooks(hooks.HOME_SECTIONS))
                if html] if request is not None else []
    tasks, reminders = home_items(user, today=timezone.localdate())
    roles = [g.name for g in user.groups.all()]
    context.update({"widgets": widgets, "sections": sections, "tasks": tasks, "reminders": reminders, "roles": roles,
                    "page_title": _("首页")})
    return context
