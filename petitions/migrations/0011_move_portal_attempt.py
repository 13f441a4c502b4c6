"""The portal's rate-limit rows move to the portal app: the table is renamed, the model leaves
this app's state and enters the portal's (portal/migrations/0001_initial.py)."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("petitions", "0010_exchange_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name="portalattempt", table="portal_portalattempt")],
            state_operations=[migrations.DeleteModel(name="PortalAttempt")],
        ),
    ]
