"""The access log (CaseView) becomes append-only and chained like the audit log, with the client
address; case events also refuse TRUNCATE and lose the SQLite maintenance switch, whose table
goes (README: 审计).

Existing access-log rows were never chained: they are numbered and chained now in (time, id) order,
with the case number copied into ``subject``, and an ``audit.chain_keyed`` audit row records how
many; nothing vouches for them before this point. Irreversible (the old code would write rows
outside the chain).
"""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from accounts import chain
from accounts.append_only import protect_table, unprotect_table

# Frozen copies of CaseView.CHAIN_FIELDS and AuditLog.CHAIN_FIELDS.
FIELDS = ("created_at", "user", "org", "ip_address", "action", "subject", "case")
AUDIT_FIELDS = ("created_at", "actor", "actor_username", "actor_org_code", "ip_address", "action", "object_type",
                "object_id", "summary", "data", "succeeded")


def drop_old_guards(apps, schema_editor):
    unprotect_table(schema_editor, "petitions_caseevent")
    if schema_editor.connection.vendor == "sqlite":
        # The maintenance switch of the first triggers (accounts.append_only before accounts 0006): no
        # trigger reads it any more.
        schema_editor.execute("DROP TABLE IF EXISTS xf_maintenance", params=None)


def rechain(apps, schema_editor):
    CaseView = apps.get_model("petitions", "CaseView")
    Case = apps.get_model("petitions", "Case")
    numbers = {}

    def prepare(row):
        if row.case_id not in numbers:
            numbers[row.case_id] = Case.objects.filter(pk=row.case_id).values_list("number", flat=True).first() or ""
        row.subject = numbers[row.case_id]

    ChainHead = apps.get_model("accounts", "ChainHead")
    count, _last = chain.rechain_rows(CaseView, ChainHead, "caseview", FIELDS, ("created_at", "id"),
                                      prepare=prepare, prepared=("subject",))
    if count:
        chain.append_row(
            apps.get_model("accounts", "AuditLog"), ChainHead, "audit", AUDIT_FIELDS, created_at=timezone.now(),
            actor_username="", actor_org_code="", ip_address=None, action="audit.chain_keyed",
            object_type="", object_id="", summary="查阅记录改为只增密钥哈希链（HMAC-SHA-256）",
            data={"chain": "caseview", "rows": count}, succeeded=True)


def install_guards(apps, schema_editor):
    protect_table(schema_editor, "petitions_caseevent", unique=("id", "audit_id"))
    protect_table(schema_editor, "petitions_caseview", unique=("id", "seq", "row_hash"))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_audit_chain_keyed"),
        ("petitions", "0011_move_portal_attempt"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_old_guards),
        migrations.AddField(
            model_name="caseview",
            name="ip_address",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="来源地址"),
        ),
        migrations.AddField(
            model_name="caseview",
            name="subject",
            field=models.CharField(blank=True, max_length=50, verbose_name="信访件编号"),
        ),
        migrations.AddField(
            model_name="caseview",
            name="seq",
            field=models.BigIntegerField(null=True, editable=False, unique=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="caseview",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="caseview",
            name="row_hash",
            field=models.CharField(null=True, editable=False, max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="caseview",
            name="action",
            field=models.CharField(default="view", max_length=30, verbose_name="方式"),
        ),
        migrations.AlterField(
            model_name="caseview",
            name="case",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="views",
                                    to="petitions.case", verbose_name="信访件"),
        ),
        migrations.AlterField(
            model_name="caseview",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="时间"),
        ),
        migrations.AlterField(
            model_name="caseview",
            name="org",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="accounts.orgunit", verbose_name="查看人机构"),
        ),
        migrations.AlterField(
            model_name="caseview",
            name="user",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to=settings.AUTH_USER_MODEL, verbose_name="查看人"),
        ),
        migrations.RunPython(rechain),
        migrations.AlterField(
            model_name="caseview",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True, verbose_name="序号"),
        ),
        migrations.AlterField(
            model_name="caseview",
            name="row_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AddIndex(
            model_name="caseview",
            index=models.Index(fields=["subject"], name="caseview_subject_prefix", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.RunPython(install_guards),
    ]
