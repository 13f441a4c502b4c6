"""The two workbooks of the historical import: the template to fill in and the error workbook
(the uploaded rows with every bad cell marked red and commented, the messages in a last column).

Both carry the hidden ``_meta`` sheet with the template mark and version, so the error workbook,
once corrected, can be uploaded again as it is."""
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from petitions.models import DictEntry

from petitions.services.history_import.columns import (
    BOOL, CHOICE, COLUMNS, DATA_SHEET, DICT, ERROR_HEADER, EXAMPLE, HELP_SHEET, LISTS_SHEET, META_SHEET, REQUIRED,
    STATUS_NAMES, TEMPLATE_MARK, TEMPLATE_VERSION,
)

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
REQUIRED_FILL = PatternFill("solid", fgColor="F8D7A8")
ERROR_FILL = PatternFill("solid", fgColor="F4B6B6")
BOLD = Font(bold=True)
TEMPLATE_ROWS = 5000  # rows prepared with drop-downs and text format; more may be added below
TEXT_COLUMNS = {"source_number", "id_number", "phone", "first_case", "referral_number", "registered_org",
                "handling_org"}
XML_ILLEGAL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _safe(value):
    """Cell text as typed, never a formula: a leading = + - @ is kept as text by the
    ``quotePrefix`` style (set by the caller), and XML-illegal control characters are dropped."""
    if isinstance(value, str):
        return value.translate(XML_ILLEGAL)
    return value


def _meta(wb):
    ws = wb.create_sheet(META_SHEET)
    ws.append([TEMPLATE_MARK, TEMPLATE_VERSION])
    ws.sheet_state = "hidden"


def _list_values(column, entries):
    if column.kind == DICT:
        return [name for kind, name in entries if kind == column.source]
    if column.kind == CHOICE:
        return list(column.source.values())
    if column.kind == BOOL:
        return ["是", "否"]
    return None


def template_write(out):
    """Write the empty template (``.xlsx``) to the binary file ``out``."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append([c.header for c in COLUMNS])
    always = {c.key for c in COLUMNS if c.required}
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.key in always else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column.help:
            cell.comment = Comment(column.help, "xf")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.key in TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "@"
    ws.freeze_panes = "B2"

    lists = wb.create_sheet(LISTS_SHEET)
    entries = list(DictEntry.objects.filter(is_active=True).order_by("kind", "sort_order", "code")
                   .values_list("kind", "name"))
    list_col = 0
    for index, column in enumerate(COLUMNS, start=1):
        values = _list_values(column, entries)
        if not values:
            continue
        list_col += 1
        letter = get_column_letter(list_col)
        lists.cell(row=1, column=list_col, value=column.header).font = BOLD
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=list_col, value=value)
        validation = DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
                                    allow_blank=True, showErrorMessage=True, errorTitle="输入有误",
                                    error="请从下拉列表中选择。")
        validation.add(f"{get_column_letter(index)}2:{get_column_letter(index)}{TEMPLATE_ROWS + 1}")
        ws.add_data_validation(validation)

    helpsheet = wb.create_sheet(HELP_SHEET, 0)
    helpsheet.append(["历史数据导入模板（第%s版）" % TEMPLATE_VERSION])
    helpsheet["A1"].font = Font(bold=True, size=14)
    for line in (
        "在“信访件”工作表中每行填写一件信访件，第1行表头不得修改、增删或调换；橙色表头为必填列。",
        "带下拉列表的列请从列表中选择，也可填写字典代码。日期写作 2021-03-15。证件号码、电话等列已设为文本格式。",
        "单元格中不得使用公式或外部链接；文件须为 .xlsx 格式。导入前系统逐行检查，有误的行在预览页列出，"
        "可下载标注了错误单元格的工作簿，改正后重新上传。",
        "默认全部无误才导入（一行有误则全部不导入）；也可明确选择只导入无误的行。同一原编号再次导入时跳过，不会重复登记。",
        "导入后每件获得本系统编号（登记机构代码-登记年度-序号）和查询码，原编号保留，可在信访查询中按原编号查到。",
    ):
        helpsheet.append([line])
    helpsheet.append([])
    helpsheet.append(["各办理状态须填写的列"])
    helpsheet.cell(row=helpsheet.max_row, column=1).font = BOLD
    headers = {c.key: c.header for c in COLUMNS}
    for status, keys in REQUIRED.items():
        helpsheet.append([STATUS_NAMES[status], "、".join(headers[k] for k in keys) or "（无）"])
    helpsheet.append([])
    helpsheet.append(["列", "必填", "说明"])
    for cell in helpsheet[helpsheet.max_row]:
        cell.font = BOLD
    for column in COLUMNS:
        helpsheet.append([column.header, "是" if column.required else "", column.help])
    helpsheet.append([])
    helpsheet.append(["示例行（仅供参考，请在“信访件”工作表中填写）"])
    helpsheet.cell(row=helpsheet.max_row, column=1).font = BOLD
    helpsheet.append([c.header for c in COLUMNS])
    helpsheet.append([EXAMPLE.get(c.key, "") for c in COLUMNS])
    helpsheet.column_dimensions["A"].width = 16
    helpsheet.column_dimensions["B"].width = 40
    helpsheet.column_dimensions["C"].width = 70
    _meta(wb)
    wb.active = 1
    wb.save(out)


def error_workbook_write(out, *, header, rows, errors):
    """Write the error workbook to ``out``.

    ``header``: the uploaded header row; ``rows``: an iterable of ``(row number, values)`` of the
    upload; ``errors``: {row number: {column index: message}} (index -1 for the row as a whole).
    Written in openpyxl's streaming mode: memory stays flat for 100,000 rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    head = []
    for value in list(header) + [ERROR_HEADER]:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        head.append(cell)
    ws.append(head)
    width = len(COLUMNS)
    for number, values in rows:
        row_errors = errors.get(number)
        values = list(values[:width]) + [None] * (width - min(len(values), width))
        if not row_errors:
            ws.append([_plain(ws, v) for v in values])
            continue
        cells = []
        for index, value in enumerate(values):
            cell = _plain(ws, value)
            message = row_errors.get(index)
            if message:
                cell.fill = ERROR_FILL
                cell.comment = Comment(message, "xf")
            cells.append(cell)
        summary = "；".join(
            (f"{COLUMNS[i].header}：{m}" if i >= 0 else m) for i, m in sorted(row_errors.items()))
        note = WriteOnlyCell(ws, value=_safe(summary))
        note.fill = ERROR_FILL
        cells.append(note)
        ws.append(cells)
    meta = wb.create_sheet(META_SHEET)
    meta.append([TEMPLATE_MARK, TEMPLATE_VERSION])
    meta.sheet_state = "hidden"
    wb.save(out)


def _plain(ws, value):
    if value is None or not isinstance(value, (str, int, float, bool)) and not hasattr(value, "isoformat"):
        cell = WriteOnlyCell(ws, value=None if value is None else str(getattr(value, "text", value)))
        return cell
    cell = WriteOnlyCell(ws, value=_safe(value))
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell.quotePrefix = True
        cell.data_type = "s"
    if hasattr(value, "isoformat"):
        cell.number_format = "yyyy-mm-dd hh:mm" if getattr(value, "hour", 0) or getattr(value, "minute", 0) \
            else "yyyy-mm-dd"
    return cell
