"""The procedures of docs/domain.md §3.5: the three classes (derived for the cases already
registered), routing out, 简易办理, the hearing pause, 督办 feedback, 回避, 调解/和解, the duty
roster and urgent alerts.

On PostgreSQL the statistics index ``rep_case_stats`` (migration 0005) is rebuilt with the new
columns the reports read (class, outcome, procedure and its deadline, the urgent flag), so the
report queries stay index-only scans; about 30 s at one million cases, writes to the case table
wait meanwhile.
"""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


# 信访目的 code → class (petitions/domain/procedures.py PURPOSE_CLASS); 咨询, 其他 and none: 申诉求决类,
# except confidential 检举揭发 and matters under 所属问题 纪检监察 (检举控告类).
PURPOSE_CLASS = {"01": "suggestion", "02": "accusation", "03": "appeal", "04": "appeal"}
STATS_INDEX = "rep_case_stats"
STATS_COLUMNS_0005 = (
    "registered_org_id", "channel", "registration_source_id", "status", "purpose_id", "problem_id",
    "visit_level_id", "visitor_count", "is_repeat", "is_collective", "is_skip_level", "acceptance_due",
    "accepted_at", "handling_due", "answered_at", "id",
)
STATS_COLUMNS = STATS_COLUMNS_0005 + ("matter_class", "outcome", "procedure", "simple_due", "simple_converted_at",
                                      "is_urgent")


def derive_classes(apps, schema_editor):
    Case = apps.get_model("petitions", "Case")
    DictEntry = apps.get_model("petitions", "DictEntry")
    for code, matter_class in PURPOSE_CLASS.items():
        ids = DictEntry.objects.filter(kind="purpose", code=code).values("pk")
        Case.objects.filter(matter_class="", purpose_id__in=ids).update(matter_class=matter_class)
    Case.objects.filter(matter_class="", is_confidential=True).update(matter_class="accusation")
    discipline = DictEntry.objects.filter(kind="problem", code__startswith="602004").values("pk")
    Case.objects.filter(matter_class="", problem_id__in=discipline).update(matter_class="accusation")
    Case.objects.filter(matter_class="").update(matter_class="appeal")


