"""A citizen on the public portal (群众端), without an account: writes an online petition to the
石门县信访局 (the ID check answers as he types, the browser solves the proof-of-work check), keeps
the number and query code of the receipt, and after the county has answered tracks the case,
evaluates the answer and asks for 复查. The staff steps in between go through the real services.

The check is solved for real by Chromium at the production figure (PORTAL_POW_MAX_NUMBER of
config/settings/base.py, not the test settings' small one); there is no bypass. A browser without
JavaScript is told that the check needs it, and its post is refused.
"""
import re
from datetime import date

import base64
import json

import pytest

from accounts.models import OrgUnit, User
from config.settings import base as base_settings
from petitions.domain.idcard import make_id_number
from petitions.models import Case, Channel, Evaluation, HandlingOpinion, ReviewLevel, ReviewRequest
from petitions.services.transitions import case_transition
from petitions.workflow import Status

from .pages import BasePage, expect, shot

pytestmark = pytest.mark.browser

ID_NUMBER = make_id_number("533922", date(1966, 2, 14), 51)  # male
CONTENT = "龙潭乡至石门镇的乡村公路塌方两个月未修复，村民出行和农产品运输困难，请求尽快抢修。"
ANSWER = "经核实，塌方路段已列入本月抢修计划，预计月底前恢复通行。"


class PortalHome(BasePage):
    path = "/portal/"

    def go(self, link):
        self.page.locator("header nav").get_by_role("link", name=link).click()
        self.page.wait_for_load_state()


class SubmitPage(BasePage):
    path = "/portal/submit/"

    def id_check(self):
        return self.page.locator("#id_id_number_check")

    def check_status(self):
        return self.page.locator("#pow-status")

    def wait_for_check(self):
        """Until the worker has solved the challenge; returns its solving time in ms."""
        expect(self.check_status()).to_have_text("✓ 人机校验已完成，可以提交。", timeout=30_000)
        return int(self.check_status().get_attribute("data-took"))

    def check_error(self):
        return self.page.locator(".pow-check .error")

    def send(self):
        self.page.get_by_role("button", name="提交", exact=True).click()
        self.page.wait_for_load_state()


class CasePage(BasePage):
    path = "/portal/track/case/"

    def status(self):
        return self.page.locator("#public-status").inner_text().strip()


def answer_by_the_county(case):
    """The county bureau hands the case to 石门镇, which accepts and answers; the bureau approves."""
    county_triage = User.objects.get(username="county_triage")
    handler = User.objects.get(username="township_handler")
    township = OrgUnit.objects.get(code="533922101")
    for action, actor, data in (
        ("assign", county_triage, {"targets": [{"org": township}], "note": "请石门镇核实并答复"}),
        ("accept", handler, {}),
        ("report_result", handler, {"note": ANSWER, "opinion": HandlingOpinion.SUPPORT}),
        ("approve_result", county_triage, {}),
    ):
        case.refresh_from_db()
        case_transition(case=case, action=action, actor=actor, version=case.version, **data)
    case.refresh_from_db()
    assert case.status == Status.ANSWERED


