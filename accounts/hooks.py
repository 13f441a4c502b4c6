"""Extension points: how the apps above ``accounts`` add to what it shows and does.

``accounts`` is the bottom app (organizations, users, roles, login, audit) and imports no other
project app. The menu, the cards and panels of the home page, the base data seeded after
``migrate``, the demo data and the kinds of notification are therefore assembled from what
each app registers here in its ``AppConfig.ready()``, the way Wagtail's hooks work:

    from accounts import hooks
    hooks.register_nav(hooks.NavItem(_("分流池"), "petitions:pool", ("petitions.triage_case",), order=40))
    hooks.register(hooks.HOME_WIDGETS, pool_widget, order=10)

A hook is a name and an ordered list of callables (or, for the menu, ``NavItem`` values). The
registry is filled once at start-up; nothing registers at request time.
"""
from collections import defaultdict
from dataclasses import dataclass, field

HOME_WIDGETS = "home_widgets"  # fn(user) -> {label, count, url, alert} or None
HOME_PANELS = "home_panels"  # fn(user) -> dict merged into the home page context
HOME_SECTIONS = "home_sections"  # fn(request) -> HTML of a section of the home page ("" for none)
BASE_DATA = "base_data"  # fn() after migrate: reference data every installation needs
DEMO_DATA = "demo_data"  # fn() -> {name: rows created}; only `manage.py load_demo` calls it
SEARCH_EXPORT = "search_export"  # fn(request, *, query, form, kind, title) -> the Excel response
CASE_EXPORT = "case_export"  # fn(request, case) -> the Excel response of one case
CASE_PANELS = "case_panels"  # fn(request, case) -> HTML of a panel of the case page ("" for none)
ACTION_FORM_EXTRAS = "action_form_extras"  # fn(request, case, action) -> HTML added to an action's form
ACTION_DONE = "action_done"  # fn(request, case, action) after the action committed (messages, follow-ups)
CASE_EVENT = "case_event"  # fn(event) inside the step's transaction, after each trail entry is written
# fn(case_ids) as the last step of every transaction that wrote cases (after their audit rows): figures
# kept from the case rows catch up in the same transaction (the statistics aggregates, docs/reports.md §8)
CASES_CHANGED = "cases_changed"
# Objects carrying an app's rows of a trail entry between instances (petitions/services/instance_outbox.py,
# docs/architecture.md §6.2): ``actions``, ``export(event, key_of)``, ``apply(...)``
EXCHANGE_HANDLERS = "exchange_handlers"

_hooks = defaultdict(list)


def register(name, fn, *, order=100):
    """Add ``fn`` to the hook ``name``; lower ``order`` comes first, ties in registration order."""
    if fn not in [f for _, f in _hooks[name]]:
        _hooks[name].append((order, fn))
        _hooks[name].sort(key=lambda pair: pair[0])
    return fn


def get_hooks(name):
    """The callables registered under ``name``, in order."""
    return [fn for _, fn in _hooks[name]]


# --- the menu --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NavItem:
    """One menu entry: shown to users holding any of ``perms`` (everyone when empty)."""

    label: str
    url_name: str
    perms: tuple = ()
    order: int = 100


_nav = []


def register_nav(*items):
    for item in items:
        if item.url_name not in {i.url_name for i in _nav}:
            _nav.append(item)
    _nav.sort(key=lambda i: i.order)


def nav_items():
    return list(_nav)


# --- notification kinds ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NotificationKind:
    """A kind of workflow notification (``Reminder.topic``).

    ``actionable`` kinds ask the user to do something (请批示, 新交办件, 延期待审批); the app that
    sends them also clears them when the work is done, so only informational kinds need
    "标为已读"."""

    key: str
    label: str
    actionable: bool = False
    meta: dict = field(default_factory=dict)


_kinds = {}


def register_notification_kind(kind):
    _kinds[kind.key] = kind
    return kind


def notification_kind(key):
    return _kinds.get(key)


def notification_kinds():
    return dict(_kinds)
