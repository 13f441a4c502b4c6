# Documents and delivery (README "文书与送达"): issued documents, their numbering, delivery records, editable templates, issuing offices and the petitioner SMS outbox.

import django.db.models.deletion
import petitions.models.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0006_audit_chain_keyed'),
        ('petitions', '0012_caseview_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('receipt', '登记回执'), ('acceptance', '受理告知书'), ('rejection', '不予受理告知书'), ('not_reaccepted', '不再受理告知书'), ('extension', '延长办理期限告知书'), ('opinion', '处理意见书'), ('review_opinion', '复查意见书'), ('recheck_opinion', '复核意见书'), ('assignment_slip', '交办单'), ('transfer_slip', '转送单'), ('supervision_slip', '督办单'), ('supervision_feedback', '督办反馈'), ('registration_form', '信访登记表')], max_length=30, verbose_name='文书种类')),
                ('subject_key', models.CharField(max_length=40)),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('seq', models.PositiveIntegerField(verbose_name='序号')),
                ('number', models.CharField(max_length=60, verbose_name='文号')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('recipient', models.CharField(blank=True, max_length=200, verbose_name='主送')),
                ('to_petitioner', models.BooleanField(default=False, verbose_name='送达信访人')),
                ('planned_delivery', models.CharField(choices=[('in_person', '当面送达'), ('mail', '邮寄'), ('sms', '短信'), ('online', '网上'), ('internal', '系统内送达')], max_length=20, verbose_name='送达方式')),
                ('values', models.JSONField(blank=True, default=dict, editable=False)),
                ('stored_name', models.CharField(editable=False, max_length=80, unique=True)),
                ('size', models.PositiveIntegerField(editable=False, verbose_name='大小')),
                ('sha256', models.CharField(editable=False, max_length=64, verbose_name='SHA-256')),
                ('pages', models.PositiveSmallIntegerField(default=1, editable=False, verbose_name='页数')),
                ('version', models.PositiveSmallIntegerField(default=1, verbose_name='版本')),
                ('correction_reason', models.TextField(blank=True, verbose_name='更正理由')),
                ('issued_at', models.DateTimeField(verbose_name='出具时间')),
                ('assignment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.assignment')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='petitions.case', verbose_name='信访件')),
                ('event', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.caseevent')),
                ('extension', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.extensionrequest')),
                ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='出具人')),
                ('org', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='发文机关')),
                ('petitioner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.petitioner')),
                ('recipient_org', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='主送单位')),
                ('review', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.reviewrequest')),
                ('supersedes', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='documents.casedocument')),
                ('supervision', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.supervision')),
            ],
            options={
                'verbose_name': '文书',
                'verbose_name_plural': '文书',
                'ordering': ['issued_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DocumentCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('receipt', '登记回执'), ('acceptance', '受理告知书'), ('rejection', '不予受理告知书'), ('not_reaccepted', '不再受理告知书'), ('extension', '延长办理期限告知书'), ('opinion', '处理意见书'), ('review_opinion', '复查意见书'), ('recheck_opinion', '复核意见书'), ('assignment_slip', '交办单'), ('transfer_slip', '转送单'), ('supervision_slip', '督办单'), ('supervision_feedback', '督办反馈'), ('registration_form', '信访登记表')], max_length=30)),
                ('year', models.PositiveSmallIntegerField()),
                ('last_seq', models.PositiveIntegerField(default=0)),
                ('org', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit')),
            ],
        ),
        migrations.CreateModel(
            name='DocumentDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('method', models.CharField(choices=[('in_person', '当面送达'), ('mail', '邮寄'), ('sms', '短信'), ('online', '网上'), ('internal', '系统内送达')], max_length=20, verbose_name='送达方式')),
                ('delivered_at', models.DateTimeField(verbose_name='送达时间')),
                ('mail_number', models.CharField(blank=True, max_length=40, verbose_name='挂号信函号')),
                ('recipient', models.CharField(blank=True, max_length=100, verbose_name='签收人')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('document', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='documents.casedocument')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='经办人')),
            ],
            options={
                'verbose_name': '送达记录',
                'verbose_name_plural': '送达记录',
                'ordering': ['delivered_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DocumentTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('receipt', '登记回执'), ('acceptance', '受理告知书'), ('rejection', '不予受理告知书'), ('not_reaccepted', '不再受理告知书'), ('extension', '延长办理期限告知书'), ('opinion', '处理意见书'), ('review_opinion', '复查意见书'), ('recheck_opinion', '复核意见书'), ('assignment_slip', '交办单'), ('transfer_slip', '转送单'), ('supervision_slip', '督办单'), ('supervision_feedback', '督办反馈'), ('registration_form', '信访登记表')], max_length=30, unique=True, verbose_name='文书种类')),
                ('letterhead', models.CharField(max_length=200, verbose_name='发文机关标志')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('salutation', models.CharField(blank=True, max_length=200, verbose_name='主送')),
                ('body', models.TextField(blank=True, verbose_name='正文')),
                ('closing_note', models.TextField(blank=True, verbose_name='附注（联系方式）')),
                ('number_word', models.CharField(max_length=10, verbose_name='文号代字')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='修改时间')),
                ('updated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '文书模板',
                'verbose_name_plural': '文书模板',
                'ordering': ['kind'],
            },
        ),
        migrations.CreateModel(
            name='OfficeProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address', models.CharField(blank=True, max_length=200, verbose_name='通信地址')),
                ('postcode', models.CharField(blank=True, max_length=6, verbose_name='邮政编码')),
                ('phone', models.CharField(blank=True, max_length=40, verbose_name='联系电话')),
                ('reception_address', models.CharField(blank=True, max_length=200, verbose_name='来访接待地点')),
                ('reception_hours', models.CharField(blank=True, max_length=100, verbose_name='接待时间')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('org', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='机构')),
            ],
            options={
                'verbose_name': '发文机关信息',
                'verbose_name_plural': '发文机关信息',
            },
        ),
        migrations.CreateModel(
            name='SmsMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(max_length=30, verbose_name='用途')),
                ('phone', petitions.models.fields.EncryptedIdentityField(max_length=100, verbose_name='手机号')),
                ('text', models.CharField(max_length=300, verbose_name='内容')),
                ('params', models.JSONField(blank=True, default=dict)),
                ('state', models.CharField(choices=[('pending', '待发送'), ('sent', '已发送'), ('failed', '发送失败')], default='pending', max_length=10, verbose_name='状态')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='尝试次数')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.CharField(blank=True, max_length=300)),
                ('provider_id', models.CharField(blank=True, max_length=100)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='petitions.case')),
                ('document', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.casedocument')),
            ],
            options={
                'verbose_name': '短信',
                'verbose_name_plural': '短信',
            },
        ),
        migrations.AddIndex(
            model_name='casedocument',
            index=models.Index(fields=['case', 'kind'], name='casedocument_case_kind'),
        ),
        migrations.AddIndex(
            model_name='casedocument',
            index=models.Index(fields=['org', 'planned_delivery', 'issued_at'], name='casedocument_mailing'),
        ),
        migrations.AddConstraint(
            model_name='casedocument',
            constraint=models.UniqueConstraint(fields=('org', 'kind', 'year', 'seq'), name='casedocument_unique_number'),
        ),
        migrations.AddConstraint(
            model_name='documentcounter',
            constraint=models.UniqueConstraint(fields=('org', 'kind', 'year'), name='doccounter_unique'),
        ),
        migrations.AddIndex(
            model_name='smsmessage',
            index=models.Index(fields=['state', 'next_attempt_at'], name='sms_due'),
        ),
    ]