def test_citizen_submits_tracks_evaluates_and_asks_for_review(page, demo_users, settings):
    settings.PORTAL_POW_MAX_NUMBER = base_settings.PORTAL_POW_MAX_NUMBER  # the production cost
    home = PortalHome(page).open()
    assert home.heading() == "网上信访"
    assert page.locator("nav.sidenav").count() == 0  # no staff menu on the portal
    home.go("我要信访")

    form = SubmitPage(page)
    assert form.heading() == "我要信访"
    assert page.locator("img").count() == 0  # no image to read
    page.select_option("#id_bureau", label="石门县信访局")
    page.fill("#id_name", "孙有福")
    # The registration form's live GB 11643 check: a wrong check digit first, then the right one.
    wrong = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")
    page.locator("#id_id_number").press_sequentially(wrong)
    expect(form.id_check()).to_have_text("✗ 身份证号校验位不正确，请核对。")
    page.locator("#id_id_number").press("Backspace")
    page.locator("#id_id_number").press_sequentially(ID_NUMBER[17])
    expect(form.id_check()).to_have_text(re.compile(r"^✓ 男，\d+岁，出生日期 1966-02-14$"))
    page.fill("#id_phone", "13988760042")
    page.fill("#id_address", "石门县龙潭乡龙潭村5组")
    page.select_option("#id_purpose", label="求决")
    page.fill("#id_content", CONTENT)
    took = form.wait_for_check()  # solved in the background while he typed
    print(f"\nportal check solved by Chromium in {took} ms (maxnumber {settings.PORTAL_POW_MAX_NUMBER})")
    assert took < 10_000
    shot(page, "portal-1-form")

    # A solution altered in the page (another number): nothing is saved, the typed values stay,
    # and the new page brings a new challenge.
    payload = json.loads(base64.b64decode(page.input_value("#id_altcha")))
    payload["number"] += 1
    page.evaluate("value => { document.getElementById('id_altcha').value = value; }",
                  base64.b64encode(json.dumps(payload).encode()).decode())
    form.send()
    expect(form.check_error()).to_have_text("人机校验结果无效，未予提交。请重新提交。")
    assert page.input_value("#id_content") == CONTENT
    assert not Case.objects.exists()
    # Submitted again at once: the page waits for the new challenge to be solved, then posts.
    form.send()
    page.wait_for_url("**/portal/submit/receipt/")

    assert form.heading() == "提交成功"
    number = page.locator("#receipt-number").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert "/portal/submit/receipt/" in page.url and number not in page.url
    shot(page, "portal-2-receipt")
    case = Case.objects.get(number=number)
    assert case.query_code == code and case.channel == Channel.ONLINE and case.status == Status.PENDING
    assert case.registered_org.code == "53392201"

    answer_by_the_county(case)

    PortalHome(page).open().go("信访查询")
    page.fill("#id_number", number)
    page.fill("#id_code", "WRONGCODE2")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".msg-error")).to_have_text("未找到该信访件，请核对信访件编号和查询码。")
    page.fill("#id_code", code.lower())
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()

    progress = CasePage(page)
    assert progress.path_now == "/portal/track/case/"
    assert progress.status() == "已答复"
    expect(page.locator("#answer")).to_contain_text(ANSWER)
    body = page.locator("main").inner_text()
    assert "石门县信访局" in body and "石门镇" in body
    assert "请石门镇核实并答复" not in body and "郑伟" not in body and "吴刚" not in body  # no internal note, no names
    shot(page, "portal-3-answered")

    page.check("#id_bureau_0")  # 信访部门：满意
    page.check("#id_unit_1")  # 责任单位：基本满意
    page.fill("#id_comment", "答复及时。")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    expect(page.locator(".msg-success")).to_have_text("评价已提交，感谢您的评价。")
    expect(page.locator("#evaluated")).to_contain_text("信访部门：满意")
    assert {e.target: e.value for e in Evaluation.objects.filter(case=case)} == {"bureau": "satisfied",
                                                                                "unit": "basic"}

    page.fill("#id_reason", "抢修计划一再推迟，请求上一级复查。")
    page.get_by_role("button", name="提交复查申请").click()
    page.wait_for_load_state()
    expect(page.locator(".msg-success")).to_have_text("申请已提交，上一级机关将自收到申请之日起30日内答复。")
    assert progress.status() == "复查中"
    review = ReviewRequest.objects.get(case=case)
    assert review.level == ReviewLevel.REVIEW and review.org.code == "533922"  # 石门镇 → 石门县
    shot(page, "portal-4-review")


def test_without_javascript_the_form_says_the_check_needs_it(browser, live_server, demo_users):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        form = SubmitPage(page).open()
        # A browser with JavaScript off shows the <noscript> note (Playwright's switch turns scripts
        # off without that parser mode, so its text is read rather than seen here).
        assert "您的浏览器未启用 JavaScript，无法完成人机校验，本表单不能提交。" in page.eval_on_selector(
            ".pow-check noscript", "e => e.textContent")
        page.select_option("#id_bureau", label="石门县信访局")
        page.fill("#id_name", "孙有福")
        page.fill("#id_id_number", ID_NUMBER)
        page.fill("#id_phone", "13988760042")
        page.select_option("#id_purpose", label="求决")
        page.fill("#id_content", CONTENT)
        form.send()
        expect(page.locator(".pow-check div.error[role=alert]").last).to_have_text(
            "未收到浏览器的人机校验结果：提交本表单需要启用浏览器的 JavaScript，请启用后刷新本页再提交。")
        assert not Case.objects.exists()
    finally:
        context.close()
