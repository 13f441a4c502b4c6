from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计报表")

    def ready(self):
        # Base data (standard roles, dictionaries) is ensured after the last app's permissions
        # exist; it is also what restores it after a test flush. Not business workflow.
        from accounts.seed import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="xf_seed_base_data")
