"""Excel exports (openpyxl): one formatting vocabulary for every table the office sends up.

Two writers share the same look:

- ``table_workbook(table)`` builds a formatted report (``reports.tables.Table``): merged title row
  with report name, period and scope; merged multi-level headers; thin borders; bold subtotal and
  total rows; percentages as ``0.0%``; column widths fitted to Chinese text; frozen header; A4
  landscape with the title and header rows repeated on every printed page.
- ``stream_rows_response(...)`` writes long lists (search results, archive) in openpyxl's
  write-only mode, row by row from an iterator, into a temporary file, so memory stays bounded at
  100,000+ rows (PERFORMANCE.md §3: 31 MB peak at 100k rows against 424 MB in normal mode).

Formula injection: any text starting with ``= + - @`` (or a tab / carriage return, which some
spreadsheet programs skip before deciding) is written as a *string cell* with Excel's
``quotePrefix`` style. The stored text stays exactly what the petitioner wrote (no apostrophe is
added to the data), Excel shows it as text, never evaluates it, and keeps it text when the cell is
edited. openpyxl would otherwise store a value beginning with ``=`` as a formula.
"""
import tempfile
import unicodedata
from datetime import date, datetime

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from .tables import ROW_DATA, ROW_SUBTOTAL, ROW_TOTAL

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576
STREAM_CHUNK = 2000

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_FONT = Font(name="宋体", size=16, bold=True)
SUBTITLE_FONT = Font(name="宋体", size=10)
HEADER_FONT = Font(name="宋体", size=10, bold=True)
BODY_FONT = Font(name="宋体", size=10)
TOTAL_FONT = Font(name="宋体", size=10, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
PERCENT_FORMAT = "0.0%"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 6, 60
HEADER_WRAP = 14


def text_width(text):
    """Display width of ``text`` in Excel character units: CJK and full-width characters count 2."""
    width = 0
    for ch in str(text):
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def fitted_width(texts, *, minimum=MIN_WIDTH, maximum=MAX_WIDTH):
    """Column width that fits the widest of ``texts`` (each line of multi-line text separately)."""
    widest = 0
    for text in texts:
        if text is None:
            continue
        for line in str(text).splitlines() or [""]:
            widest = max(widest, text_width(line))
    return max(minimum, min(maximum, widest + 2))


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def clean_value(value):
    """A value openpyxl can store: naive local datetimes, XML-safe text."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def set_cell(cell, value):
    """Assign ``value`` to ``cell``; formula-like text becomes an inert, quote-prefixed string."""
    value = clean_value(value)
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def print_setup(ws, *, title_rows):
    """A4 landscape, fit to one page wide, ``title_rows`` (e.g. "1:4") repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def temp_xlsx_response(save, filename):
    """Call ``save(fileobj)`` into a temporary file and return it as a download.

    The file is unlinked when the response is closed (``NamedTemporaryFile`` deletes on close).
    """
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")
    save(tmp)
    tmp.flush()
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX_MIME)


def _title_rows(ws, *, title, subtitle, width):
    """Row 1: merged title; row 2: merged period/scope line. Normal-mode worksheet."""
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = TITLE_FONT
    ws.cell(1, 1).alignment = CENTER
    ws.row_dimensions[1].height = 30
    ws.append([subtitle])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1).font = SUBTITLE_FONT
    ws.cell(2, 1).alignment = LEFT


def table_workbook(*tables):
    """Formatted workbook of ``reports.tables.Table`` objects (the ones the page renders), one sheet each."""
    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        write_table_sheet(wb.create_sheet(title=table.sheet_name[:31]), table)
    return wb


