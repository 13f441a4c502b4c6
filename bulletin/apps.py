from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bulletin"
    verbose_name = _("公共信息")

    def ready(self):
        from bulletin import hooks

        hooks.register()
