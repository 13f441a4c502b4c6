"""The statistical form block every report carries on screen, in print and in Excel (表号, 制表机关,
填报单位 / 单位负责人, 填表人, 报出日期), the sign-off names a statistician keeps, the reports page's
wording, and a 不予受理 case that is later archived staying a refusal in the 总表."""
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog, OrgUnit
from petitions.models import Case, DictKind
from petitions.services.intake import register_case
from petitions.services.transitions import case_transition
from petitions.workflow import Status
from reports import definitions, services
from reports.models import ReportSigners
from reports.selectors import Period, Scope
from tests.factories import make_user
from tests.reports.dataset import at, entry, local, person_data

pytestmark = pytest.mark.django_db
MARCH = {"start": "2025-03-01", "end": "2025-03-31", "source": "all", "report_date": "2025-04-03"}


def org(code):
    return OrgUnit.objects.get(code=code)


def get(client, user, name="reports:report", args=("summary",), **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), {**MARCH, "org": org("533900").pk, **params})


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_every_report_carries_its_own_form_number_and_authority(client, statistician):
    numbers = set()
    for report in definitions.REPORTS:
        response = get(client, statistician, args=(report.slug,))
        form = response.context["table"].form
        assert form.number == str(report.form_number) and form.authority == "州信访局"
        assert form.unit == "青峰州" and form.report_date == date(2025, 4, 3)
        html = response.content.decode()
        for text in ("表号", str(report.form_number), "制表机关", "州信访局", "填报单位：青峰州", "单位负责人",
                     "填表人", "报出日期", "2025年4月3日"):
            assert text in html, (report.slug, text)
        numbers.add(form.number)
    assert len(numbers) == len(definitions.REPORTS)  # each its own 表号


def test_report_date_defaults_to_today_and_the_preparer_to_the_user(client, statistician):
    client.force_login(statistician)
    response = client.get(reverse("reports:report", args=["bureau-data"]))
    form = response.context["table"].form
    today = timezone.localdate()
    assert form.report_date == today and f"{today.year}年{today.month}月{today.day}日" in response.content.decode()
    assert form.preparer == statistician.display_name and form.unit_head == ""


def test_a_wrong_report_date_is_refused_in_chinese(client, statistician):
    response = get(client, statistician, report_date="2025-02-30")
    assert response.status_code == 200 and response.context["table"] is None
    assert "日期格式不正确" in response.content.decode()


def test_scope_county_is_the_reporting_unit(client, statistician):
    response = get(client, statistician, org=org("533922").pk)
    assert response.context["table"].form.unit == "石门县"
    assert "填报单位：石门县" in response.content.decode()


def test_signers_are_saved_per_user_audited_and_printed_and_exported(client, statistician, orgs):
    url = reverse("reports:report", args=["summary"]) + "?start=2025-03-01&end=2025-03-31&report_date=2025-04-03"
    client.force_login(statistician)
    response = client.post(url, {"unit_head": "王局长", "preparer": "李统计"})
    assert response.status_code == 302 and response.url == url
    assert ReportSigners.objects.get(user=statistician).unit_head == "王局长"
    assert AuditLog.objects.filter(action="report.signers", actor=statistician).exists()

    page = client.get(url)
    assert (page.context["table"].form.unit_head, page.context["table"].form.preparer) == ("王局长", "李统计")
    assert page.context["signers_form"].initial == {"unit_head": "王局长", "preparer": "李统计"}
    html = page.content.decode()
    assert "王局长" in html and "李统计" in html

    ws = workbook(client.get(url + "&export=xlsx")).active
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert ws["A1"].value == "信访数据统计表总表"
    assert any("表号：信访统计6表" == t for t in texts) and any("制表机关：州信访局" == t for t in texts)
    assert any(t == "填报单位：青峰州" for t in texts)
    sign = next(t for t in texts if t.startswith("单位负责人"))
    assert "单位负责人：王局长" in sign and "填表人：李统计" in sign and "报出日期：2025年4月3日" in sign
    assert ws.print_title_rows.startswith("$1:")

    # Another statistician's reports keep their own names.
    other = make_user("statistician2", roles=["statistician"])
    form = get(client, other).context["table"].form
    assert (form.unit_head, form.preparer) == ("", other.display_name)


