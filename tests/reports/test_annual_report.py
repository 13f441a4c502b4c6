"""信访情况年度报告 (条例第四十一条, docs/reports.md §3.9): the figures of a year, the editable text
sections kept with the figures they were written against, PDF and Excel, and who may do what."""
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import AuditLog, OrgUnit
from petitions.models import DictEntry, DictKind, HandlingOpinion
from reports.annual import annual_figures
from reports.models import AnnualReport
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org

pytestmark = pytest.mark.django_db


def purpose(code):
    return DictEntry.objects.get(kind=DictKind.PURPOSE, code=code)


@pytest.fixture
def year_2026(cast, clock):
    clock.set(date(2026, 3, 2))
    act(make_case(cast.clerk, purpose=purpose("01"), responsible_unit="州住房和城乡建设局"), "answer", cast.triage,
        note="建议已采纳", opinion=HandlingOpinion.SUPPORT)
    act(make_case(cast.clerk, purpose=purpose("01")), "answer", cast.triage, note="说明", opinion=HandlingOpinion.EXPLAIN)
    act(make_case(cast.clerk, purpose=purpose("02"), responsible_unit="州住房和城乡建设局"), "route_discipline",
        cast.triage, org=org("53390007"))
    case = act(make_case(cast.clerk, purpose=purpose("04"), responsible_unit="石门镇"), "assign", cast.triage,
               targets=[{"org": org("533922101")}])
    act(case, "supervise", cast.supervisor, deadline=date(2026, 3, 10))
    act(case, "supervision_feedback", cast.township_handler, note="已办", adopted="采纳：建立工资保证金制度")
    clock.set(date(2026, 12, 1))


def params(**extra):
    return {"org": OrgUnit.objects.get(code="533900").pk, "year": 2026, **extra}


def test_figures_of_the_year(year_2026, statistician):
    figures = annual_figures(statistician, OrgUnit.objects.get(code="533900"), 2026)
    v = figures["volume"]
    assert (v["total"], v["suggestion"], v["accusation"], v["appeal"]) == (4, 2, 1, 1)
    assert (v["discipline"], v["sg_answered"], v["sg_adopted"]) == (1, 2, 1)
    assert tuple(figures["organs"][0]) == ("州住房和城乡建设局", 2)
    assert figures["routing"]["assign"] == 1
    assert figures["supervision"]["sv_issued"] == 1 and figures["supervision"]["sv_on_time"] == 1
    assert figures["feedback_adopted"] == 1
    assert annual_figures(statistician, OrgUnit.objects.get(code="533900"), 2025)["volume"]["total"] == 0


def test_text_is_saved_with_the_figures_it_was_written_against(client, year_2026, statistician, cast, clock):
    client.force_login(statistician)
    page = client.get(reverse("reports:annual"), params())
    assert page.status_code == 200 and "尚未保存" in page.content.decode()
    url = reverse("reports:annual") + "?org=%d&year=2026" % params()["org"]
    response = client.post(url, {"overview": "全年共登记信访事项4件。", "suggestions_text": "采纳建议1件。", "save": "1"})
    assert response.status_code == 302
    report = AnnualReport.objects.get(year=2026)
    assert report.overview == "全年共登记信访事项4件。" and report.figures["volume"]["total"] == 4
    assert AuditLog.objects.filter(action="report.annual").exists()
    # A case registered later (a correction of the year) does not change what was saved …
    clock.set(date(2026, 12, 2))
    make_case(cast.clerk, purpose=purpose("04"))
    assert client.get(url).context["figures"]["volume"]["total"] == 4
    client.post(url, {"overview": "全年共登记信访事项4件。", "save": "1"})
    assert AnnualReport.objects.get(year=2026).figures["volume"]["total"] == 4
    # … until 重新统计并保存.
    client.post(url, {"overview": "全年共登记信访事项5件。", "refresh": "1"})
    report = AnnualReport.objects.get(year=2026)
    assert report.figures["volume"]["total"] == 5 and report.overview == "全年共登记信访事项5件。"


def test_pdf_and_excel(client, year_2026, statistician):
    client.force_login(statistician)
    client.post(reverse("reports:annual") + "?org=%d&year=2026" % params()["org"],
                {"overview": "总体平稳。", "organs_text": "反映住建部门较多。", "save": "1"})
    pdf = client.get(reverse("reports:annual"), params(export="pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "青峰州2026年信访情况年度报告" in text and "总体平稳" in text and "州住房和城乡建设局" in text
    xlsx = client.get(reverse("reports:annual"), params(export="xlsx"))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.sheetnames == ["总体情况", "涉及领域", "被反映单位", "转送交办督办", "意见建议"]
    assert AuditLog.objects.filter(action="export", summary__contains="年度报告").count() == 2


def test_rights(client, year_2026, statistician, township_handler, cast):
    client.force_login(township_handler)
    assert client.get(reverse("reports:annual"), params()).status_code == 403
    # A county statistician cannot take the prefecture's report.
    from tests.factories import make_user

    county = make_user("county_statistician", org_code="53392201", roles=["statistician"])
    client.force_login(county)
    response = client.get(reverse("reports:annual"), params())
    assert response.status_code == 200 and "figures" not in response.context
    assert client.post(reverse("reports:annual") + "?org=%d&year=2026" % params()["org"],
                       {"overview": "x", "save": "1"}).status_code == 200
    assert not AnnualReport.objects.exists()
    # Exports need the export right.
    from tests.factories import make_user as make

    leaderless = make("stat_no_export", roles=["statistician"])
    leaderless.groups.clear()
    from django.contrib.auth.models import Permission

    leaderless.user_permissions.add(Permission.objects.get(codename="view_statistics"))
    client.force_login(leaderless)
    assert client.get(reverse("reports:annual"), params()).status_code == 200
    assert client.get(reverse("reports:annual"), params(export="pdf")).status_code == 403
