"""The standard roles of docs/architecture.md §1 and the 三员 separation rule (docs/domain.md §10).

Roles are Django Groups. The three administrator roles (系统管理员, 安全管理员, 安全审计员) are
fixed in code: their permissions are exactly ``ADMIN_ROLE_PERMISSIONS`` (restored after every
``migrate``), nobody can edit or delete them in the UI, and no other role may hold any of their
permissions. Business roles start with the permissions below and are edited by the 安全管理员,
who may only give them business permissions. The rule is checked on permissions, not on group
names, so renaming a role cannot defeat it.

Who does what (等保 2.0 第三级, 安全管理中心):
- 系统管理员: organizations, user accounts (create, edit, lock, reset a password), dictionaries;
  never roles or their permissions;
- 安全管理员: which roles hold which business permissions, which users hold which roles, and
  the second factor; never user accounts;
- 安全审计员: reads the audit trail; changes nothing.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RoleSpec:
    key: str
    name: str  # Group.name (data, Chinese as the office calls it)
    permissions: tuple  # "app_label.codename"


ADMIN_MARKERS = {
    "accounts.role_sysadmin": _("系统管理员"),
    "accounts.role_secadmin": _("安全管理员"),
    "accounts.role_auditor": _("安全审计员"),
}

# Permissions of the business side: an administrator role may hold none of them. Every
# permission of these apps counts as business (so new case rights are covered by default)
# except the reference-data rights that belong to the system administrator.
BUSINESS_APPS = ("petitions", "reports")
ADMIN_SIDE_PERMISSIONS = frozenset({"petitions.manage_dictionary"})

# The fixed permissions of the three administrator roles, by marker.
ADMIN_ROLE_PERMISSIONS = {
    "accounts.role_sysadmin": frozenset({
        "accounts.role_sysadmin", "accounts.manage_user", "accounts.manage_orgunit", "petitions.manage_dictionary",
    }),
    "accounts.role_secadmin": frozenset({"accounts.role_secadmin", "accounts.manage_role"}),
    "accounts.role_auditor": frozenset({"accounts.role_auditor", "accounts.view_audit"}),
}
# Permissions that only the fixed administrator roles may hold.
ADMIN_PERMISSIONS = frozenset().union(*ADMIN_ROLE_PERMISSIONS.values())

STANDARD_ROLES = (
    RoleSpec("sysadmin", "系统管理员", tuple(sorted(ADMIN_ROLE_PERMISSIONS["accounts.role_sysadmin"]))),
    RoleSpec("secadmin", "安全管理员", tuple(sorted(ADMIN_ROLE_PERMISSIONS["accounts.role_secadmin"]))),
    RoleSpec("auditor", "安全审计员", tuple(sorted(ADMIN_ROLE_PERMISSIONS["accounts.role_auditor"]))),
    RoleSpec("clerk", "登记员", ("petitions.register_case", "petitions.view_pii")),
    RoleSpec("triage", "分流员", (
        "petitions.triage_case", "petitions.register_case", "petitions.view_pii", "petitions.export_case",
        # Data packages carry full identity numbers, so the exchange goes with view_pii (docs/architecture.md §6);
        # so does the historical Excel import (case content with personal data: business data, not the 三员's).
        "petitions.exchange_package", "petitions.import_history",
    )),
    RoleSpec("leader", "领导", (
        "petitions.instruct_case", "petitions.supervise_case", "petitions.export_case", "reports.view_statistics",
    )),
    RoleSpec("handler", "承办人", ("petitions.handle_case", "petitions.view_pii", "petitions.export_case")),
    RoleSpec("supervisor", "督查员", ("petitions.supervise_case", "petitions.export_case")),
    RoleSpec("statistician", "统计员", ("reports.view_statistics", "petitions.export_case")),
)

ROLE_BY_KEY = {r.key: r for r in STANDARD_ROLES}
ADMIN_ROLE_KEYS = ("sysadmin", "secadmin", "auditor")


def admin_classes(perm_names):
    """The set of 三员 markers present in an iterable of "app.codename" strings."""
    return {p for p in perm_names if p in ADMIN_MARKERS}


def has_business_perm(perm_names):
    """True if any of the "app.codename" strings is a business (case or statistics) right."""
    return any(p.split(".", 1)[0] in BUSINESS_APPS and p not in ADMIN_SIDE_PERMISSIONS for p in perm_names)


def is_admin_role(perm_names):
    """True for the permission set of one of the three fixed administrator roles."""
    return bool(admin_classes(perm_names))


def admin_only_perms(perm_names):
    """The permissions among ``perm_names`` that only the fixed administrator roles may hold."""
    return {p for p in perm_names if p in ADMIN_PERMISSIONS}
