"""The workflow pages: status codes, forms that call the services, errors shown next to the
form, 404 for out-of-scope users by URL, lists with due labels and the 督办 flag, the Excel
export."""
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from petitions.models import AssignmentStatus, CaseEvent, CaseView, HandlingOpinion
from petitions.workflow import Status
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, make_case, org, snapshot

pytestmark = pytest.mark.django_db


def action_url(case, action):
    return reverse("petitions:action", args=[case.pk, action])


def login(client, user):
    client.force_login(user)
    return client


def test_assign_page_get_and_post(client, cast, clock):
    case = make_case(cast.clerk)
    login(client, cast.triage)
    page = client.get(action_url(case, "assign"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="action-submit"' in html and "确定交办" in html and 'name="version"' in html
    assert "石门镇" in html
    response = client.post(action_url(case, "assign"), {
        "version": case.version, "note": "请依法办理。",
        "targets-TOTAL_FORMS": "4", "targets-INITIAL_FORMS": "0", "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "10",
        "targets-0-org": org("533922101").pk, "targets-0-deadline": (DAY0 + timedelta(days=30)).isoformat(),
        "targets-0-is_lead": "on",
        "targets-1-org": org("53390003").pk,
    })
    assert response.status_code == 302 and response["Location"] == reverse("petitions:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.status == Status.AWAITING_ACCEPTANCE and case.assignments.count() == 2
    lead = case.assignments.get(is_lead=True)
    assert lead.org.code == "533922101" and lead.handling_due == DAY0 + timedelta(days=30)
    # The unit sees the deadline the bureau set before it accepts: on the case page and in its inbox.
    due = (DAY0 + timedelta(days=30)).isoformat()
    login(client, cast.township_handler)
    detail = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert f"指定办理期限 {due}" in detail
    inbox = client.get(reverse("petitions:inbox")).content.decode()
    assert f"指定办理期限 {due}" in inbox


def test_stale_form_shows_the_concurrency_message_and_changes_nothing(client, cast):
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    stale_version = case.version
    act(case, "mark_viewed", cast.triage)  # someone else acted in the meantime
    before = snapshot(case)
    login(client, cast.township_handler)
    response = client.post(action_url(case, "accept"), {"version": stale_version, "note": ""})
    assert response.status_code == 409
    assert "该信访件已被他人处理，请刷新后重试" in response.content.decode()
    assert snapshot(case) == before


def test_service_errors_are_shown_next_to_the_field(client, cast):
    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}]),
               "accept", cast.township_handler)
    login(client, cast.township_handler)
    response = client.post(action_url(case, "request_extension"), {"version": case.version, "days": "45",
                                                                    "note": "复杂"})
    assert response.status_code == 200
    assert "延期天数" in response.content.decode()
    assert not CaseEvent.objects.filter(case=case, action="request_extension").exists()
    response = client.post(action_url(case, "report_result"), {"version": case.version, "note": "",
                                                                "opinion": HandlingOpinion.SUPPORT})
    assert "请填写" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS


def test_report_result_with_attachment(client, cast):
    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}]),
               "accept", cast.township_handler)
    login(client, cast.township_handler)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("调查报告.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n",
                                content_type="application/pdf")
    response = client.post(action_url(case, "report_result"), {
        "version": case.version, "note": "已调查处理。", "opinion": HandlingOpinion.SUPPORT, "files": [upload]})
    assert response.status_code == 302
    event = CaseEvent.objects.get(case=case, action="report_result")
    assert event.attachments.get().original_name == "调查报告.pdf"


def test_out_of_scope_user_gets_404_by_url(client, cast):
    case = make_case(cast.clerk)
    login(client, cast.other_county_triage)
    assert client.get(action_url(case, "assign")).status_code == 404
    assert client.post(action_url(case, "assign"), {"version": case.version}).status_code == 404
    assert client.get(reverse("petitions:export", args=[case.pk])).status_code == 404
    assert client.get(reverse("petitions:action", args=[case.pk, "no_such_action"])).status_code == 404


