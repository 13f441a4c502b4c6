"""Journeys of issue #11's office holes: a statistician prints and exports a report with its
statistical form block; dates and file pickers speak Chinese in an English browser; an administrator
deletes an unused account and is refused for a used one (and deactivates it instead); a publisher
sends a notice to named organizations and another county never sees it."""
import re
import shutil
import subprocess
import unicodedata

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts import services
from accounts.models import AuditLog, User
from bulletin.models import Bulletin

from .pages import (
    BulletinFormPage, BulletinListPage, DateInput, HomePage, LoginPage, ReportPage, TaskPage, UserListPage,
    UserRetirePage, expect, shot,
)

pytestmark = pytest.mark.browser


def pdf_font_sizes(path):
    """Point size of every all-CJK word of a PDF: a full-width glyph is 1 em wide, so the size is the
    word's width over its length (pdftotext -bbox; Chromium embeds Type 3 fonts whose heights are
    not the size)."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    sizes = []
    for x0, x1, word in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>',
                                   html):
        if all(unicodedata.east_asian_width(c) in "WF" for c in word):
            sizes.append((float(x1) - float(x0)) / len(word))
    return sizes, html


def test_statistician_prints_and_exports_a_report_with_its_form_block(new_page, demo_users, tmp_path):
    page = new_page()
    LoginPage(page).open().login("statistician")
    report = ReportPage(page).open_report("信访数据统计表总表").query(start="2026-01-01", end="2026-06-30",
                                                                 report_date="2026-07-03")
    report.save_signers(unit_head="王建国", preparer="李晓梅")
    assert "单位负责人和填表人已保存，本人以后的报表都将使用。" in report.messages()
    block = report.form_block()
    assert [re.sub(r"[\s：]", "", t) for t in block["id"]] == ["表号信访统计6表", "制表机关州信访局"]
    assert block["unit"] == "填报单位：青峰州"
    assert re.sub(r"\s+", "", block["sign"]) == "单位负责人：王建国填表人：李晓梅报出日期：2026年7月3日"
    shot(page, "report-form-block")

    pdf = report.print_pdf(tmp_path / "summary.pdf")
    if shutil.which("pdftotext"):
        sizes, text = pdf_font_sizes(pdf)
        for words in ("表号：信访统计6表", "制表机关：州信访局", "填报单位：青峰州", "王建国", "李晓梅", "2026年7月3日"):
            assert words in text, words
        assert min(sizes) >= 7.9  # nothing below 8 pt on A4
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "841.92 x 594.96" in info  # A4 landscape

    ws = load_workbook(report.export_xlsx(tmp_path / "summary.xlsx")).active
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "表号：信访统计6表" in texts and "填报单位：青峰州" in texts
    assert any("单位负责人：王建国" in t and "报出日期：2026年7月3日" in t for t in texts)

    # The KPI table on a 1366-pixel screen: it fits, its first column frozen when the window is narrower.
    kpi = ReportPage(page)
    page.goto("/reports/kpi/?start=2026-01-01&end=2026-06-30")
    scroller = page.locator(".table-scroll").first
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    label = page.locator(".report-table th.row-label").first
    assert label.evaluate("el => getComputedStyle(el).position") == "sticky"
    page.set_viewport_size({"width": 1000, "height": 768})
    before = label.bounding_box()["x"]
    scroller.evaluate("el => { el.scrollLeft = 300; }")
    page.wait_for_timeout(100)
    assert abs(label.bounding_box()["x"] - before) < 1
    assert "信访统计7表" in re.sub(r"\s", "", kpi.form_block()["id"][0])
    shot(page, "kpi-narrow")
    if shutil.which("pdftotext"):
        page.set_viewport_size({"width": 1366, "height": 768})
        sizes, _text = pdf_font_sizes(kpi.print_pdf(tmp_path / "kpi.pdf"))
        assert min(sizes) >= 7.9


def test_dates_and_file_pickers_speak_chinese_in_an_english_browser(browser, live_server, demo_users, tmp_path):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                  locale="en-US", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        assert page.evaluate("navigator.language") == "en-US"
        LoginPage(page).open().login("triage")
        tasks = TaskPage(page).open()
        due = DateInput(page, "#id_due_date")
        calendar = due.open_calendar()
        expect(calendar.locator(".air-datepicker-nav--title")).to_have_text(re.compile(r"^\d{4}年\d{1,2}月$"))
        assert calendar.locator(".air-datepicker-body--day-name").all_inner_texts() == list("一二三四五六日")
        expect(calendar.locator(".air-datepicker-buttons")).to_contain_text("今天")
        shot(page, "datepicker-en-browser")
        today = timezone.localdate().isoformat()
        assert due.pick_today() == today
        assert DateInput(page, "#id_remind_date").pick_today() == today
        page.fill("#id_remind_time", "00:00")
        tasks.add("核对三月台账")
        assert "任务已添加。" in tasks.messages()
        home = HomePage(page).open()
        expect(page.locator("#home-reminders")).to_contain_text("核对三月台账")
        expect(page.locator("#home-reminders .badge-info")).to_contain_text("提醒")
        assert home.path_now == "/"

        # A date typed the browser's way is refused in Chinese, nothing saved.
        TaskPage(page).open()
        page.fill("#id_due_date", "03/05/2026")
        page.keyboard.press("Escape")
        TaskPage(page).add("月度统计")
        assert "日期格式不正确：请按“年-月-日”填写，例如 2026-03-05。" in " ".join(tasks.messages())

        # The file picker: Chinese button and names, the native control hidden.
        page.goto("/bulletin/new/")
        picker = page.locator("[data-file-picker]").first
        expect(picker.locator(".file-picker-button")).to_have_text("选择文件")
        expect(picker.locator(".file-picker-names")).to_have_text("未选择文件")
        assert picker.locator("input[type=file]").bounding_box()["width"] <= 1
        page.set_input_files("#id_upload", {"name": "春节值班安排.pdf", "mimeType": "application/pdf",
                                            "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"})
        expect(picker.locator(".file-picker-names")).to_have_text("春节值班安排.pdf")
        shot(page, "filepicker-en-browser")
    finally:
        context.close()


def test_admin_deletes_an_unused_account_and_is_refused_for_a_used_one(new_page, demo_users):
    LoginPage(new_page()).open().login("clerk")  # the clerk has logged in: his account has records
    page = new_page()
    LoginPage(page).open().login("admin")
    admin = User.objects.get(username="admin")
    services.user_create(actor=admin, username="wrong_user", password="Qingfeng#2026x", real_name="误建账号",
                         organization=admin.organization)  # created by mistake, never used
    # The button asks first; cancelled, nothing happens.
    retire = UserRetirePage(page).open_user("wrong_user").press("删除账号", confirm=False)
    assert retire.asked == "确定删除该账号吗？删除后不能恢复。"
    assert User.objects.filter(username="wrong_user").exists()
    retire = retire.press("删除账号")
    assert "已删除用户 wrong_user。" in retire.messages()
    assert retire.path_now == "/accounts/users/"
    expect(UserListPage(page).row_of("wrong_user")).to_have_count(0)
    assert not User.objects.filter(username="wrong_user").exists()

    retire = UserRetirePage(page).open_user("clerk").press("删除账号")
    [message] = [m for m in retire.messages() if "clerk" in m]
    assert message.startswith("账号 clerk 已有记录（") and "审计日志" in message and "请改为停用该账号" in message
    assert User.objects.filter(username="clerk", is_active=True).exists()
    shot(page, "user-delete-refused")
    retire.press("停用账号")
    assert "已停用用户 clerk，该账号不能再登录。" in retire.messages()
    assert not User.objects.get(username="clerk").is_active
    assert AuditLog.objects.filter(action="user.delete").count() == 1


def test_publisher_sends_a_notice_to_named_organizations(new_page, demo_users):
    page = new_page()
    LoginPage(page).open().login("triage")
    BulletinFormPage(page).open().publish(title="关于石门县春节值班的通知", audience="指定单位", orgs=["石门县"])
    assert "已发布。" in BulletinFormPage(page).messages()
    expect(page.locator("#bulletin-audience")).to_have_text("发送范围：指定单位：石门县")
    shot(page, "bulletin-named-orgs")
    bulletin = Bulletin.objects.get(title="关于石门县春节值班的通知")
    assert [t.org.name for t in bulletin.targets.all()] == ["石门县"]

    reader = new_page()
    LoginPage(reader).open().login("township_handler")  # 石门镇, below 石门县
    expect(reader.locator("#home-notices")).to_contain_text("关于石门县春节值班的通知")
    assert "关于石门县春节值班的通知" in BulletinListPage(reader).open().titles()

    outsider = new_page()
    LoginPage(outsider).open().login("other_township_handler")  # 云溪镇, another county
    assert "关于石门县春节值班的通知" not in BulletinListPage(outsider).open().titles()
    outsider.goto(f"/bulletin/{bulletin.pk}/")
    assert outsider.locator("main h1").inner_text() == "页面不存在"
