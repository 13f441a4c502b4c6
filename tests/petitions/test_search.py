"""信访查询 and 办结存档 over the report data set (tests/reports/dataset.py)."""
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import OrgUnit
from petitions import clock
from petitions.domain.idcard import mask_id_number
from petitions.models import DictEntry, DictKind
from petitions.forms.search import CaseSearchForm
from petitions.selectors.search import Keywords, case_search, result_page
from petitions.selectors.visibility import case_visible_qs
from petitions.services.transitions import case_transition
from tests.reports import conftest as report_fixtures
from tests.reports.dataset import person_data

dataset = report_fixtures.dataset  # the report tests' data set, built once for this module

CHAIQIAN = {"P02", "Q00", "Q01", "S02", "S10", "Y05", "Y07"}  # content contains 拆迁
GONGZI = {"P01", "P09", "Q02", "Q05", "S01", "S06", "S08", "T05", "Y06", "W03"}  # contains 工资


def keys(ds, numbers):
    by_number = {c.number: k for k, c in ds.cases.items()}
    return [by_number[n] for n in numbers]


def saved(client, name, params):
    """Post the search form and open the results under their saved key (the pages take no
    criteria from the query string); an invalid form comes back as the posted page."""
    response = client.post(reverse(name), params)
    return client.get(response["Location"]) if response.status_code == 302 else response


def search(client, user, export=None, page=None, **params):
    client.force_login(user)
    response = client.post(reverse("petitions:search"), params)
    if response.status_code != 302:
        return response
    extra = {"export": export, "page": page}
    return client.get(response["Location"] + "".join(f"&{k}={v}" for k, v in extra.items() if v))


def found(response, ds):
    return keys(ds, [row["case"].number for row in response.context["rows"]])


def test_two_character_words_find_every_case_containing_them(client, dataset, statistician):
    assert set(found(search(client, statistician, q="拆迁"), dataset)) == CHAIQIAN
    assert set(found(search(client, statistician, q="工资"), dataset)) == GONGZI


def test_relevance_ranks_more_occurrences_first_then_date(client, dataset, statistician):
    response = search(client, statistician, q="拆迁")
    order = found(response, dataset)
    assert order[0] == "S10"  # 拆迁 three times
    assert response.context["page"].count_label == "7"


@pytest.mark.parametrize("sort, first", [("-date", "S10"), ("date", "Q00"), ("number", "P02")])
def test_keyword_results_sortable(client, dataset, statistician, sort, first):
    order = found(search(client, statistician, q="拆迁", sort=sort), dataset)
    assert order[0] == first and set(order) == CHAIQIAN


def test_terms_are_anded_and_phrases_keep_order(client, dataset, statistician):
    assert set(found(search(client, statistician, q="拖欠 工资"), dataset)) == GONGZI - {"Q05", "S08"}
    assert found(search(client, statistician, q="资工"), dataset) == []


def test_single_character_falls_back_to_substring(client, dataset, statistician):
    assert found(search(client, statistician, q="薪"), dataset) == ["Y10"]
    assert Keywords.parse("薪 拆迁").substrings == ["薪"]


def test_user_text_never_reaches_sql(client, dataset, statistician):
    for q in ['"拆迁" OR 1=1 --', "'; DROP TABLE petitions_case; --", 'NEAR("拆迁")', "*"]:
        response = search(client, statistician, q=q)
        assert response.status_code == 200
    assert Keywords.parse('"拆迁" OR').fts5_match() == '"拆迁" AND "or"'
    assert set(found(search(client, statistician, q="拆迁"), dataset)) == CHAIQIAN


def test_keyword_page_uses_a_materialized_cte(dataset, statistician):
    form = CaseSearchForm(statistician, {"q": "工资"})
    assert form.is_valid()
    query = case_search(statistician, form.cleaned_data)
    with CaptureQueriesContext(connection) as ctx:
        page = result_page(query, 1)
    assert page.count == 10
    assert any("AS MATERIALIZED" in q["sql"] for q in ctx.captured_queries)