def test_visible_but_not_allowed_is_403_and_changes_nothing(client, cast):
    case = make_case(cast.clerk)
    login(client, cast.county_triage)
    case_in_county = act(case, "assign", cast.triage, targets=[{"org": org("533922101")}])
    assert client.get(action_url(case_in_county, "close")).status_code == 403
    before = snapshot(case_in_county)
    response = client.post(action_url(case_in_county, "mark_viewed"), {"version": case_in_county.version})
    assert response.status_code == 403
    assert snapshot(case_in_county) == before


def test_case_page_shows_the_allowed_buttons_and_the_workflow_panel(client, cast, clock):
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    login(client, cast.township_handler)
    html = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    buttons = html.split('id="case-actions"', 1)[1].split("</div>", 1)[0]
    assert f'href="{action_url(case, "accept")}"' in buttons and ">受理<" in buttons
    assert ">退回<" in buttons and ">交办<" not in buttons
    assert 'id="case-assignments"' in html and "2026-03-17" in html


def test_leader_page_and_instruction_board(client, cast, clock):
    case = act(make_case(cast.clerk), "report_leader", cast.triage, leader=cast.leader,
               deadline=DAY0 + timedelta(days=2))
    login(client, cast.leader)
    html = client.get(reverse("petitions:leader")).content.decode()
    assert case.number in html and "即将到期" in html
    act(case, "instruct", cast.leader, note="请尽快研究解决。")
    html = client.get(reverse("petitions:instructions")).content.decode()
    assert "请尽快研究解决。" in html
    login(client, cast.county_triage)
    assert "请尽快研究解决。" not in client.get(reverse("petitions:instructions")).content.decode()
    login(client, cast.township_handler)
    assert client.get(reverse("petitions:leader")).status_code == 403


def test_inbox_tabs_with_counts(client, cast, clock):
    first = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    second = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    act(second, "accept", cast.township_handler)
    login(client, cast.township_handler)
    response = client.get(reverse("petitions:inbox"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="tab-pending"' in html and "待受理 <span class=\"count\">1</span>" in html
    assert "办理中 <span class=\"count\">1</span>" in html
    assert first.number in html and second.number not in html
    html = client.get(reverse("petitions:inbox") + "?tab=in_progress").content.decode()
    assert second.number in html and "2026-05-01" in html  # handling deadline: acceptance + 60
    login(client, cast.other_township_handler)
    assert first.number not in client.get(reverse("petitions:inbox")).content.decode()
    login(client, cast.leader)
    assert client.get(reverse("petitions:inbox")).status_code == 403


def test_supervision_page_lists_overdue_and_supervised(client, cast, clock):
    overdue = make_case(cast.clerk)
    supervised = act(make_case(cast.clerk), "supervise", cast.supervisor, note="请加快。",
                     deadline=DAY0 + timedelta(days=5))
    clock.day(20)
    login(client, cast.supervisor)
    html = client.get(reverse("petitions:supervision")).content.decode()
    assert overdue.number in html and "已超期" in html
    html = client.get(reverse("petitions:supervision") + "?tab=supervised").content.decode()
    assert supervised.number in html and "督办要求" in html
    login(client, cast.other_county_supervisor)
    assert overdue.number not in client.get(reverse("petitions:supervision")).content.decode()


def test_review_queue_tabs(client, cast, clock):
    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}]),
               "accept", cast.township_handler)
    case = act(case, "request_extension", cast.township_handler, days=10)
    login(client, cast.triage)
    html = client.get(reverse("petitions:review_queue") + "?tab=extensions").content.decode()
    assert case.number in html and "批准延期" in html
    act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.SUPPORT)
    html = client.get(reverse("petitions:review_queue")).content.decode()
    assert case.number in html and 'id="tab-results"' in html
    received = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("53392201")}])
    login(client, cast.county_triage)
    html = client.get(reverse("petitions:review_queue") + "?tab=received").content.decode()
    assert received.number in html


