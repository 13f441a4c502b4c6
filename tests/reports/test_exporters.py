"""The shared Excel helpers: formula neutralisation, layout, print set-up, streaming."""
import io
import zipfile
from datetime import datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports import exporters
from reports.tables import ROW_TOTAL, Column, Table, pct, pct_text

DANGEROUS = ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


def _table():
    table = Table(title="测试报表", subtitle="统计时间：2025年03月", sheet_name="测试", columns=[
        Column("单位", "label", "text"),
        Column("来访", children=[Column("批次", "b"), Column("人次", "p"),
                                 Column("其中：集体访", children=[Column("批次", "cb"), Column("人次", "cp")])]),
        Column("占比", "x", "pct"),
    ])
    table.add({"label": "青峰州本级", "b": 5, "p": 34, "cb": 1, "cp": 30, "x": pct(1, 8)})
    for text in DANGEROUS:
        table.add({"label": text, "b": 1})
    table.add({"label": "合计", "b": 12, "p": 40, "x": pct(12, 12)}, kind=ROW_TOTAL)
    return table


def _read(response):
    body = b"".join(response.streaming_content)
    return body, load_workbook(io.BytesIO(body))


def test_text_width_counts_cjk_double():
    assert exporters.text_width("abc") == 3
    assert exporters.text_width("信访") == 4
    assert exporters.text_width("A区１") == 5  # full-width digit counts 2
    assert exporters.fitted_width(["信访件编号"]) == 12
    assert exporters.fitted_width(["x"]) == exporters.MIN_WIDTH
    assert exporters.fitted_width(["汉" * 100]) == exporters.MAX_WIDTH


def test_pct_rounds_half_up_to_one_decimal():
    assert pct(1, 8) == 0.125  # 12.5 %
    assert pct(1, 3) == 0.333
    assert pct(2, 3) == 0.667
    assert pct(1, 0) is None
    assert pct_text(0.125) == "12.5%"
    assert pct_text(None) == "—"


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_is_stored_as_inert_string(text):
    wb = exporters.table_workbook(_table())
    buf = io.BytesIO()
    wb.save(buf)
    sheet_xml = zipfile.ZipFile(buf).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the file
    ws = load_workbook(io.BytesIO(buf.getvalue()))["测试"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    cell = cells[text]
    assert cell.data_type == "s"
    assert cell.quotePrefix is True  # Excel keeps it text even when the cell is edited


def test_plain_text_and_numbers_keep_their_types():
    ws = exporters.table_workbook(_table())["测试"]
    assert ws["A6"].value == "青峰州本级" and not ws["A6"].quotePrefix
    assert ws["B6"].value == 5 and ws["B6"].data_type == "n"
    assert ws["F6"].value == 0.125 and ws["F6"].number_format == "0.0%"


def test_table_layout_title_headers_borders_freeze_print():
    ws = exporters.table_workbook(_table())["测试"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    # title and subtitle across all 6 columns; three header rows: 单位 and 占比 span down,
    # 来访 spans 4 columns, 其中：集体访 spans 2.
    assert {"A1:F1", "A2:F2", "A3:A5", "B3:E3", "D4:E4", "B4:B5", "C4:C5", "F3:F5"} <= merged
    assert ws["A1"].value == "测试报表" and ws["A1"].font.b
    assert [ws.cell(5, c).value for c in range(2, 6)] == [None, None, "批次", "人次"]
    assert ws["A6"].value == "青峰州本级"
    for cell in ws[6]:
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    assert ws.cell(ws.max_row, 1).value == "合计" and ws.cell(ws.max_row, 1).font.b
    assert ws.freeze_panes == "B6"
    assert ws.print_title_rows == "$1:$5"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # The widest text of column A is '=HYPERLINK("http://x","y")' (26) + 2 padding.
    assert ws.column_dimensions["A"].width == 28
    assert ws.column_dimensions["B"].width == 6


def test_table_response_is_a_download():
    response = exporters.table_response(_table(), filename="测试报表.xlsx")
    assert response["Content-Type"] == exporters.XLSX_MIME
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    body, wb = _read(response)
    assert wb.sheetnames == ["测试"]


def _stream(n):
    cols = [exporters.ExportColumn("编号", width=20), exporters.ExportColumn("内容", width=40),
            exporters.ExportColumn("时间", width=16), exporters.ExportColumn("数量", kind="int")]
    when = timezone.make_aware(datetime(2025, 3, 31, 23, 59))
    rows = ((f"N-{i:06d}", DANGEROUS[i % len(DANGEROUS)] + " 反映拖欠工资问题", when, i) for i in range(n))
    return exporters.stream_rows_response(title="信访查询", subtitle="导出", columns=cols, rows=rows,
                                          filename="x.xlsx", total_label="共 %(count)s 条")


def test_streamed_export_layout_and_neutralised_cells():
    body, wb = _read(_stream(30))
    ws = wb["信访查询"]
    assert {"A1:D1", "A2:D2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$1:$3"
    assert ws.page_setup.orientation == "landscape"
    assert [c.value for c in ws[3]] == ["编号", "内容", "时间", "数量"]
    assert ws["A4"].value == "N-000000"
    assert ws["C4"].value == datetime(2025, 3, 31, 23, 59)  # local time, not UTC
    assert ws["B4"].value == "=1+1 反映拖欠工资问题" and ws["B4"].data_type == "s" and ws["B4"].quotePrefix
    assert ws.cell(ws.max_row, 1).value == "共 30 条"
    assert ws.column_dimensions["B"].width == 42
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()


def test_streamed_export_uses_write_only_mode_and_consumes_rows_lazily(monkeypatch):
    """Write-only mode writes each row out as it comes and keeps none (bounded memory; the
    100,000-row figure is measured by bench/). Rows are pulled from the iterator one by one."""
    created = []
    real = exporters.Workbook

    def spy(*args, **kwargs):
        wb = real(*args, **kwargs)
        created.append(wb)
        return wb

    monkeypatch.setattr(exporters, "Workbook", spy)
    pulled = []

    def rows():
        for i in range(500):
            pulled.append(i)
            yield (f"N-{i}", "内容", None, i)

    cols = [exporters.ExportColumn("编号"), exporters.ExportColumn("内容"), exporters.ExportColumn("时间"),
            exporters.ExportColumn("数量")]
    response = exporters.stream_rows_response(title="信访查询", subtitle="", columns=cols, rows=rows(),
                                              filename="x.xlsx")
    assert created[0].write_only
    assert len(pulled) == 500
    body, wb = _read(response)
    assert wb["信访查询"].max_row == 3 + 500