def test_many_hits_are_counted_to_the_cap_and_ordered_by_date(dataset, statistician, monkeypatch):
    monkeypatch.setattr("petitions.selectors.search.COUNT_CAP", 5)
    form = CaseSearchForm(statistician, {"q": "工资"})
    assert form.is_valid()
    page = result_page(case_search(statistician, form.cleaned_data), 1)
    assert (page.count_label, page.relevance_dropped) == ("5+", True)
    dates = [c.registered_at for c in page.rows]
    assert dates == sorted(dates, reverse=True) and len(dates) == 10
    assert set(keys(dataset, [c.number for c in page.rows])) == GONGZI


def test_person_fields_exact(client, dataset, statistician):
    person = person_data(1)
    assert set(found(search(client, statistician, id_number=person["id_number"].lower()), dataset)) == {"P01", "P09"}
    assert set(found(search(client, statistician, name=person["name"]), dataset)) == {"P01", "P09"}
    assert set(found(search(client, statistician, phone=person["phone"]), dataset)) == {"P01", "P09"}
    assert found(search(client, statistician, number=dataset.cases["S10"].number), dataset) == ["S10"]


def test_filters(client, dataset, statistician):
    labour = DictEntry.objects.get(kind=DictKind.PROBLEM, code="602006")
    # 所属问题 includes its children (拖欠工资, 社会保险, 劳动关系).
    assert len(found(search(client, statistician, problem=labour.pk), dataset)) == 16
    assert set(found(search(client, statistician, status="rejected"), dataset)) == {"P03", "S03"}
    assert "Y07" in found(search(client, statistician, status="archived"), dataset)  # rejected, then archived
    assert set(found(search(client, statistician, repeat="yes"), dataset)) == {"P09", "Q06", "S08", "T06", "Y01",
                                                                                  "W07"}
    shimen = OrgUnit.objects.get(code="533922")
    visits = found(search(client, statistician, org=shimen.pk, channel="visit", date_from="2025-03-01",
                          date_to="2025-03-31"), dataset)
    assert set(visits) == {"S01", "S02", "S03", "S08", "S10", "T01", "T02", "T04", "T06"}
    assert found(search(client, statistician, date_from="2025-04-01", date_to="2025-04-01"), dataset) == ["S11"]
    demand = DictEntry.objects.get(kind=DictKind.PURPOSE, code="05")
    assert set(found(search(client, statistician, purpose=demand.pk), dataset)) == {"P06", "Q07", "T04", "Y08", "W05"}


def test_overdue_and_supervised(client, dataset, statistician, supervisor):
    overdue = search(client, statistician, overdue="on")
    assert overdue.context["page"].count == 32  # open cases of 2025, without the confidential P05
    p07 = dataset.case("P07")
    case_transition(case=p07, action="supervise", actor=supervisor, note="请加快办理",
                    deadline=clock.today() + timedelta(days=5))
    assert found(search(client, statistician, supervised="on"), dataset) == ["P07"]


def test_pagination_and_count(client, dataset, statistician):
    first = search(client, statistician)
    page = first.context["page"]
    assert (page.count, page.num_pages, len(first.context["rows"])) == (59, 3, 20)  # 60 minus confidential P05
    third = search(client, statistician, page=3)
    assert len(third.context["rows"]) == 19
    assert found(first, dataset)[0] == "S11"  # newest first


def test_rows_link_to_detail_and_mask_ids(client, dataset, statistician, triage):
    response = search(client, statistician, number=dataset.cases["P01"].number)
    html = response.content.decode()
    full = person_data(1)["id_number"]
    assert reverse("petitions:detail", args=[dataset.cases["P01"].pk]) in html
    assert full not in html and mask_id_number(full) in html
    response = search(client, triage, number=dataset.cases["P01"].number)
    assert full in response.content.decode()