def write_table_sheet(ws, table):
    """Write one ``Table`` into an empty normal-mode worksheet ``ws``."""
    width = len(table.leaves)
    _title_rows(ws, title=table.title, subtitle=table.subtitle, width=width)
    top = 3
    header = table.header_rows()
    for r, cells in enumerate(header):
        for cell in cells:
            row, col = top + r, cell.col + 1
            c = set_cell(ws.cell(row, col), str(cell.label))
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=row, start_column=col,
                               end_row=row + cell.rowspan - 1, end_column=col + cell.colspan - 1)
            c.font = HEADER_FONT
            c.alignment = CENTER
            c.fill = HEADER_FILL
    header_end = top + len(header) - 1
    # Borders on every header position, including the ones hidden under a merge.
    for row in ws.iter_rows(min_row=top, max_row=header_end, max_col=width):
        for c in row:
            c.border = BORDER
    for row in table.rows:
        ws.append([None] * width)
        r = ws.max_row
        for i, (leaf, value) in enumerate(zip(table.leaves, row.cells), start=1):
            c = set_cell(ws.cell(r, i), value)
            c.border = BORDER
            c.font = BODY_FONT if row.kind == ROW_DATA else TOTAL_FONT
            if row.kind in (ROW_SUBTOTAL, ROW_TOTAL):
                c.fill = TOTAL_FILL
            if leaf.kind == "pct":
                c.number_format = PERCENT_FORMAT
                c.alignment = RIGHT
            elif leaf.kind == "int":
                c.alignment = RIGHT
            elif i == 1 and row.level:
                c.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=row.level)
            else:
                c.alignment = LEFT
    for i, leaf in enumerate(table.leaves, start=1):
        # Header labels wrap inside their cell, so they widen a column only up to HEADER_WRAP.
        texts = [table.display(leaf, row.cells[i - 1]) for row in table.rows]
        label_width = min(text_width(str(leaf.label)) + 2, HEADER_WRAP)
        ws.column_dimensions[get_column_letter(i)].width = max(fitted_width(texts), label_width)
    for note in table.notes:
        ws.append([str(note)])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        ws.cell(ws.max_row, 1).font = SUBTITLE_FONT
        ws.cell(ws.max_row, 1).alignment = LEFT
        ws.row_dimensions[ws.max_row].height = 15 * (1 + text_width(str(note)) // max(
            1, int(sum(ws.column_dimensions[get_column_letter(i)].width for i in range(1, width + 1)))))
    ws.freeze_panes = ws.cell(header_end + 1, 2 if table.row_header else 1)
    print_setup(ws, title_rows=f"1:{header_end}")
    return ws


def table_response(*tables, filename):
    """Download of ``table_workbook(*tables)``."""
    wb = table_workbook(*tables)
    return temp_xlsx_response(wb.save, filename)


class ExportColumn:
    """One column of a streamed list: header label, expected width in characters, value kind."""

    def __init__(self, label, *, width=None, kind="text"):
        self.label = label
        self.width = width
        self.kind = kind


def stream_rows_response(*, title, subtitle, columns, rows, filename, total_label=None):
    """Write ``rows`` (an iterator of value tuples) in write-only mode and return the file.

    Widths must be fixed before the first row in write-only mode, so each column declares its
    expected content width; the header label is the lower bound. Rows beyond Excel's sheet limit
    are not written: the caller caps the query (``EXCEL_MAX_ROWS - 4``) and says so in the title.
    The last row states how many records were written (``total_label`` % count).
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    width = len(columns)
    for i, col in enumerate(columns, start=1):
        texts = [str(col.label)] + ([("汉" * (col.width // 2))] if col.width else [])
        ws.column_dimensions[get_column_letter(i)].width = fitted_width(texts)
    ws.freeze_panes = "A4"
    print_setup(ws, title_rows="1:3")
    ws.merged_cells.add(f"A1:{get_column_letter(width)}1")
    ws.merged_cells.add(f"A2:{get_column_letter(width)}2")

    def styled(value, *, font=BODY_FONT, alignment=None, fill=None, kind="text"):
        cell = WriteOnlyCell(ws)
        set_cell(cell, value)
        cell.font = font
        cell.border = BORDER
        if alignment is not None:
            cell.alignment = alignment
        if fill is not None:
            cell.fill = fill
        if kind == "pct":
            cell.number_format = PERCENT_FORMAT
        return cell

    title_cell = WriteOnlyCell(ws, value=title)
    title_cell.font = TITLE_FONT
    title_cell.alignment = CENTER
    ws.append([title_cell])
    sub_cell = WriteOnlyCell(ws, value=subtitle)
    sub_cell.font = SUBTITLE_FONT
    ws.append([sub_cell])
    ws.append([styled(str(c.label), font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL) for c in columns])
    count = 0
    local_tz = timezone.get_default_timezone()

    def body(value):
        # Body cells carry no style of their own (a styled cell per value costs several times
        # the time at 100,000 rows); only formula-like text gets its inert string cell.
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            return set_cell(WriteOnlyCell(ws), value) if value.startswith(FORMULA_PREFIXES) else value
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(local_tz).replace(tzinfo=None)
        return value

    for values in rows:
        if count >= EXCEL_MAX_ROWS - 4:
            break
        ws.append([body(v) for v in values])
        count += 1
    if total_label:
        ws.append([styled(str(total_label) % {"count": count}, font=TOTAL_FONT, fill=TOTAL_FILL)])
    return temp_xlsx_response(wb.save, filename)


def export_filename(name, *, suffix=""):
    """``<name>_<suffix>_<yyyymmdd-hhmm>.xlsx``; Chinese names are fine (RFC 5987 via FileResponse)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    parts = [name, suffix, stamp] if suffix else [name, stamp]
    return "_".join(parts) + ".xlsx"
