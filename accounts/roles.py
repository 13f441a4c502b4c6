"""The standard roles of docs/architecture.md §1 and the 三员 separation rule.

Roles are Django Groups; this module only says which permissions the standard roles start
with (admins may change them in the UI) and which permission marks a group as one of the
three administrator roles (等保 三员). The separation rule is checked on permissions, not on
group names, so renaming a role cannot defeat it.
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

STANDARD_ROLES = (
    RoleSpec("sysadmin", "系统管理员", (
        "accounts.role_sysadmin", "accounts.manage_user", "accounts.manage_role", "accounts.manage_orgunit",
        "petitions.manage_dictionary",
    )),
    RoleSpec("secadmin", "安全管理员", ("accounts.role_secadmin", "accounts.manage_role")),
    RoleSpec("auditor", "安全审计员", ("accounts.role_auditor", "accounts.view_audit")),
    RoleSpec("clerk", "登记员", ("petitions.register_case", "petitions.view_pii")),
    RoleSpec("triage", "分流员", (
        "petitions.triage_case", "petitions.register_case", "petitions.view_pii", "petitions.export_case",
        # Data packages carry full identity numbers, so the exchange goes with view_pii (docs/architecture.md §6).
        "petitions.exchange_package",
    )),
    RoleSpec("leader", "领导", (
        "petitions.instruct_case", "petitions.supervise_case", "petitions.export_case", "reports.view_statistics",
    )),
    RoleSpec("handler", "承办人", ("petitions.handle_case", "petitions.view_pii")),
    RoleSpec("supervisor", "督查员", ("petitions.supervise_case", "petitions.export_case")),
    RoleSpec("statistician", "统计员", ("reports.view_statistics", "petitions.export_case")),
)

ROLE_BY_KEY = {r.key: r for r in STANDARD_ROLES}


def admin_classes(perm_names):
    """The set of 三员 markers present in an iterable of "app.codename" strings."""
    return {p for p in perm_names if p in ADMIN_MARKERS}


def has_business_perm(perm_names):
    """True if any of the "app.codename" strings is a business (case or statistics) right."""
    return any(p.split(".", 1)[0] in BUSINESS_APPS and p not in ADMIN_SIDE_PERMISSIONS for p in perm_names)
