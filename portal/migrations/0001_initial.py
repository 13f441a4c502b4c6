"""PortalAttempt, moved from the petitions app (its table is renamed by petitions 0011).

The internet-side portal deployed apart (config/settings/portal.py) installs no petitions app: there
the table never existed under the petitions app, and this migration creates it. The resulting state
is the same either way."""
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

WITH_STAFF_APPS = "petitions" in settings.INSTALLED_APPS


def _operations(create):
    if not create:
        return []
    return [
        migrations.CreateModel(
            name="PortalAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("submit", "网上信访"), ("track", "查询")], max_length=10)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="来源地址")),
                ("succeeded", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
            ],
            options={
                "verbose_name": "网上信访限流记录",
                "verbose_name_plural": "网上信访限流记录",
                "indexes": [models.Index(fields=["ip_address", "kind", "created_at"],
                                         name="portalattempt_ip_kind_time")],
            },
        ),
    ]


class Migration(migrations.Migration):

    initial = True

    dependencies = [("petitions", "0011_move_portal_attempt")] if WITH_STAFF_APPS else []

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=_operations(not WITH_STAFF_APPS),
                                            state_operations=_operations(True)),
    ]
