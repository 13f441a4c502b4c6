from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("机构与用户")

    def ready(self):
        from accounts import hooks
        from accounts.seed import on_post_migrate

        hooks.register_nav(
            hooks.NavItem(_("首页"), "home", (), order=0),
            hooks.NavItem(_("任务管理"), "accounts:reminders", (), order=10),
            hooks.NavItem(_("用户管理"), "accounts:user_list", ("accounts.manage_user",), order=140),
            hooks.NavItem(_("角色管理"), "accounts:role_list", ("accounts.manage_role",), order=150),
            hooks.NavItem(_("用户授权"), "accounts:user_roles_list", ("accounts.manage_role",), order=155),
            hooks.NavItem(_("机构管理"), "accounts:org_list", ("accounts.manage_orgunit",), order=160),
            hooks.NavItem(_("运行状态"), "accounts:system_health", ("accounts.role_sysadmin",), order=165),
            hooks.NavItem(_("审计日志"), "accounts:audit_list", ("accounts.view_audit",), order=190),
            hooks.NavItem(_("两步验证管理"), "accounts:otp_users", ("accounts.role_secadmin",), order=200),
        )
        hooks.register_notification_kind(hooks.NotificationKind("accounts.roles", _("角色待重新分配"), True))
        # Base data (standard roles, then what the apps register) is ensured after migrate and
        # after a test flush. Not business workflow.
        post_migrate.connect(on_post_migrate, dispatch_uid="xf_seed_base_data")
