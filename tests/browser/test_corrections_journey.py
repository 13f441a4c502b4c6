"""Journeys of the office's everyday repairs (issue #11): a triage officer corrects a mistyped
identity number (更正登记) and voids a duplicate registration still in the pool (作废); a case that
has left the pool is voided only with a second person's approval (申请作废 → 批准作废); after an
answer, a triage officer records the petitioner's evaluation from a 回访 call (代录评价)."""
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OrgUnit, User
from petitions.models import (
    Case, Channel, DictEntry, DictKind, Evaluation, EvaluationSource, HandlingOpinion, Petitioner, VoidRequest,
)
from petitions.services.intake import register_case
from petitions.services.transitions import case_assign, case_transition
from petitions.workflow import Status
from tests.factories import make_user

from .pages import CaseDetailPage, LoginPage, PoolPage, expect, shot

pytestmark = pytest.mark.browser

REGISTERED_ID = "532923198001010012"  # valid, but not the petitioner's (one digit of the sequence wrong)
GOOD_ID = "532923198001010020"        # the number on the petitioner's card
WRONG_ID = "532923198001010021"       # a slip while correcting: the GB 11643 check digit fails


def _letter(clerk, name, *, id_number=""):
    entry = lambda kind, code: DictEntry.objects.get(kind=kind, code=code)  # noqa: E731
    person = {"name": name, "phone": "13908871234"}
    if id_number:
        person.update({"id_type": "1", "id_number": id_number})
    return register_case(
        actor=clerk, channel=Channel.LETTER,
        data={"purpose": entry(DictKind.PURPOSE, "04"), "problem": entry(DictKind.PROBLEM, "60200601"),
              "problem_region": OrgUnit.objects.get(code="533922101"),
              "letter_nature": entry(DictKind.LETTER_NATURE, "1"), "signer_count": 1,
              "registration_source": DictEntry.objects.filter(kind=DictKind.REG_SOURCE).first(),
              "content": "本人在石门镇青峰建安公司工地务工，工资被拖欠半年，请求帮助追讨。"},
        petitioners=[person], submit_token=uuid.uuid4().hex,
    )


def test_correct_a_mistyped_identity_number_then_void_a_duplicate(new_page, demo_users):
    clerk = User.objects.get(username="clerk")
    case = _letter(clerk, "李建华", id_number=REGISTERED_ID)
    duplicate = _letter(clerk, "李建华")
    page = new_page()
    LoginPage(page).open().login("triage")

    # 1. 更正登记: the wrong number is refused with the standard's message, nothing is saved …
    detail = CaseDetailPage(page).open_case(case.pk)
    assert "更正登记" in detail.action_labels()
    page.locator("#case-actions").get_by_role("link", name="更正登记", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator("main h1")).to_contain_text(f"更正登记：{case.number}")
    page.fill("#id_petitioners-0-id_number", WRONG_ID)
    page.fill("#id_reason", "登记时身份证号录入有误，按信访人出示的证件更正。")
    page.locator("#btn-correct").click()
    page.wait_for_load_state()
    expect(page.locator("#correct-form .error").first).to_be_visible()
    shot(page, "corrections-1-refused")
    assert Petitioner.objects.get(case=case).id_number == REGISTERED_ID
    # … the right one is saved, and the trail names the correction with its reason.
    page.fill("#id_petitioners-0-id_number", GOOD_ID)
    page.locator("#btn-correct").click()
    page.wait_for_load_state()
    assert re.search(r"/cases/\d+/$", page.url)
    assert f"已更正登记：{case.number}" in CaseDetailPage(page).messages()
    expect(page.locator("#case-trail")).to_contain_text("更正登记")
    assert Petitioner.objects.get(case=case).id_number == GOOD_ID
    assert case.events.filter(action="correct").count() == 1

    # 2. 作废 of the duplicate, still in the pool: one person decides, the reason is required.
    pool = PoolPage(page).open()
    expect(pool.row_of(duplicate.number)).to_be_visible()
    detail = pool.open_case(duplicate.number)
    action = detail.act("作废")
    action.submit()
    expect(page.locator("#id_note").locator("xpath=..").locator(".error")).to_be_visible()
    action.note("与同日登记的信访件重复。")
    detail = action.submit()
    assert detail.status() == "已作废"
    assert f"已作废：{duplicate.number}" in detail.messages()
    shot(page, "corrections-2-voided")
    # It has left the pool; found again only by its number.
    PoolPage(page).open()
    expect(page.get_by_role("link", name=duplicate.number, exact=True)).to_have_count(0)
    assert Case.objects.get(pk=duplicate.pk).status == Status.VOIDED