def test_signers_failure_paths_save_nothing(client, statistician, township_handler):
    url = reverse("reports:report", args=["summary"])
    client.force_login(statistician)
    response = client.post(url, {"unit_head": "王" * 51, "preparer": "李统计"})
    assert response.status_code == 200
    assert response.context["signers_form"].errors["unit_head"]
    assert not ReportSigners.objects.exists()

    client.force_login(township_handler)  # no reports.view_statistics
    assert client.post(url, {"unit_head": "王局长"}).status_code == 403
    with pytest.raises(NotAllowed):
        services.report_signers_save(actor=township_handler, unit_head="王局长", preparer="")
    with pytest.raises(ServiceError) as refused:
        services.report_signers_save(actor=statistician, unit_head="王" * 51, preparer="")
    assert "不能超过50个字" in refused.value.messages[0]
    assert not ReportSigners.objects.exists()
    assert not AuditLog.objects.filter(action="report.signers").exists()


def test_kpi_and_its_ranking_carry_the_block_in_page_and_excel(client, statistician):
    response = get(client, statistician, name="reports:kpi", args=())
    assert response.context["table"].form.number == "信访统计7表"
    assert response.context["ranking"].form.number == "信访统计7表附表"
    html = response.content.decode()
    assert "信访统计7表" in html and "信访统计7表附表" in html
    assert "report-wide" in html and "frozen-first" in html  # tighter, first column frozen on screen
    wb = workbook(get(client, statistician, name="reports:kpi", args=(), export="xlsx"))
    for sheet, number in (("考核指标", "信访统计7表"), ("排名", "信访统计7表附表")):
        texts = [c.value for row in wb[sheet].iter_rows() for c in row if isinstance(c.value, str)]
        assert f"表号：{number}" in texts and any(t.startswith("单位负责人") for t in texts), sheet


def test_reports_page_speaks_to_statisticians_not_about_files(client, statistician):
    client.force_login(statistician)
    html = client.get(reverse("reports:index")).content.decode()
    assert "docs/" not in html and ".md" not in html
    assert "统计口径" in html and "属地" in html and "表号" in html
    for report in definitions.REPORTS:
        assert str(report.form_number) in html


def _case(triage, when, key):
    data = {"purpose": entry(DictKind.PURPOSE, "04"), "problem": entry(DictKind.PROBLEM, "60200601"),
            "content": "单位拖欠工资", "letter_nature": entry(DictKind.LETTER_NATURE, "1")}
    with at(when):
        return register_case(actor=triage, channel="letter", data=data, petitioners=[person_data(key)],
                             submit_token=f"refused-{key}", registered_at=when)


def test_a_refusal_archived_later_still_counts_as_refused_in_the_summary(statistician, orgs):
    triage = make_user("triage_ref", org_code="53390001", roles=["triage"])
    start = local("2025-03-03 10:00")
    refused, archived, pending = (_case(triage, start + timedelta(hours=i), i) for i in (1, 2, 3))
    for case in (refused, archived):
        with at(start + timedelta(days=3)):
            case_transition(case=case, action="reject", actor=triage, reason=entry(DictKind.REJECT_REASON, "1"),
                            channel="向人民法院提起诉讼")
    with at(start + timedelta(days=40)):
        case_transition(case=Case.objects.get(pk=archived.pk), action="archive", actor=triage)
    assert Case.objects.get(pk=archived.pk).status == Status.ARCHIVED

    scope = Scope(org=org("533900"), period=Period(date(2025, 3, 1), date(2025, 3, 31)))
    table = definitions.summary_report(statistician, scope)
    assert table.row_by_label("不予受理/不再受理")["all"] == 2
    assert table.row_by_label("已办结（含归档）")["all"] == 0
    assert table.row_by_label("在办")["all"] == 1
    assert definitions.bureau_data_report(statistician, scope).row_by_label("合计")["done"] == 2
