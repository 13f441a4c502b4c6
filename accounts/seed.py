"""Standard roles: created when missing (post_migrate), never overwritten once they exist."""
from django.contrib.auth.models import Group, Permission

from accounts.roles import ADMIN_PERMISSIONS, ADMIN_ROLE_KEYS, STANDARD_ROLES


def _permission(name):
    app_label, codename = name.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def seed_roles():
    """Create missing standard roles; business roles keep what the 安全管理员 edited, the three
    administrator roles are reset to their fixed permissions (``ADMIN_ROLE_PERMISSIONS``), and
    no other role keeps an administrator-only permission."""
    created = 0
    for spec in STANDARD_ROLES:
        group, was_created = Group.objects.get_or_create(name=spec.name)
        fixed = spec.key in ADMIN_ROLE_KEYS
        if was_created or fixed:
            perms = [p for p in (_permission(n) for n in spec.permissions) if p is not None]
            group.permissions.set(perms)
            created += was_created
    admin_names = {spec.name for spec in STANDARD_ROLES if spec.key in ADMIN_ROLE_KEYS}
    stray = [p for p in (_permission(n) for n in ADMIN_PERMISSIONS) if p is not None]
    for group in Group.objects.exclude(name__in=admin_names).filter(permissions__in=stray).distinct():
        group.permissions.remove(*stray)
    return created


def on_post_migrate(sender, **kwargs):
    """After ``migrate`` (and after a test flush): the standard roles, then the base data the
    apps registered (``accounts.hooks.BASE_DATA``, e.g. the dictionaries).

    Connected for every app but acts once, for the last installed app with models, when every app's
    permissions exist."""
    from django.apps import apps

    from accounts import hooks

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if kwargs.get("using", "default") != "default" or sender is not last:
        return
    seed_roles()
    for seed in hooks.get_hooks(hooks.BASE_DATA):
        seed()
