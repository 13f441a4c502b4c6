from django.contrib import admin
from django.contrib.auth.models import Group

from accounts.models import AuditLog, OrgUnit, User

# Roles and their permissions are the 安全管理员's, through the staff pages and
# accounts.services (三员 rules, audit); the admin site offers no second way to edit them.
admin.site.unregister(Group)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: nobody adds, changes or deletes audit rows through the admin."""

    list_display = ("created_at", "actor_username", "action", "summary", "succeeded")
    list_filter = ("action", "succeeded")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "is_active")
    readonly_fields = ("path", "depth")

    def has_add_permission(self, request):  # created through accounts.services (path and audit)
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("username", "real_name", "organization", "is_locked", "is_active")
    fields = ("username", "real_name", "organization", "is_active")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
