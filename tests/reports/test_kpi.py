"""KPIs per organization and their ranking, against hand-computed numbers (expected.py)."""
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import OrgUnit
from reports import definitions
from reports.selectors import Period, Scope
from tests.reports import expected

H1 = {"start": "2025-01-01", "end": "2025-06-30", "source": "all"}
RANKINGS = {
    "acc_pct": expected.RANK_ACC_PCT, "hdl_pct": expected.RANK_HDL_PCT, "sat_pct": expected.RANK_SAT_PCT,
    "rated_pct": expected.RANK_RATED_PCT, "repeat_pct": expected.RANK_REPEAT_PCT,
    "skip_pct": expected.RANK_SKIP_PCT, "online_pct": expected.RANK_ONLINE_PCT,
}


def kpi_get(client, user, **params):
    client.force_login(user)
    return client.get(reverse("reports:kpi"), {**H1, "org": OrgUnit.objects.get(code="533900").pk, **params})


def test_kpi_every_cell(client, dataset, statistician):
    response = kpi_get(client, statistician)
    assert response.status_code == 200
    assert [(r.kind, r.cells) for r in response.context["table"].rows] == expected.KPI


def test_kpi_named_values(dataset, statistician):
    """The formulas of docs/reports.md §4 on the grand total row."""
    table = definitions.kpi_report(statistician, Scope(
        org=OrgUnit.objects.get(code="533900"), period=Period(date(2025, 1, 1), date(2025, 6, 30))))
    total = table.row_by_label("合计")
    assert (total["acc_ok"], total["acc_due"], total["acc_pct"]) == (30, 60, 0.5)  # 及时受理率
    assert (total["hdl_ok"], total["hdl_due"], total["hdl_pct"]) == (16, 22, 0.727)  # 按期办结率 (S01 extended)
    assert (total["ev_satisfied"] + total["ev_basic"], total["ev_total"], total["sat_pct"]) == (12, 15, 0.8)
    assert (total["rated"], total["answered"], total["rated_pct"]) == (9, 24, 0.375)  # 参评率
    assert (total["repeat"], total["total"], total["repeat_pct"]) == (6, 60, 0.1)  # 重复信访率
    assert (total["skip"], total["visits"], total["skip_pct"]) == (4, 28, 0.143)  # 越级访占比
    assert (total["online"], total["total"], total["online_pct"]) == (7, 60, 0.117)  # 网信占比


def test_approved_extension_counts_as_in_time(dataset, statistician):
    """S01 was answered 75 days after acceptance with an approved 30-day extension: on time.
    石门县本级 is 3/5: S01, S04, S07 on time; S02 answered late; S06 never answered."""
    table = definitions.kpi_report(statistician, Scope(
        org=OrgUnit.objects.get(code="533922"), period=Period(date(2025, 3, 1), date(2025, 6, 30))))
    row = table.row_by_label("石门县本级")
    assert (row["hdl_ok"], row["hdl_due"]) == (3, 5)
    s01 = dataset.case("S01")
    assert s01.handling_due == date(2025, 6, 2)  # 03-04 + 60 + 30
    assert s01.answered_at.date() <= s01.handling_due


@pytest.mark.parametrize("key", list(RANKINGS))
def test_ranking(client, dataset, statistician, key):
    response = kpi_get(client, statistician, rank_by=key)
    assert [(r.kind, r.cells) for r in response.context["ranking"].rows] == RANKINGS[key]


def test_kpi_excel_has_both_tables(client, dataset, statistician):
    response = kpi_get(client, statistician, export="xlsx", rank_by="sat_pct")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["考核指标", "排名"]
    ws = wb["考核指标"]
    first = 4 + 2  # title, two rows of the form block, two header rows
    body = [list(r) for r in ws.iter_rows(min_row=first, max_row=first + 5, max_col=26, values_only=True)]
    assert body == [cells for _kind, cells in expected.KPI]
    ranking = [list(r) for r in wb["排名"].iter_rows(min_row=5, max_row=8, max_col=3, values_only=True)]
    assert ranking == [cells for _kind, cells in expected.RANK_SAT_PCT]


def test_kpi_page_lists_formulas_and_percentages(client, dataset, statistician):
    html = kpi_get(client, statistician).content.decode()
    assert "及时受理率" in html and "按期办结率" in html and "群众满意率" in html and "参评率" in html
    assert "72.7%" in html and "37.5%" in html


def test_organization_without_cases_is_not_ranked(dataset, statistician):
    table = definitions.kpi_report(statistician, Scope(
        org=OrgUnit.objects.get(code="533922"), period=Period(date(2025, 1, 1), date(2025, 6, 30))))
    ranking = definitions.kpi_ranking(table, "acc_pct")
    assert [r.cells for r in ranking.rows] == [[1, "石门镇", 0.5], [2, "石门县本级", 0.455], [None, "龙潭乡", None]]


def test_refusals_are_timed_by_their_event_whether_or_not_closed_at_is_set(client, dataset, statistician):
    """不予受理 sets 办结时间 (closed_at); rows refused before the service did have none. The KPI
    times a refusal by its event (reports/selectors.py kpi_counts, query 2), so both agree."""
    from petitions.models import Case
    from petitions.workflow import Status

    refused = Case.objects.filter(status__in=(Status.REJECTED, Status.ARCHIVED), accepted_at__isnull=True)
    assert refused.exists() and not refused.filter(closed_at__isnull=True).exists()
    before = [(r.kind, r.cells) for r in kpi_get(client, statistician).context["table"].rows]
    assert before == expected.KPI
    refused.update(closed_at=None)  # as written before the service set it
    after = [(r.kind, r.cells) for r in kpi_get(client, statistician).context["table"].rows]
    assert after == expected.KPI
