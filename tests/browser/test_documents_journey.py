"""Documents in the browser: a clerk registers a letter and prints the receipt with the query code; the
triage officer refuses a case and issues the 不予受理告知书 from the action form; an approved answer gives the
处理意见书, and the petitioner downloads it on the portal with the case number and query code."""
import io
import uuid

import pytest
from pypdf import PdfReader

from accounts.models import OrgUnit, User
from petitions.models import Case, Channel, HandlingOpinion
from petitions.services.intake import register_case
from petitions.services.transitions import case_transition

from .pages import CaseDetailPage, LoginPage, expect, shot

pytestmark = pytest.mark.browser

CONTENT = "本人在石门镇青峰建安公司工地务工，工资4.6万元被拖欠半年，请求帮助追讨。"
PERSON = {"name": "李建华", "phone": "13908871234", "address": "青峰州石门县石门镇人民路8号"}


def pdf_text(data):
    return "".join("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


def fetch_pdf(page, href):
    """The PDF behind a link, fetched with the page's own session (a headless browser has no viewer)."""
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    return response.body()


def documents_row(page, title):
    return page.locator("#document-list tbody tr", has_text=title)


def test_clerk_registers_and_prints_the_receipt(page, demo_users):
    LoginPage(page).open().login("clerk")
    page.goto("/cases/register/letter/")
    page.select_option("#id_purpose", index=4)  # 求决
    page.select_option("#id_problem", index=1)
    page.fill("#id_content", CONTENT)
    page.fill("#id_petitioners-0-name", PERSON["name"])
    page.fill("#id_petitioners-0-phone", PERSON["phone"])
    page.fill("#id_petitioners-0-address", PERSON["address"])
    page.locator("#btn-save").click()
    page.wait_for_load_state()
    case_page = CaseDetailPage(page)
    number = case_page.number()
    case = Case.objects.get(number=number)
    # The case page offers the receipt right away.
    offer = page.locator("#document-offers").get_by_role("link", name="出具登记回执")
    expect(offer).to_be_visible()
    offer.click()
    page.wait_for_load_state()
    page.select_option("#id_delivery", label="当面送达")
    shot(page, "documents-1-issue-receipt")
    page.locator("#issue-submit").click()
    page.wait_for_load_state()
    number_text = page.locator("#document-number").inner_text()
    assert number_text.startswith("州信登回字〔") and number_text.endswith("第1号")
    shot(page, "documents-2-receipt-issued")
    text = pdf_text(fetch_pdf(page, page.locator("#document-print").get_attribute("href")))
    for expected in ("信访事项登记回执", number, case.query_code, "李建华", "扫码查询办理进度"):
        assert expected in text, expected
    # Back on the case page: listed, with its number, and no longer offered.
    page.get_by_role("link", name="返回信访件").click()
    page.wait_for_load_state()
    expect(documents_row(page, "信访事项登记回执")).to_contain_text(number_text)
    expect(page.locator("#document-offers").get_by_role("link", name="出具登记回执")).to_have_count(0)


def _registered(**extra):
    return register_case(actor=User.objects.get(username="clerk"), channel=Channel.LETTER,
                         data={"content": CONTENT, **extra}, petitioners=[dict(PERSON)], submit_token=uuid.uuid4().hex)


def test_triage_refuses_and_prints_the_rejection_notice(page, demo_users):
    case = _registered()
    LoginPage(page).open().login("triage")
    reject = CaseDetailPage(page).open_case(case.pk).act("不予受理")
    reject.select("reason", "应通过诉讼、仲裁、行政复议等法定途径解决")
    page.fill("#id_channel", "依法向人民法院提起诉讼或者申请劳动仲裁。")
    page.check("#id_issue_document")
    page.select_option("#id_document_delivery", label="邮寄")
    shot(page, "documents-3-reject-with-notice")
    case_page = reject.submit()
    assert case_page.status() == "不予受理"
    assert any(m.startswith("已出具信访事项不予受理告知书，文号 州信不受字〔") for m in case_page.messages())
    row = documents_row(page, "信访事项不予受理告知书")
    expect(row).to_contain_text("李建华")
    text = pdf_text(fetch_pdf(page, row.get_by_role("link", name="打印").get_attribute("href")))
    for expected in ("信访事项不予受理告知书", "应通过诉讼、仲裁、行政复议等法定途径解决", "申请劳动仲裁", "第二十三条"):
        assert expected in text, expected
    # Mailed notices go into the day's batch.
    page.goto("/documents/mailing/")
    expect(page.locator("#mailing-list")).to_contain_text(case.number)


def test_approved_answer_gives_the_opinion_which_the_petitioner_downloads(new_page, demo_users):
    case = _registered()
    triage_user, handler = User.objects.get(username="triage"), User.objects.get(username="dept_handler")
    case = case_transition(case=case, action="assign", actor=triage_user, note="请依法处理。",
                           targets=[{"org": OrgUnit.objects.get(code="53390003")}])
    case = case_transition(case=case, action="accept", actor=handler)
    case = case_transition(case=case, action="report_result", actor=handler, note="经调查，企业已补发工资4.6万元。",
                           opinion=HandlingOpinion.SUPPORT)

    staff = new_page()
    LoginPage(staff).open().login("triage")
    approve = CaseDetailPage(staff).open_case(case.pk).act("审核通过")
    staff.check("#id_issue_document")
    staff.fill("#id_document_input_处理依据", "《中华人民共和国劳动合同法》第三十条")
    staff.select_option("#id_document_delivery", label="网上")
    case_page = approve.submit()
    assert case_page.status() == "已答复"
    row = documents_row(staff, "信访事项处理意见书")
    expect(row).to_be_visible()
    shot(staff, "documents-4-opinion-issued")
    text = pdf_text(fetch_pdf(staff, row.get_by_role("link", name="打印").get_attribute("href")))
    for expected in ("信访事项处理意见书", "信访人的请求", "企业已补发工资4.6万元", "劳动合同法", "复查"):
        assert expected in text, expected

    # The petitioner, without an account: number and query code unlock the case and its documents.
    citizen = new_page()
    citizen.goto("/portal/track/")
    citizen.fill("#id_number", case.number)
    citizen.fill("#id_code", case.query_code)
    citizen.get_by_role("button", name="查询").click()
    citizen.wait_for_load_state()
    section = citizen.locator("#documents")
    expect(section).to_contain_text("信访事项处理意见书")
    expect(citizen.locator("#handovers")).to_contain_text("交办有权处理的机关、单位")
    shot(citizen, "documents-5-portal-documents")
    with citizen.expect_download() as download:
        section.locator("tr", has_text="信访事项处理意见书").get_by_role("link", name="下载").click()
    data = open(download.value.path(), "rb").read()
    assert "企业已补发工资4.6万元" in pdf_text(data)
    expect(citizen.locator("#documents")).not_to_contain_text("交办单")
