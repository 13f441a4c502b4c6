"""What the petitions app adds to the menu, the home page, the base data and the demo data
(``accounts.hooks``); called once from ``PetitionsConfig.ready``."""
from django.utils.translation import gettext_lazy as _

from accounts import hooks

CASE_READERS = ("petitions.register_case", "petitions.triage_case", "petitions.instruct_case",
                "petitions.supervise_case", "petitions.handle_case", "reports.view_statistics")


def _seed_dictionaries():
    from django.apps import apps

    from petitions.seed import seed_dictionaries

    seed_dictionaries(apps.get_model("petitions", "DictEntry"))


def _demo_cases():
    from petitions.demo import load_demo_cases

    return {"cases": load_demo_cases()}


def register():
    from petitions.selectors import dashboards
    from petitions.services import notify

    hooks.register_nav(
        hooks.NavItem(_("来访登记"), "petitions:register_visit", ("petitions.register_case",), order=20),
        hooks.NavItem(_("来信登记"), "petitions:register_letter", ("petitions.register_case",), order=21),
        hooks.NavItem(_("上级交办"), "petitions:register_referral", ("petitions.register_case",), order=22),
        hooks.NavItem(_("分流池"), "petitions:pool", ("petitions.triage_case", "petitions.register_case"), order=30),
        hooks.NavItem(_("审核办理"), "petitions:review_queue", ("petitions.triage_case",), order=40),
        hooks.NavItem(_("待批示"), "petitions:leader", ("petitions.instruct_case",), order=50),
        hooks.NavItem(_("领导批示"), "petitions:instructions", CASE_READERS, order=60),
        hooks.NavItem(_("我的信访"), "petitions:inbox", ("petitions.handle_case",), order=70),
        hooks.NavItem(_("督查督办"), "petitions:supervision", ("petitions.supervise_case",), order=80),
        hooks.NavItem(_("值班表"), "petitions:duty_roster", ("petitions.instruct_case", "petitions.triage_case"), order=85),
        hooks.NavItem(_("信访查询"), "petitions:search", CASE_READERS, order=90),
        hooks.NavItem(_("办结存档"), "petitions:archive", ("petitions.triage_case", "petitions.instruct_case",
                                                           "reports.view_statistics", "petitions.supervise_case"),
                      order=100),
        hooks.NavItem(_("短信信访"), "petitions:sms_inbound_list", ("petitions.triage_case",), order=35),
        hooks.NavItem(_("数据交换"), "petitions:exchange", ("petitions.exchange_package",), order=130),
        hooks.NavItem(_("数据导入"), "petitions:history_import", ("petitions.import_history",), order=131),
        hooks.NavItem(_("对端系统"), "petitions:peers", ("accounts.manage_orgunit",), order=161),
        hooks.NavItem(_("基础字典"), "petitions:dictionary_list", ("petitions.manage_dictionary",), order=170),
    )
    for order, widget in enumerate(dashboards.WIDGETS):
        hooks.register(hooks.HOME_WIDGETS, widget, order=10 + order)
    for key, (label, actionable) in notify.TOPICS.items():
        hooks.register_notification_kind(hooks.NotificationKind(key, label, actionable))
    hooks.register(hooks.BASE_DATA, _seed_dictionaries, order=10)
    hooks.register(hooks.DEMO_DATA, _demo_cases, order=10)
