"""A document's link to its trail entry keeps no database constraint: the trail is partitioned by
year on PostgreSQL and a foreign key cannot reference a partitioned table's id alone
(docs/architecture.md §4.4). State only: petitions 0021 drops the constraint itself, with every
other one that referenced the trail, when it partitions the table (SQLite keeps its REFERENCES
clause until the table is next rebuilt; nothing is partitioned there)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0002_routing_out_kinds"),
        ("petitions", "0020_exchange_resync_limits_refusals"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="casedocument",
                    name="event",
                    field=models.OneToOneField(blank=True, db_constraint=False, null=True,
                                               on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                               to="petitions.caseevent"),
                ),
            ],
        ),
    ]
