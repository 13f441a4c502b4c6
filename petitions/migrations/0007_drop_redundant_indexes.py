"""Drop indexes no query of the application uses, add the 领导批示 board's partial index.

Evidence: docs/performance.md §8 (EXPLAIN of every index's query at 1,000,000 cases, idx_scan
after a full benchmark). Dropped: the (case, created_at) trail index and the four foreign-key
indexes on case events (actor, organizations, target user: only a delete of a user or an
organization would read them, and those are deactivated, never deleted); the (name, phone)
index on petitioners (the phone index answers); single-column foreign-key indexes that are the
first column of a unique constraint or of another index (case.registered_org,
assignment.org, casecounter.org, caseview.case, evaluation.case). About 450 MB and six b-tree
inserts per registered case with its first events at 1,000,000 cases.

The foreign-key changes are made as state-only AlterFields plus a plain DROP INDEX: on SQLite
an AlterField rebuilds the table, which would drop the append-only triggers of
petitions_caseevent and the full-text triggers of petitions_case (migration 0003).
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# (table, column) whose single-column, non-unique index goes.
FK_INDEXES = [
    ("petitions_assignment", "org_id"),
    ("petitions_case", "registered_org_id"),
    ("petitions_casecounter", "org_id"),
    ("petitions_caseevent", "actor_id"),
    ("petitions_caseevent", "actor_org_id"),
    ("petitions_caseevent", "target_org_id"),
    ("petitions_caseevent", "target_user_id"),
    ("petitions_caseview", "case_id"),
    ("petitions_evaluation", "case_id"),
]


def drop_fk_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table, column in FK_INDEXES:
            constraints = connection.introspection.get_constraints(cursor, table)
            for name, info in constraints.items():
                if (info["index"] and not info["unique"] and not info["primary_key"]
                        and info["columns"] == [column]):
                    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_fk_indexes(apps, schema_editor):
    for table, column in FK_INDEXES:
        model = next(m for m in apps.get_models() if m._meta.db_table == table)
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_audit_append_only'),
        ('petitions', '0006_calendar_day'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='assignment',
                    name='org',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='承办单位'),
                ),
                migrations.AlterField(
                    model_name='case',
                    name='registered_org',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='registered_cases', to='accounts.orgunit', verbose_name='登记机构'),
                ),
                migrations.AlterField(
                    model_name='casecounter',
                    name='org',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit'),
                ),
                migrations.AlterField(
                    model_name='caseevent',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人'),
                ),
                migrations.AlterField(
                    model_name='caseevent',
                    name='actor_org',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='操作机构'),
                ),
                migrations.AlterField(
                    model_name='caseevent',
                    name='target_org',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='目标机构'),
                ),
                migrations.AlterField(
                    model_name='caseevent',
                    name='target_user',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='目标人员'),
                ),
                migrations.AlterField(
                    model_name='caseview',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='views', to='petitions.case'),
                ),
                migrations.AlterField(
                    model_name='evaluation',
                    name='case',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='evaluations', to='petitions.case'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_fk_indexes, create_fk_indexes)],
        ),
        migrations.RemoveIndex(
            model_name='caseevent',
            name='caseevent_case_time',
        ),
        migrations.RemoveIndex(
            model_name='petitioner',
            name='petitioner_name_phone',
        ),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('action', 'instruct')), name='caseevent_instruct_time'),
        ),
    ]
