"""Standard roles: created when missing (post_migrate), never overwritten once they exist."""
from django.contrib.auth.models import Group, Permission

from .roles import STANDARD_ROLES


def _permission(name):
    app_label, codename = name.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def seed_roles():
    created = 0
    for spec in STANDARD_ROLES:
        group, was_created = Group.objects.get_or_create(name=spec.name)
        if was_created:
            perms = [p for p in (_permission(n) for n in spec.permissions) if p is not None]
            group.permissions.set(perms)
            created += 1
    return created


def on_post_migrate(sender, **kwargs):
    """Runs after the last app's permissions exist (connected for the reports app)."""
    from django.apps import apps

    using = kwargs.get("using", "default")
    if using != "default":
        return
    seed_roles()
    from petitions.seed import seed_dictionaries

    seed_dictionaries(apps.get_model("petitions", "DictEntry"))
