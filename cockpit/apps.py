from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "cockpit"
    verbose_name = _("态势研判")

    def ready(self):
        from cockpit import hooks

        hooks.register()
