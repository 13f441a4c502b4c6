"""The streamed list export (``stream_rows_response``): body rows written as sheet XML.

What the file must hold whatever the writer: every value back with its type, borders and the
body font on every body cell, dates with their formats, no formula anywhere, characters XML
cannot hold removed, a well-formed sheet, and memory that does not grow with the row count.
"""
import io
import tracemalloc
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from lxml import etree
from openpyxl import load_workbook

from reports import exporters
from tests.petitions.workflow_helpers import clock, make_case  # noqa: F401 (clock is a fixture)

DANGEROUS = ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")',
             "=cmd|' /C calc'!A0"]
COLUMNS = [exporters.ExportColumn("文本", width=20), exporters.ExportColumn("时间", width=16),
           exporters.ExportColumn("期限", width=10), exporters.ExportColumn("数量"),
           exporters.ExportColumn("占比", kind="pct")]


def _export(rows, *, columns=COLUMNS, total_label="共 %(count)s 条"):
    response = exporters.stream_rows_response(title="信访查询", subtitle="导出单位：测试", columns=columns,
                                              rows=iter(rows), filename="x.xlsx", total_label=total_label)
    return b"".join(response.streaming_content)


def _sheet(body):
    return load_workbook(io.BytesIO(body))["信访查询"]


def _sheet_xml(body):
    return zipfile.ZipFile(io.BytesIO(body)).read(exporters.SHEET_PART)


def test_values_come_back_with_their_types_and_formats():
    when = timezone.make_aware(datetime(2025, 3, 31, 23, 59, 58))  # Asia/Shanghai
    rows = [
        ("信访件 〔2025〕3 号", when, date(2025, 4, 30), 7, 0.125),
        ("", None, None, None, None),
        ("带 & < > 的内容", datetime(2025, 1, 1, 8, 30), date(1900, 1, 1), Decimal("2.5"), 1),
        ("是", True, False, -3, float("nan")),
    ]
    ws = _sheet(_export(rows))
    assert [c.value for c in ws[4]] == ["信访件 〔2025〕3 号", datetime(2025, 3, 31, 23, 59, 58),
                                        datetime(2025, 4, 30), 7, 0.125]
    assert ws["B4"].number_format == exporters.DATETIME_FORMAT
    assert ws["C4"].number_format == exporters.DATE_FORMAT
    assert ws["D4"].data_type == "n" and ws["E4"].number_format == exporters.PERCENT_FORMAT
    assert [c.value for c in ws[5]] == [None] * 5
    assert [c.value for c in ws[6]] == ["带 & < > 的内容", datetime(2025, 1, 1, 8, 30), datetime(1900, 1, 1),
                                        2.5, 1]
    assert [c.value for c in ws[7]] == ["是", True, False, -3, None]  # NaN has no Excel value
    assert ws.cell(8, 1).value == "共 4 条" and ws.cell(8, 1).font.b
    assert ws.max_row == 8


def test_every_body_cell_has_the_border_and_body_font_even_when_empty():
    ws = _sheet(_export([("甲", None, None, 1, None), (None, None, None, None, None)]))
    for row in ws.iter_rows(min_row=3, max_row=5, max_col=len(COLUMNS)):
        for cell in row:
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell.coordinate
            assert cell.font.name == "宋体" and cell.font.sz == 10, cell.coordinate
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("DDE4EE") for c in ws[3])  # header
    assert not ws["A4"].font.b


@pytest.mark.parametrize("text", DANGEROUS + ["\x01=1+1", "\x00\x1f@A1"])
def test_formula_like_text_is_an_inert_quote_prefixed_string(text):
    body = _export([(text, None, None, None, None), ("正常 " + text, None, None, None, None)])
    assert b"<f>" not in _sheet_xml(body) and b"<f " not in _sheet_xml(body)
    ws = _sheet(body)
    stripped = exporters.XML_ILLEGAL_RE.sub("", text)  # control characters go first, then the check
    cell = ws["A4"]
    assert cell.value == stripped and cell.data_type == "s" and cell.quotePrefix
    assert ws["A5"].value == "正常 " + stripped and not ws["A5"].quotePrefix


def test_characters_xml_cannot_hold_are_removed_and_the_rest_kept_exactly():
    texts = ["前\x00中\x08后\x0b\x0c\x1f", "替换\ufffe\uffff字符", "换行\n制表\t回车\r结束",
             "  首尾空格  ", "\n", "&amp; 不是实体 &lt;", "]]> 与 <![CDATA[", "𠀀 扩展B区汉字"]
    body = _export([(t, None, None, None, None) for t in texts])
    etree.fromstring(_sheet_xml(body))  # well-formed XML
    ws = _sheet(body)
    assert [ws.cell(r, 1).value for r in range(4, 4 + len(texts))] == [
        "前中后", "替换字符", "换行\n制表\t回车\r结束", "  首尾空格  ", "\n", "&amp; 不是实体 &lt;",
        "]]> 与 <![CDATA[", "𠀀 扩展B区汉字"]