def test_township_user_sees_only_its_township(client, dataset, township_handler, other_township_handler):
    everything = set(found(search(client, township_handler), dataset))
    assert everything == {"T01", "T02", "T03", "T04", "T05", "T06"}
    assert found(search(client, township_handler, q="工资"), dataset) == ["T05"]
    assert found(search(client, other_township_handler, q="工资"), dataset) == ["W03"]
    assert found(search(client, township_handler, q="拆迁"), dataset) == []


def test_confidential_case_not_found_without_grant(client, dataset, statistician):
    assert found(search(client, statistician, q="检举"), dataset) == []
    grantee = dataset.users["PREF"]  # registered it: holds the per-case grant
    assert found(search(client, grantee, q="检举"), dataset) == ["P05"]


def test_export_search_results(client, dataset, statistician):
    response = search(client, statistician, q="工资", export="xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    numbers = [ws.cell(r, 1).value for r in range(4, 4 + 10)]
    assert set(keys(dataset, numbers)) == GONGZI
    assert ws.cell(14, 1).value.startswith("共 10 条")
    ids = {ws.cell(r, 6).value for r in range(4, 14)}
    assert mask_id_number(person_data(1)["id_number"]) in ids  # masked: no view_pii
    assert person_data(1)["id_number"] not in ids


def test_export_neutralises_formulas(client, dataset, statistician):
    response = search(client, statistician, number=dataset.cases["P10"].number, export="xlsx")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = ws.cell(4, 10)  # 概况
    assert cell.value.startswith("=HYPERLINK(") and cell.data_type == "s" and cell.quotePrefix


def test_export_needs_permission_and_respects_visibility(client, dataset, clerk, township_handler, triage):
    assert search(client, clerk, export="xlsx").status_code == 403  # 登记员: no export_case
    # A township handler exports exactly the cases his township may see, nothing of the others.
    response = search(client, township_handler, export="xlsx")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    numbers = {ws.cell(r, 1).value for r in range(4, ws.max_row + 1)} - {None}
    numbers = {n for n in numbers if not n.startswith("共")}
    visible = set(case_visible_qs(township_handler).values_list("number", flat=True))
    assert numbers and numbers == visible and len(visible) < len(dataset.cases)
    response = search(client, triage, q="工资", export="xlsx")  # prefecture bureau, view_pii
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert person_data(1)["id_number"] in {ws.cell(r, 6).value for r in range(4, 14)}


def test_archive_lists_finished_cases_only(client, dataset, statistician):
    client.force_login(statistician)
    response = client.get(reverse("petitions:archive"))
    assert set(found(response, dataset)) == {"P01", "Q07", "T01", "T04", "Y08", "W01", "W05", "P08", "S04",
                                             "P03", "S03", "Y07"}
    response = saved(client, "petitions:archive", {"q": "拆迁"})
    assert found(response, dataset) == ["Y07"]
    response = saved(client, "petitions:archive", {"date_field": "closed", "date_from": "2025-04-10",
                                                   "date_to": "2025-04-10"})
    assert found(response, dataset) == ["P08"]  # closed the day after its answer of 04-09
    everything = client.post(reverse("petitions:archive"), {})["Location"]
    export = client.get(everything + "&export=xlsx")
    ws = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert ws["A1"].value == "办结存档" and ws.cell(4 + 12, 1).value.startswith("共 12 条")


def test_archive_is_not_for_handlers(client, dataset, township_handler):
    client.force_login(township_handler)
    assert client.get(reverse("petitions:archive")).status_code == 403


def test_search_needs_case_access(client, dataset, sysadmin):
    client.force_login(sysadmin)
    assert client.get(reverse("petitions:search")).status_code == 403


def test_criteria_in_the_query_string_are_ignored(client, dataset, statistician):
    """A link that carries a keyword (or a name, an ID number) finds nothing by it: criteria
    come only from the posted form, so they never sit in addresses, histories or logs."""
    client.force_login(statistician)
    everything = set(found(client.get(reverse("petitions:search")), dataset))
    assert set(found(client.get(reverse("petitions:search"), {"q": "拆迁"}), dataset)) == everything
    assert set(found(saved(client, "petitions:search", {"q": "拆迁"}), dataset)) == CHAIQIAN
