"""The six reports: every cell against hand-computed numbers (tests/reports/expected.py), the
Excel file against the same numbers, period boundaries, source filter, scope and permissions."""
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import OrgUnit
from accounts.models import AuditLog
from reports import definitions
from reports.selectors import Period, Scope, statistics_cases
from tests.factories import make_user
from tests.reports import expected

MARCH = {"start": "2025-03-01", "end": "2025-03-31", "source": "all"}
SLUGS = {
    "visit-levels": expected.VISIT_LEVELS,
    "first-petitions": expected.FIRST_PETITIONS,
    "bureau-data": expected.BUREAU_DATA,
    "problem-ranking": expected.PROBLEM_RANKING,
    "abnormal-visits": expected.ABNORMAL_VISITS,
    "summary": expected.SUMMARY,
}


def org(code):
    return OrgUnit.objects.get(code=code)


def rows_of(table):
    return [(row.kind, row.cells) for row in table.rows]


def report_get(client, user, slug, **params):
    client.force_login(user)
    query = {**MARCH, "org": org("533900").pk, **params}
    return client.get(reverse("reports:report", args=[slug]), query)


def xlsx_rows(response, table):
    """The body rows of the downloaded sheet, in the page's table shape ("" read back as None)."""
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb[table.sheet_name]
    first = 4 + len(table.header_rows())  # title, period and 表号, 填报单位 and 制表机关, then the header
    out = []
    for values in ws.iter_rows(min_row=first, max_row=first + len(table.rows) - 1, max_col=len(table.leaves),
                               values_only=True):
        out.append(list(values))
    return ws, out


def normalise(cells):
    return [None if c == "" else c for c in cells]


@pytest.mark.parametrize("slug", list(SLUGS))
def test_report_page_every_cell(client, dataset, statistician, slug, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):  # constant: no query per case (56 here)
        response = report_get(client, statistician, slug)
    assert response.status_code == 200
    table = response.context["table"]
    assert rows_of(table) == SLUGS[slug]
    html = response.content.decode()
    assert table.title in html and "2025年03月01日至2025年03月31日" in html
    assert 'data-print' in html  # 打印 button (static/js/print.js)


