"""``RegistrationDayClass``: registrations per day and registering organization by channel and by 所属问题, rebuilt
hourly with ``RegistrationDay`` (``RegistrationDayBuild.class_first_day`` … ``last_day``), so that the
cockpit's breakdowns and hot spots read a few rows per day instead of every case of their window
(docs/performance.md §14, docs/cockpit.md §7). Empty until the next scan; until then those figures
are counted live, as before."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0007_reminder_remind_at"),
        ("cockpit", "0002_aggregates_and_snapshots"),
    ]

    operations = [
        migrations.AddField(
            model_name="registrationdaybuild",
            name="class_first_day",
            field=models.DateField(null=True),
        ),
        migrations.CreateModel(
            name="RegistrationDayClass",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("kind", models.CharField(max_length=10)),
                ("channel", models.CharField(blank=True, max_length=20)),
                ("problem_id", models.BigIntegerField(null=True)),
                ("n", models.PositiveIntegerField(default=0)),
                ("org", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                          related_name="+", to="accounts.orgunit")),
            ],
            options={
                "indexes": [models.Index(fields=["kind", "day", "org"], name="registrationdayclass_kind_day")],
            },
        ),
    ]