def test_export_case_to_excel(client, cast):
    case = make_case(cast.clerk, content="=HYPERLINK(\"http://evil\")反映问题")
    act(case, "mark_viewed", cast.triage)
    login(client, cast.statistician)  # export permission, no PII permission
    response = client.get(reverse("petitions:export", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert case.number in str(values[0])
    formula = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("="))
    assert formula.data_type == "s" and formula.quotePrefix
    assert "标记查看" in values
    assert case.views.filter(user=cast.statistician, action="export").exists()
    login(client, cast.clerk)  # sees the case (registered it), no export permission
    assert client.get(reverse("petitions:export", args=[case.pk])).status_code == 403


def test_instruct_page_with_direct_assignment(client, cast, clock):
    case = act(make_case(cast.clerk), "report_leader", cast.triage, leader=cast.leader,
               deadline=DAY0 + timedelta(days=3))
    login(client, cast.leader)
    response = client.post(action_url(case, "instruct"), {
        "version": case.version, "note": "由人社局直接办理。", "direct": "on",
        "targets-TOTAL_FORMS": "4", "targets-INITIAL_FORMS": "0", "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "10", "targets-0-org": org("53390003").pk,
    })
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.AWAITING_ACCEPTANCE
    assert case.assignments.get().status == AssignmentStatus.PENDING


def test_confidential_assignment_to_the_accused_is_a_form_error(client, cast):
    case = make_case(cast.triage, confidential=True, accused_org=org("533922101"))
    login(client, cast.triage)
    html = client.get(action_url(case, "assign")).content.decode()
    assert f'value="{org("533922101").pk}"' not in html  # not even offered
    response = client.post(action_url(case, "assign"), {
        "version": case.version, "targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0", "targets-MAX_NUM_FORMS": "10", "targets-0-org": org("533922101").pk,
    })
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.PENDING


def test_home_page_cards_show_waiting_work(client, cast, clock):
    from petitions.selectors.dashboards import widgets_for

    assert [w["label"] for w in widgets_for(cast.township_handler)] == []
    act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    cards = {w["label"]: w for w in widgets_for(cast.township_handler)}
    assert cards["待受理"]["count"] == 1 and cards["待受理"]["url"] == reverse("petitions:inbox")
    login(client, cast.township_handler)
    assert "待受理" in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("page, user", [
    ("petitions:inbox", "township_handler"), ("petitions:supervision", "supervisor"),
    ("petitions:leader", "leader"), ("petitions:review_queue", "triage"), ("petitions:instructions", "triage"),
])
def test_list_pages_use_a_constant_number_of_queries(client, cast, clock, page, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def populate(n):
        for _i in range(n):
            case = act(make_case(cast.clerk), "report_leader", cast.triage, leader=cast.leader,
                       deadline=DAY0 + timedelta(days=1))
            case = act(case, "instruct", cast.leader, note="批示",
                       targets=[{"org": org("533922101")}, {"org": org("53390003")}])
            case = act(case, "supervise", cast.supervisor, note="督办", deadline=DAY0 + timedelta(days=2))
            case = act(case, "accept", cast.township_handler)
            act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.SUPPORT)

    login(client, cast[user])
    url = reverse(page) + ("?tab=reported" if page == "petitions:inbox" else "")
    client.get(url)  # stamps the session's activity time (rewritten at most once a minute)
    populate(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    populate(4)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_a_handler_searches_inside_his_inbox_marks_viewed_exports_and_reads_the_board(client, cast, clock):
    """我的信访 has its own search (posted, results under a saved key), and the handler may mark a
    case as viewed, export it and read the 领导批示 board."""
    mine = act(make_case(cast.clerk, content="反映青峰建安公司拖欠工资。"), "assign", cast.triage,
               targets=[{"org": org("533922101")}])
    other = make_case(cast.clerk, content="反映青峰建安公司噪音扰民。")
    client.force_login(cast.township_handler)
    inbox = client.get(reverse("petitions:inbox")).content.decode()
    assert 'id="inbox-search"' in inbox and 'name="mine"' in inbox
    results = client.post(reverse("petitions:search"), {"mine": "on", "q": "青峰建安"}, follow=True)
    text = results.content.decode()
    assert mine.number in text and other.number not in text
    act(mine, "mark_viewed", cast.township_handler)
    assert CaseView.objects.filter(case=mine, user=cast.township_handler, action="mark_viewed").exists()
    assert client.get(reverse("petitions:export", args=[mine.pk])).status_code == 200
    assert client.get(reverse("petitions:instructions")).status_code == 200