@pytest.mark.parametrize("slug", list(SLUGS))
def test_report_excel_has_the_page_numbers(client, dataset, statistician, slug):
    page = report_get(client, statistician, slug).context["table"]
    response = report_get(client, statistician, slug, export="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws, body = xlsx_rows(response, page)
    assert body == [normalise(cells) for _kind, cells in SLUGS[slug]]
    assert ws["A1"].value == page.title
    assert "2025年03月01日至2025年03月31日" in ws["A2"].value and "青峰州" in ws["A2"].value
    assert ws.print_title_rows == f"$1:${3 + len(page.header_rows())}"
    assert ws.page_setup.orientation == "landscape"
    assert AuditLog.objects.filter(action="export", actor=statistician).exists()


def test_excel_percentages_are_numbers_formatted_with_one_decimal(client, dataset, statistician):
    response = report_get(client, statistician, "bureau-data", export="xlsx")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    # 合计 row: 办结率 24/56 = 42.9 %, 网信占比 7/56 = 12.5 %.
    total = next(row for row in ws.iter_rows() if row[0].value == "合计")
    assert total[14].value == 0.429 and total[14].number_format == "0.0%"
    assert total[15].value == 0.125


def test_page_shows_percentages_with_one_decimal(client, dataset, statistician):
    html = report_get(client, statistician, "bureau-data").content.decode()
    assert "42.9%" in html and "12.5%" in html and "41.7%" in html


def test_merged_multilevel_headers(client, dataset, statistician):
    table = report_get(client, statistician, "bureau-data").context["table"]
    top, middle, bottom = table.header_rows()
    visit = next(c for c in top if c.label == "来访")
    assert (visit.colspan, visit.rowspan) == (4, 1)
    collective = next(c for c in middle if c.label == "其中：集体访")
    assert collective.colspan == 2
    assert [c.label for c in bottom] == ["批次", "人次"]
    unit = next(c for c in top if c.label == "单位")
    assert unit.rowspan == 3


def test_county_scope_rows_are_the_county_and_its_townships(client, dataset, statistician):
    response = report_get(client, statistician, "bureau-data", org=org("533922").pk)
    assert rows_of(response.context["table"]) == expected.SHIMEN_BUREAU


@pytest.mark.parametrize("source, rows", [("referral", expected.REFERRAL_BUREAU), ("direct", expected.DIRECT_BUREAU)])
def test_source_filter(client, dataset, statistician, source, rows):
    response = report_get(client, statistician, "bureau-data", source=source)
    assert rows_of(response.context["table"]) == rows


def test_direct_and_referral_add_up_to_all(dataset, statistician):
    scope = Scope(org=org("533900"), period=Period(*_dates("2025-03-01", "2025-03-31")))
    counts = {src: statistics_cases(statistician, Scope(scope.org, scope.period, src)).count()
              for src in ("all", "direct", "referral")}
    assert counts == {"all": 56, "direct": 51, "referral": 5}


def _dates(a, b):
    from datetime import date
    return date.fromisoformat(a), date.fromisoformat(b)


@pytest.mark.parametrize("start, end, numbers", [
    ("2025-03-31", "2025-03-31", {"Q10", "S10"}),  # S10 at 23:59 on the last day: in, once
    ("2025-04-01", "2025-04-01", {"S11"}),  # 00:00:00 belongs to the new day
    ("2025-02-28", "2025-02-28", {"Q00"}),  # 23:59:59 on the last day of February
    ("2025-03-01", "2025-03-01", {"P01", "S01"}),  # 00:00:00 on the first day
])
def test_period_boundaries_asia_shanghai(dataset, statistician, start, end, numbers):
    scope = Scope(org=org("533900"), period=Period(*_dates(start, end)))
    got = set(statistics_cases(statistician, scope).values_list("number", flat=True))
    assert got == {dataset.cases[k].number for k in numbers}


def test_consecutive_periods_count_each_case_once(dataset, statistician):
    def total(a, b):
        return statistics_cases(statistician, Scope(org=org("533900"), period=Period(*_dates(a, b)))).count()

    assert total("2025-02-01", "2025-02-28") + total("2025-03-01", "2025-03-31") + total(
        "2025-04-01", "2025-04-30") == total("2025-02-01", "2025-04-30") == 2 + 56 + 1


def test_confidential_case_is_counted_but_not_listed(dataset, statistician):
    """P05 (保密 检举控告) counts in the statistics; the statistician cannot open or find it."""
    from petitions.selectors import case_visible_qs

    scope = Scope(org=org("533900"), period=Period(*_dates("2025-03-01", "2025-03-31")))
    p05 = dataset.cases["P05"]
    assert statistics_cases(statistician, scope).filter(pk=p05.pk).exists()
    assert not case_visible_qs(statistician).filter(pk=p05.pk).exists()


def test_township_statistician_sees_only_its_township(client, dataset):
    user = make_user("town_stat", org_code="533922101", roles=["statistician"])
    client.force_login(user)
    response = client.get(reverse("reports:report", args=["bureau-data"]), MARCH)
    table = response.context["table"]
    assert [row.cells[:2] for row in table.rows] == [["石门镇本级", 6], ["合计", 6]]
    # Another township, the county or the prefecture cannot be chosen.
    for code in ("533923101", "533922", "533900"):
        response = client.get(reverse("reports:report", args=["bureau-data"]), {**MARCH, "org": org(code).pk})
        assert response.context["table"] is None
        assert response.context["form"].errors["org"]
    export = client.get(reverse("reports:report", args=["summary"]), {**MARCH, "export": "xlsx"})
    ws, body = xlsx_rows(export, definitions.summary_report(
        user, Scope(org=org("533922101"), period=Period(*_dates("2025-03-01", "2025-03-31")))))
    assert body[1][:4] == ["信访总量", "件次", 6, 6]


def test_prefecture_county_choices(client, dataset, statistician):
    client.force_login(statistician)
    form = client.get(reverse("reports:report", args=["summary"])).context["form"]
    codes = set(form.fields["org"].queryset.values_list("code", flat=True))
    assert {"533900", "533901", "533922", "533923", "533922101"} <= codes
    assert "53390003" not in codes  # departments are not scopes; they count in 本级


def test_statistics_need_the_permission(client, dataset, township_handler):
    client.force_login(township_handler)
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:report", args=["summary"]), MARCH).status_code == 403
    assert client.get(reverse("reports:kpi")).status_code == 403
    assert client.get(reverse("reports:charts")).status_code == 403


def test_export_needs_the_export_permission(client, dataset):
    user = make_user("viewer", roles=[])
    user.user_permissions.add(Permission.objects.get(codename="view_statistics"))
    client.force_login(user)
    assert client.get(reverse("reports:report", args=["summary"]), MARCH).status_code == 200
    assert client.get(reverse("reports:report", args=["summary"]), {**MARCH, "export": "xlsx"}).status_code == 403


def test_index_lists_the_six_reports(client, dataset, statistician):
    client.force_login(statistician)
    html = client.get(reverse("reports:index")).content.decode()
    for report in definitions.REPORTS:
        assert str(report.title) in html
        assert reverse("reports:report", args=[report.slug]) in html


def test_unknown_report_is_404(client, dataset, statistician):
    client.force_login(statistician)
    assert client.get(reverse("reports:report", args=["nope"])).status_code == 404


def test_invalid_period_is_a_form_error(client, dataset, statistician):
    client.force_login(statistician)
    response = client.get(reverse("reports:report", args=["summary"]),
                          {"start": "2025-03-31", "end": "2025-03-01"})
    assert response.context["table"] is None
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_default_period_is_this_year(client, dataset, statistician):
    client.force_login(statistician)
    response = client.get(reverse("reports:report", args=["summary"]))
    assert response.status_code == 200
    assert re.search(r"\d{4}年01月01日至", response.content.decode())
