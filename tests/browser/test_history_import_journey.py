"""数据导入 end to end: the county's triage officer downloads the template, fills it with a bad row,
uploads it and (on PostgreSQL, with the background thread of production rather than the tests' inline
mode) watches the check's progress bar; the preview names the bad cell; the error workbook marks it;
the corrected workbook imports; the case is found in 信访查询 by its old number. On SQLite the page
works within the request (one writer: a background import would lock out the session writes)."""
import openpyxl
import pytest

from petitions.models import Case
from petitions.services.history_import.columns import DATA_SHEET
from tests.petitions.history_helpers import KEYS, base_row

from .pages import BasePage, LoginPage, expect, shot

pytestmark = pytest.mark.browser


class HistoryImportPage(BasePage):
    path = "/cases/history-import/"

    def upload(self, path):
        self.page.set_input_files("#id_file", str(path))
        self.page.locator("#history-upload-submit").click()
        self.page.wait_for_load_state()
        return self


@pytest.fixture
def background(settings):
    settings.HISTORY_IMPORT_INLINE = False  # the page's own thread and its progress bar


def test_triage_imports_history_after_fixing_the_row_the_preview_names(page, demo_users, background, tmp_path):
    LoginPage(page).open().login("county_triage")
    page.locator("nav.sidenav a", has_text="数据导入").click()
    page.wait_for_load_state()
    imports = HistoryImportPage(page)
    assert imports.heading() == "数据导入"

    # 1. The template, filled in with a good row and one whose ID number has a wrong check digit.
    with page.expect_download() as download:
        page.locator("#history-template-download").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    wb = openpyxl.load_workbook(template)
    ws = wb[DATA_SHEET]
    for r, row in enumerate([base_row(1), base_row(2, id_number="110101199003071234")], start=2):
        for key, value in row.items():
            ws.cell(row=r, column=KEYS.index(key) + 1, value=value)
    filled = tmp_path / "石门县历史台账.xlsx"
    wb.save(filled)

    # 2. Upload: the check runs in the background, the bar fills, the page comes back with the preview.
    imports.upload(filled)
    expect(page.locator("#history-error-table")).to_be_visible(timeout=60_000)
    expect(page.locator("#history-error-table")).to_contain_text("X3")
    expect(page.locator("#history-error-table")).to_contain_text("校验位")
    shot(page, "history-import-preview")
    page.locator("#history-run-submit").click()  # without "only the valid rows": refused, nothing imported
    expect(page.locator("main")).to_contain_text("仅导入无误的行")
    assert Case.objects.count() == 0

    # 3. The error workbook marks the cell; corrected, it is uploaded as it is.
    with page.expect_download() as download:
        page.locator("#history-error-workbook").click()
    marked = tmp_path / "marked.xlsx"
    download.value.save_as(marked)
    wb = openpyxl.load_workbook(marked)
    ws = wb[DATA_SHEET]
    assert "校验位" in ws["X3"].comment.text
    ws["X3"] = "110101199003071233"
    fixed = tmp_path / "石门县历史台账-改正.xlsx"
    wb.save(fixed)
    imports.open().upload(fixed)
    expect(page.locator("#history-run-submit")).to_be_visible(timeout=60_000)
    expect(page.locator("#history-error-rows")).to_have_text("0")

    # 4. Import: the bar again, then the counts.
    page.locator("#history-run-submit").click()
    expect(page.locator("#history-created")).to_have_text("2", timeout=60_000)
    shot(page, "history-import-done")
    assert set(Case.objects.values_list("source_number", flat=True)) == {"H-00001", "H-00002"}

    # 5. 信访查询 finds a case by its old number.
    page.goto("/cases/search/")
    page.fill("#id_number", "H-00002")
    page.locator("main form.filters button.btn-primary").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text(Case.objects.get(source_number="H-00002").number)
