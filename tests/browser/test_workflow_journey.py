"""Triage → handler → approval in three browser contexts: the prefecture triage officer assigns
(交办) a case to 石门镇 with a deadline, the township handler accepts it from 我的信访 and reports
the result, the triage officer approves it (审核通过) and the case is 已答复 with its answer date."""
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OrgUnit, User
from petitions.models import Case, Channel, DictEntry, DictKind
from petitions.services.intake import register_case
from petitions.workflow import Status

from .pages import CaseDetailPage, InboxPage, LoginPage, PoolPage, ReviewQueuePage, expect, shot

pytestmark = pytest.mark.browser

RESULT = "经镇劳动保障所调查核实，青峰建安公司已于本月15日前补发所欠工资4.6万元，信访人已签收。"


@pytest.fixture
def wage_case(demo_users):
    """A letter about unpaid wages in 石门镇, registered by the demo clerk (待分流)."""
    entry = lambda kind, code: DictEntry.objects.get(kind=kind, code=code)  # noqa: E731
    return register_case(
        actor=User.objects.get(username="clerk"), channel=Channel.LETTER,
        data={"purpose": entry(DictKind.PURPOSE, "04"), "problem": entry(DictKind.PROBLEM, "60200601"),
              "problem_region": OrgUnit.objects.get(code="533922101"),
              "letter_nature": entry(DictKind.LETTER_NATURE, "1"), "signer_count": 1,
              "content": "本人在石门镇青峰建安公司工地务工，工资4.6万元被拖欠半年，请求帮助追讨。"},
        petitioners=[{"name": "李建华", "phone": "13908871234"}], submit_token=uuid.uuid4().hex,
    )


def test_assign_accept_report_and_approve_in_three_browsers(new_page, wage_case):
    today = timezone.localdate()
    deadline = today + timedelta(days=30)
    number = wage_case.number
    triage, handler, third = new_page(), new_page(), new_page()

    # 1. Triage (州信访局) finds the case in the pool and assigns it to 石门镇 with a deadline.
    LoginPage(triage).open().login("triage")
    case_page = PoolPage(triage).open().open_case(number)
    assert case_page.status() == "待分流"
    assert {"交办", "转办", "上报领导", "不予受理"} <= set(case_page.action_labels())
    assign = case_page.act("交办")
    assert assign.heading() == f"交办：{number}"
    assign.target(0, org_name="石门镇", deadline=deadline, lead=True).note("请石门镇依法调查处理，按期报送结果。")
    shot(triage, "workflow-1-assign-form")
    case_page = assign.submit()
    assert f"已交办：{number}" in case_page.messages()
    assert case_page.status() == "待受理"
    row = case_page.assignment_row("石门镇")
    expect(row).to_contain_text("交办")
    expect(row).to_contain_text("主办")
    expect(row).to_contain_text("待受理")
    # Until acceptance the page shows the 15-day acceptance deadline (the handling deadline chosen
    # above only appears once the case is accepted).
    acceptance_due = (today + timedelta(days=15)).isoformat()
    expect(row).to_contain_text(acceptance_due)
    assert case_page.value("当前期限", "#case-workflow").startswith(acceptance_due)

    # 2. The handler of 石门镇 (another browser) sees it under 我的信访 → 待受理 and accepts it.
    LoginPage(handler).open().login("township_handler")
    inbox = InboxPage(handler).open()
    assert inbox.tab_count("pending") == 1 and inbox.tab_count("in_progress") == 0
    row = inbox.row_of(number)
    expect(row).to_contain_text("州信访局")
    expect(row).to_contain_text("石门镇")
    shot(handler, "workflow-2-inbox-pending")
    handler_case = inbox.open_case(number)
    assert "受理" in handler_case.action_labels() and "交办" not in handler_case.action_labels()
    handler_case = handler_case.act("受理").submit()
    assert f"已受理：{number}" in handler_case.messages()
    assert handler_case.status() == "办理中"
    assert handler_case.value("受理时间", "#case-workflow").startswith(today.isoformat())
    # The unit's deadline is the one triage chose; the case keeps the statutory 60 days (条例第三十四条).
    expect(handler_case.assignment_row("石门镇")).to_contain_text(deadline.isoformat())
    assert handler_case.value("当前期限", "#case-workflow").startswith(deadline.isoformat())
    assert handler_case.value("办理期限", "#case-workflow").startswith((today + timedelta(days=60)).isoformat())

    # … then reports the result with the handling opinion.
    report = handler_case.act("上报结果")
    report.note(RESULT).select("opinion", "支持")
    shot(handler, "workflow-3-report-result")
    handler_case = report.submit()
    assert f"已上报结果：{number}" in handler_case.messages()
    assert handler_case.status() == "待审核"
    expect(handler_case.assignment_row("石门镇")).to_contain_text(RESULT)
    inbox.open()
    assert inbox.tab_count("pending") == 0 and inbox.tab_count("reported") == 1

    # 3. Triage reviews it from 审核办理 and approves: 已答复 with today's answer date.
    triage.get_by_role("navigation", name="主导航").get_by_role("link", name="审核办理").click()
    review = ReviewQueuePage(triage)
    expect(review.result_row(number)).to_contain_text("待审核")
    shot(triage, "workflow-4-review-queue")
    approve = review.open_case(number).act("审核通过")
    approve.note("办理结果属实，同意答复。")
    case_page = approve.submit()
    assert f"已审核通过：{number}" in case_page.messages()
    assert case_page.status() == "已答复"
    assert case_page.value("答复时间", "#case-workflow").startswith(today.isoformat())
    expect(triage.locator("#review-window")).to_contain_text("可申请")
    shot(triage, "workflow-5-answered")

    # The handler's inbox moves it to 已办结; a third user (the clerk) sees the answered case too.
    inbox.open()
    assert inbox.tab_count("reported") == 0 and inbox.tab_count("done") == 1
    LoginPage(third).open().login("clerk")
    assert CaseDetailPage(third).open_case(wage_case.pk).status() == "已答复"

    case = Case.objects.get(pk=wage_case.pk)
    assert case.status == Status.ANSWERED and timezone.localdate(case.answered_at) == today
    assignment = case.assignments.get()
    assert assignment.org.code == "533922101" and assignment.handling_due == deadline
    assert [e.action for e in case.events.order_by("id")] == [
        "register", "assign", "accept", "report_result", "approve_result"]
    assert re.search(r"\d{4}-\d{2}-\d{2}", case_page.value("答复时间", "#case-workflow"))