def test_a_case_out_of_the_pool_is_voided_with_a_second_persons_approval(new_page, demo_users):
    clerk, triage = User.objects.get(username="clerk"), User.objects.get(username="triage")
    second = make_user("triage2", roles=["triage"], real_name="马丽")
    case = _letter(clerk, "王小明")
    case = case_assign(case=case, actor=triage, targets=[{
        "org": OrgUnit.objects.get(code="533922101"), "deadline": timezone.localdate() + timedelta(days=30),
        "is_lead": True}])
    first_page, second_page = new_page(), new_page()

    # The first officer asks for the void; the case does not change yet.
    LoginPage(first_page).open().login("triage")
    detail = CaseDetailPage(first_page).open_case(case.pk)
    assert "作废" not in detail.action_labels() and "申请作废" in detail.action_labels()
    detail = detail.act("申请作废").note("信访人已在县信访局登记同一事项，本件系重复登记。").submit()
    assert detail.status() == "待受理"
    assert "批准作废" not in detail.action_labels()  # never one's own request
    assert VoidRequest.objects.get(case=case).approved is None

    # The second officer approves: the case is voided and its open assignment withdrawn.
    LoginPage(second_page).open().login("triage2")
    detail = CaseDetailPage(second_page).open_case(case.pk)
    expect(second_page.locator("main")).to_contain_text("信访人已在县信访局登记同一事项")
    detail = detail.act("批准作废").submit()
    assert detail.status() == "已作废"
    shot(second_page, "corrections-3-void-approved")
    request = VoidRequest.objects.get(case=case)
    assert request.approved is True and request.decided_by == second
    assert Case.objects.get(pk=case.pk).assignments.get().status == "cancelled"


def test_a_triage_officer_records_the_evaluation_from_a_return_call(new_page, demo_users):
    clerk, triage = User.objects.get(username="clerk"), User.objects.get(username="triage")
    case = _letter(clerk, "赵春梅")
    case = case_transition(case=case, action="answer", actor=triage,
                           note="经核实，拖欠工资已由施工单位全额补发，请信访人到镇劳动保障所签收。",
                           opinion=HandlingOpinion.SUPPORT)
    assert case.status == Status.ANSWERED
    page = new_page()
    LoginPage(page).open().login("triage")
    detail = CaseDetailPage(page).open_case(case.pk)
    page.locator("#case-actions").get_by_role("link", name="代录评价", exact=True).click()
    page.wait_for_load_state()
    now = timezone.localtime()
    # A date typed wrongly gets the format, in Chinese, and nothing is recorded.
    page.fill("#id_called_day", "2026-02-30")
    page.keyboard.press("Escape")
    page.fill("#id_called_time", "09:30")
    page.fill("#id_callee", "信访人本人")
    page.locator("#btn-evaluation").click()
    page.wait_for_load_state()
    expect(page.locator("#evaluation-form")).to_contain_text("年-月-日")
    assert not Evaluation.objects.filter(case=case).exists()
    page.fill("#id_called_day", now.strftime("%Y-%m-%d"))
    page.keyboard.press("Escape")
    page.fill("#id_called_time", (now - timedelta(minutes=5)).strftime("%H:%M"))
    for select in page.locator("#evaluation-form select").all():
        select.select_option(label="满意")
    shot(page, "corrections-4-evaluation-form")
    page.locator("#btn-evaluation").click()
    page.wait_for_load_state()
    assert f"已代录评价：{case.number}" in detail.messages()
    expect(page.locator("#case-workflow")).to_contain_text("回访代录")
    rows = Evaluation.objects.filter(case=case)
    assert rows.exists() and all(r.source == EvaluationSource.RECORDED and r.recorded_by == triage
                                 and r.callee == "信访人本人" for r in rows)