def sqlite_search_triggers(apps, schema_editor):
    """SQLite rebuilds the case table to add NOT NULL columns, which drops the triggers that keep the
    FTS5 index in step (migration 0003); they are created again, unchanged. The index rows survive
    (same ids)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        "CREATE TRIGGER IF NOT EXISTS petitions_case_fts_ai AFTER INSERT ON petitions_case BEGIN "
        "DELETE FROM petitions_case_fts WHERE rowid = new.id; "
        "INSERT INTO petitions_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END")
    schema_editor.execute(
        "CREATE TRIGGER IF NOT EXISTS petitions_case_fts_au AFTER UPDATE OF search_tokens ON petitions_case BEGIN "
        "DELETE FROM petitions_case_fts WHERE rowid = old.id; "
        "INSERT INTO petitions_case_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END")
    schema_editor.execute(
        "CREATE TRIGGER IF NOT EXISTS petitions_case_fts_ad AFTER DELETE ON petitions_case BEGIN "
        "DELETE FROM petitions_case_fts WHERE rowid = old.id; END")


def _stats_index(schema_editor, columns):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {STATS_INDEX}")
    schema_editor.execute(f"CREATE INDEX {STATS_INDEX} ON petitions_case (registered_at) INCLUDE ({', '.join(columns)})")


def stats_index_forwards(apps, schema_editor):
    _stats_index(schema_editor, STATS_COLUMNS)


def stats_index_backwards(apps, schema_editor):
    _stats_index(schema_editor, STATS_COLUMNS_0005)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_reminder_remind_at'),
        ('petitions', '0017_evaluation_source'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='is_urgent',
            field=models.BooleanField(default=False, editable=False, verbose_name='重大紧急'),
        ),
        migrations.AddField(
            model_name='case',
            name='matter_class',
            field=models.CharField(default='', blank=True, choices=[('suggestion', '建议意见类'), ('accusation', '检举控告类'), ('appeal', '申诉求决类')], max_length=20, verbose_name='信访事项类别'),
        ),
        migrations.AddField(
            model_name='case',
            name='outcome',
            field=models.CharField(default='', blank=True, choices=[('legal', '转送政法机关'), ('discipline', '转送纪检监察机关'), ('guided', '导入法定途径'), ('settled', '调解和解结案')], editable=False, max_length=20, verbose_name='办理方式'),
        ),
        migrations.AddField(
            model_name='case',
            name='paused_since',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='听证暂停计时起'),
        ),
        migrations.AddField(
            model_name='case',
            name='procedure',
            field=models.CharField(choices=[('ordinary', '普通程序'), ('simple', '简易办理')], default='ordinary', editable=False, max_length=10, verbose_name='办理程序'),
        ),
        migrations.AddField(
            model_name='case',
            name='routed_to',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='转送机关'),
        ),
        migrations.AddField(
            model_name='case',
            name='simple_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='适用简易办理时间'),
        ),
        migrations.AddField(
            model_name='case',
            name='simple_basis',
            field=models.CharField(default='', blank=True, editable=False, max_length=20, verbose_name='简易办理情形'),
        ),
        migrations.AddField(
            model_name='case',
            name='simple_converted_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='转为普通程序时间'),
        ),
        migrations.AddField(
            model_name='case',
            name='simple_due',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='简易办理期限'),
        ),
        migrations.AddField(
            model_name='case',
            name='urgent_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='标记重大紧急时间'),
        ),
        migrations.AddField(
            model_name='supervision',
            name='escalated_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='逾期升级时间'),
        ),
        migrations.AddField(
            model_name='supervision',
            name='escalated_to',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='升级至'),
        ),
        migrations.AddField(
            model_name='supervision',
            name='feedback_adopted',
            field=models.TextField(default='', blank=True, verbose_name='采纳建议情况'),
        ),
        migrations.AddField(
            model_name='supervision',
            name='feedback_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='反馈时间'),
        ),
        migrations.AddField(
            model_name='supervision',
            name='feedback_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='反馈人'),
        ),
        migrations.AddField(
            model_name='supervision',
            name='feedback_org',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='反馈单位'),
        ),
        migrations.AddField(
            model_name='supervision',
            name='feedback_text',
            field=models.TextField(default='', blank=True, verbose_name='办理情况'),
        ),
        migrations.AlterField(
            model_name='case',
            name='status',
            field=models.CharField(choices=[('pending', '待分流'), ('awaiting_instruction', '待批示'), ('awaiting_acceptance', '待受理'), ('in_progress', '办理中'), ('result_reported', '待审核'), ('answered', '已答复'), ('reviewing', '复查中'), ('rechecking', '复核中'), ('closed', '已办结'), ('archived', '已归档'), ('rejected', '不予受理'), ('not_reaccepted', '不再受理'), ('routed_out', '已转出'), ('voided', '已作废')], default='pending', editable=False, max_length=20, verbose_name='状态'),
        ),
        migrations.CreateModel(
            name='Mediation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('mediation', '调解'), ('settlement', '和解')], max_length=12, verbose_name='方式')),
                ('parties', models.TextField(verbose_name='当事人')),
                ('held_on', models.DateField(verbose_name='调解（和解）日期')),
                ('outcome', models.CharField(choices=[('agreed', '达成协议'), ('failed', '未达成协议')], max_length=10, verbose_name='结果')),
                ('agreement', models.TextField(blank=True, verbose_name='协议内容')),
                ('created_at', models.DateTimeField(verbose_name='登记时间')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mediations', to='petitions.case')),
                ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='主持单位')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '调解和解',
                'verbose_name_plural': '调解和解',
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DutyShift',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts_at', models.DateTimeField(verbose_name='开始时间')),
                ('ends_at', models.DateTimeField(verbose_name='结束时间')),
                ('note', models.CharField(blank=True, max_length=100, verbose_name='备注')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='值班单位')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='值班人员')),
            ],
            options={
                'verbose_name': '值班安排',
                'verbose_name_plural': '值班安排',
                'ordering': ['starts_at', 'id'],
                'indexes': [models.Index(fields=['org', 'starts_at'], name='dutyshift_org_start')],
                'constraints': [models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='dutyshift_ends_after_start')],
            },
        ),
        migrations.CreateModel(
            name='Hearing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scheduled_at', models.DateTimeField(verbose_name='听证时间')),
                ('place', models.CharField(max_length=200, verbose_name='听证地点')),
                ('participants', models.TextField(verbose_name='参加人员')),
                ('chair', models.CharField(max_length=100, verbose_name='主持人')),
                ('minutes', models.TextField(blank=True, verbose_name='听证笔录')),
                ('conclusion', models.TextField(blank=True, verbose_name='听证结论')),
                ('paused_on', models.DateField(verbose_name='暂停计时日期')),
                ('resumed_on', models.DateField(blank=True, null=True, verbose_name='恢复计时日期')),
                ('paused_days', models.PositiveSmallIntegerField(default=0, verbose_name='不计入期限天数')),
                ('due_before', models.DateField(blank=True, null=True, verbose_name='听证前期限')),
                ('due_after', models.DateField(blank=True, null=True, verbose_name='听证后期限')),
                ('created_at', models.DateTimeField(verbose_name='安排时间')),
                ('concluded_at', models.DateTimeField(blank=True, null=True, verbose_name='结论时间')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hearings', to='petitions.case')),
                ('concluded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='组织听证机关')),
                ('review', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='hearings', to='petitions.reviewrequest', verbose_name='复核')),
            ],
            options={
                'verbose_name': '听证',
                'verbose_name_plural': '听证',
                'ordering': ['created_at', 'id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('resumed_on__isnull', True)), fields=('case',), name='hearing_one_open_per_case')],
            },
        ),
        migrations.CreateModel(
            name='Recusal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('declared', '自行回避'), ('ordered', '责令回避')], max_length=10, verbose_name='方式')),
                ('reason', models.TextField(verbose_name='回避理由')),
                ('created_at', models.DateTimeField(verbose_name='时间')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recusals', to='petitions.case')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='决定人')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='回避人员')),
            ],
            options={
                'verbose_name': '回避',
                'verbose_name_plural': '回避',
                'ordering': ['created_at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('case', 'user'), name='recusal_unique_case_user')],
            },
        ),
        migrations.CreateModel(
            name='UrgentAlert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('without_roster', models.BooleanField(default=False, verbose_name='无值班安排')),
                ('created_at', models.DateTimeField(verbose_name='报告时间')),
                ('ack_due_at', models.DateTimeField(verbose_name='签收期限')),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='签收时间')),
                ('escalated_at', models.DateTimeField(blank=True, null=True, verbose_name='升级时间')),
                ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='签收人')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='urgent_alerts', to='petitions.case')),
                ('escalated_from', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.urgentalert')),
                ('org', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='报告层级')),
                ('recipients', models.ManyToManyField(related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='值班人员')),
            ],
            options={
                'verbose_name': '紧急报告',
                'verbose_name_plural': '紧急报告',
                'ordering': ['created_at', 'id'],
                'indexes': [models.Index(condition=models.Q(('acknowledged_at__isnull', True), ('escalated_at__isnull', True)), fields=['ack_due_at'], name='urgentalert_open_due')],
            },
        ),
        migrations.AlterField(
            model_name='supervision',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(sqlite_search_triggers, migrations.RunPython.noop),
        migrations.RunPython(derive_classes, migrations.RunPython.noop),
        migrations.RunPython(stats_index_forwards, stats_index_backwards),
    ]
