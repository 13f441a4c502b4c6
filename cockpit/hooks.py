"""What the cockpit adds to the menu, the home page, the case page, the trail and the
notifications (``accounts.hooks``); called once from ``CockpitConfig.ready``."""
from django.utils.translation import gettext_lazy as _

from accounts import hooks

COCKPIT_READERS = ("reports.view_statistics", "petitions.triage_case", "petitions.handle_case")


def _demo_scan():
    """The demo's first scan (its KPI trend and aggregates); a later ``load_demo`` leaves it to cron."""
    from cockpit.models import RegistrationDayBuild
    from cockpit.services.warnings import warnings_scan

    if RegistrationDayBuild.objects.exists():
        return {"cockpit scan": 0}
    return {"cockpit scan": warnings_scan()["jurisdictions"]}


def register():
    from cockpit import views
    from cockpit.services.charges import CHARGE_TOPIC
    from cockpit.services.warnings import WARNING_TOPIC, collective_check

    hooks.register_nav(hooks.NavItem(_("态势研判"), "cockpit:index", COCKPIT_READERS, order=8))
    hooks.register(hooks.HOME_SECTIONS, views.home_section, order=10)
    hooks.register(hooks.CASE_PANELS, views.case_panel, order=20)
    hooks.register(hooks.CASE_EVENT, collective_check, order=20)
    hooks.register_notification_kind(hooks.NotificationKind(WARNING_TOPIC, _("预警"), actionable=True))
    hooks.register_notification_kind(hooks.NotificationKind(CHARGE_TOPIC, _("领导包案"), actionable=False))
    hooks.register(hooks.DEMO_DATA, _demo_scan, order=90)
