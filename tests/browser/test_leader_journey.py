"""领导批示 in the browser: triage reported a case to the leader (set up through the service); the
leader opens 待批示, writes his instruction, and the triage officer then finds the case back in
the pool with the instruction shown prominently at the top of its page."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OrgUnit, User
from petitions.models import Case, CaseEvent, Channel, DictEntry, DictKind
from petitions.services.intake import register_case
from petitions.services.transitions import case_transition
from petitions.workflow import Status

from .pages import LeaderPage, LoginPage, PoolPage, expect, shot

pytestmark = pytest.mark.browser

INSTRUCTION = "请州人社局牵头，会同石门县政府于十日内核查欠薪情况，依法督促企业足额支付，结果报我。"


@pytest.fixture
def reported_case(demo_users):
    """A collective wage petition registered by the clerk and reported (上报领导) by triage to the
    demo leader with a 3-day deadline."""
    entry = lambda kind, code: DictEntry.objects.get(kind=kind, code=code)  # noqa: E731
    users = {u.username: u for u in User.objects.filter(username__in=["clerk", "triage", "leader"])}
    case = register_case(
        actor=users["clerk"], channel=Channel.LETTER,
        data={"purpose": entry(DictKind.PURPOSE, "04"), "problem": entry(DictKind.PROBLEM, "60200601"),
              "problem_region": OrgUnit.objects.get(code="533922"),
              "letter_nature": entry(DictKind.LETTER_NATURE, "2"), "signer_count": 46,
              "content": "石门县青峰建安公司拖欠46名农民工工资共计138万元，多次讨要无果，请求领导过问。"},
        petitioners=[{"name": "张大山", "phone": "13908870001"}], submit_token=uuid.uuid4().hex,
    )
    case = Case.objects.get(pk=case.pk)
    return case_transition(case=case, action="report_leader", actor=users["triage"], version=case.version,
                           note="涉及人数多、金额大，呈请领导批示。", leader=users["leader"],
                           deadline=timezone.localdate() + timedelta(days=3))


def test_leader_instructs_and_triage_sees_the_instruction(new_page, reported_case):
    number = reported_case.number
    leader, triage = new_page(), new_page()

    LoginPage(leader).open().login("leader")
    leader.get_by_role("navigation", name="主导航").get_by_role("link", name="待批示").click()
    pending = LeaderPage(leader)
    assert pending.heading() == "待批示"
    row = pending.pending_row(number)
    expect(row).to_contain_text("待批示")
    expect(row).to_contain_text("即将到期")  # the 3-day deadline triage set
    shot(leader, "leader-1-pending")

    case_page = pending.open_case(number)
    assert case_page.status() == "待批示"
    instruct = case_page.act("领导批示")
    expect(leader.locator("label[for=id_note]")).to_have_text("批示内容")
    instruct.note(INSTRUCTION)
    shot(leader, "leader-2-instruct-form")
    case_page = instruct.submit()
    assert f"已领导批示：{number}" in case_page.messages()
    assert case_page.status() == "待分流"
    expect(pending.open().pending_row(number)).to_have_count(0)

    # Triage (another browser): the case is back in the pool, the instruction on its row and,
    # prominently, at the top of the case page above the registration facts.
    LoginPage(triage).open().login("triage")
    pool = PoolPage(triage).open()
    expect(pool.row_of(number).locator(".instruction")).to_contain_text("批示：请州人社局牵头")
    case_page = pool.open_case(number)
    box = case_page.instruction()
    expect(box).to_have_text(f"领导批示：{INSTRUCTION}")
    expect(box).to_be_in_viewport()
    assert box.bounding_box()["y"] < triage.locator("#case-registration").bounding_box()["y"]
    assert box.evaluate("el => getComputedStyle(el).borderLeftStyle") == "solid"
    assert "交办" in case_page.action_labels()
    shot(triage, "leader-3-triage-sees-instruction")

    case = Case.objects.get(pk=reported_case.pk)
    assert case.status == Status.PENDING and case.latest_instruction == INSTRUCTION
    event = CaseEvent.objects.get(case=case, action="instruct")
    assert event.actor.username == "leader" and event.note == INSTRUCTION