def test_layout_survives_around_the_streamed_body():
    body = _export([(f"N-{i}", None, None, i, None) for i in range(3)])
    ws = _sheet(body)
    assert ws["A1"].value == "信访查询" and ws["A1"].font.sz == 16 and ws["A1"].font.b
    assert ws["A2"].value == "导出单位：测试"
    assert {"A1:E1", "A2:E2"} <= {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[3]] == ["文本", "时间", "期限", "数量", "占比"]
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$1:$3"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["A"].width == 22
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", exporters.SHEET_PART} <= set(names)


def test_no_rows_still_gives_header_and_total():
    ws = _sheet(_export([]))
    assert [c.value for c in ws[3]] == ["文本", "时间", "期限", "数量", "占比"]
    assert ws["A4"].value == "共 0 条" and ws.max_row == 4
    ws = _sheet(_export([], total_label=None))
    assert ws.max_row == 3


def test_rows_stop_at_excel_sheet_limit(monkeypatch):
    monkeypatch.setattr(exporters, "EXCEL_MAX_ROWS", 10)  # 3 title/header rows + 6 + total
    pulled = []

    def rows():
        for i in range(50):
            pulled.append(i)
            yield (f"N-{i}", None, None, i, None)

    response = exporters.stream_rows_response(title="信访查询", subtitle="", columns=COLUMNS, rows=rows(),
                                              filename="x.xlsx", total_label="共 %(count)s 条")
    ws = _sheet(b"".join(response.streaming_content))
    assert [ws.cell(r, 1).value for r in range(4, 11)] == [f"N-{i}" for i in range(6)] + ["共 6 条"]
    assert len(pulled) <= 7  # the rest of the query is never read


def test_a_row_with_the_wrong_number_of_values_is_refused():
    with pytest.raises(ValueError, match="5 columns"):
        _export([("a", None, None, 1)])


def test_memory_does_not_grow_with_the_number_of_rows():
    """40,000 rows of 200 characters are ~30 MB of sheet XML; held in memory they would show."""
    summary = "反映某小区物业服务收费不合理问题，" * 12

    def rows():
        for i in range(40_000):
            yield (f"{summary}{i}", None, date(2025, 1, 1), i, None)

    tracemalloc.start()
    try:
        response = exporters.stream_rows_response(title="信访查询", subtitle="", columns=COLUMNS, rows=rows(),
                                                  filename="x.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    ws = _sheet(b"".join(response.streaming_content))
    assert ws.max_row == 3 + 40_000 and ws.cell(ws.max_row, 1).value == f"{summary}39999"

def test_search_export_decrypts_identity_and_phone_or_masks_them(client, clerk, triage, leader, clock):
    """信访查询's export through the view, over petitioners stored encrypted: 分流员 (view_pii) gets
    the plaintext, 领导 the masked form, and decryption contexts already used under another master
    key (accounts/crypto.py keeps one per key) change nothing."""
    from django.urls import reverse

    from petitions.domain.idcard import make_id_number, mask_id_number, mask_phone
    from petitions.lib import fieldcrypt
    from petitions.models import Petitioner

    expected = {}
    for i in range(6):
        case = make_case(clerk, channel="visit")
        id_number, phone = make_id_number("533922", date(1970 + i, 1 + i, 2 * i + 1), 11 + i), f"1390000{i:04d}"
        Petitioner.objects.filter(case=case).update(id_number=id_number, phone=phone)
        expected[case.number] = (id_number, phone)
    other = "7c" * 32
    assert fieldcrypt.decrypt(fieldcrypt.encrypt("13900000000", master_hex=other), master_hex=other)

    def exported(user):
        client.force_login(user)
        location = client.post(reverse("petitions:search"), {})["Location"]
        response = client.get(location + "&export=xlsx")
        assert response.status_code == 200
        ws = _sheet(b"".join(response.streaming_content))
        return {ws.cell(r, 1).value: (ws.cell(r, 6).value, ws.cell(r, 7).value) for r in range(4, ws.max_row)}

    assert exported(triage) == expected
    assert exported(leader) == {n: (mask_id_number(i), mask_phone(p)) for n, (i, p) in expected.items()}
