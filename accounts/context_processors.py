"""Navigation by role: the base template renders only what the user may open."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, any of these permissions)
NAV_ITEMS = (
    (_("首页"), "home", ()),
    (_("任务管理"), "accounts:reminders", ()),
    (_("来访登记"), "petitions:register_visit", ("petitions.register_case",)),
    (_("来信登记"), "petitions:register_letter", ("petitions.register_case",)),
    (_("上级交办"), "petitions:register_referral", ("petitions.register_case",)),
    (_("分流池"), "petitions:pool", ("petitions.triage_case", "petitions.register_case")),
    (_("审核办理"), "petitions:review_queue", ("petitions.triage_case",)),
    (_("待批示"), "petitions:leader", ("petitions.instruct_case",)),
    (_("领导批示"), "petitions:instructions", ("petitions.instruct_case", "petitions.triage_case")),
    (_("我的信访"), "petitions:inbox", ("petitions.handle_case",)),
    (_("督查督办"), "petitions:supervision", ("petitions.supervise_case",)),
    (_("信访查询"), "petitions:search", ("petitions.register_case", "petitions.triage_case",
                                         "petitions.instruct_case", "petitions.supervise_case",
                                         "petitions.handle_case", "reports.view_statistics")),
    (_("办结存档"), "petitions:archive", ("petitions.triage_case", "petitions.instruct_case",
                                          "reports.view_statistics", "petitions.supervise_case")),
    (_("分析图表"), "reports:charts", ("reports.view_statistics",)),
    (_("生成报表"), "reports:index", ("reports.view_statistics",)),
    (_("数据交换"), "petitions:exchange", ("petitions.exchange_package",)),
    (_("用户管理"), "accounts:user_list", ("accounts.manage_user",)),
    (_("角色管理"), "accounts:role_list", ("accounts.manage_role",)),
    (_("机构管理"), "accounts:org_list", ("accounts.manage_orgunit",)),
    (_("基础字典"), "petitions:dictionary_list", ("petitions.manage_dictionary",)),
    (_("公共信息"), "bulletin:list", ("petitions.register_case", "petitions.triage_case",
                                       "petitions.instruct_case", "petitions.supervise_case",
                                       "petitions.handle_case", "reports.view_statistics")),
    (_("审计日志"), "accounts:audit_list", ("accounts.view_audit",)),
    (_("两步验证管理"), "accounts:otp_users", ("accounts.role_secadmin",)),
)


def _resolvable(name):
    try:
        return reverse(name)
    except Exception:  # a capability not yet wired is simply not shown
        return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    perms = user.get_all_permissions()
    items = []
    for label, name, needed in NAV_ITEMS:
        if needed and not any(p in perms for p in needed):
            continue
        url = _resolvable(name)
        if url is None:
            continue
        active = request.path == url if name == "home" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": active, "name": name})
    return {"nav_items": items}
