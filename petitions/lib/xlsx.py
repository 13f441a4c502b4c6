"""Reading an uploaded .xlsx workbook as a stream, after checking its container.

Used by the historical import (petitions/services/history_import). openpyxl's reader costs about
25 µs a cell on this project's machines, too slow for 100,000 rows of 50 columns; this reader parses
the sheet XML with lxml's ``iterparse`` (C) and keeps one row in memory at a time, and reuses
openpyxl only for what it knows best (which number formats are dates, Excel serial dates).

``workbook_open`` checks the zip *directory* before anything is decompressed: the number of members
and the total uncompressed size it declares (Python's zipfile never inflates a member past its
declared size: a lying header ends in a CRC error, not in a bigger file), the parts an .xlsx must
have, and refuses external links, data connections and macros. Every refusal is an
``XlsxRejected`` with a stable ``code`` and parameters; the caller words the message.
"""
import datetime as dt
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EXTERNAL_PREFIXES = ("xl/externalLinks/",)
CONNECTION_PARTS = ("xl/connections.xml",)
MACRO_PARTS = ("xl/vbaProject.bin",)
_ROW, _C, _V, _F, _IS = NS + "row", NS + "c", NS + "v", NS + "f", NS + "is"
_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": True}


class XlsxRejected(Exception):
    """The file is not a workbook this reader accepts. ``code``: not_xlsx, zip_bomb, external_links,
    macros, formula, sheet_missing; ``params`` name what was found."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula (never evaluated, always refused by the importer)."""

    text: str


@dataclass(frozen=True)
class CellError:
    """A cell holding an Excel error value (#N/A, #VALUE! …)."""

    text: str


def column_index(letters):
    """0-based index of a column name: A → 0, AA → 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letter(index):
    """Column name of a 0-based index: 0 → A, 26 → AA."""
    index += 1
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Workbook:
    archive: zipfile.ZipFile
    sheets: dict  # name → member path
    shared_strings: list = field(default_factory=list)
    date_styles: frozenset = frozenset()

    def close(self):
        self.archive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def dimension_rows(self, name):
        """Rows the sheet's <dimension> claims (an estimate for progress bars), or None."""
        path = self.sheets.get(name)
        if path is None:
            return None
        with self.archive.open(path) as stream:
            head = stream.read(4096).decode("utf-8", "replace")
        match = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
        return int(match.group(1)) if match else None

    def iter_rows(self, name):
        """``(row number, [values])`` of sheet ``name``, 1-based row numbers, one list per row
        with ``None`` for empty cells. Values: str, int, float, bool, datetime, ``Formula`` or
        ``CellError``. Rows without a cell are skipped."""
        path = self.sheets.get(name)
        if path is None:
            raise XlsxRejected("sheet_missing", sheet=name)
        strings, dates = self.shared_strings, self.date_styles
        columns = {}
        with self.archive.open(path) as stream:
            context = etree.iterparse(stream, events=("end",), tag=_ROW, **_PARSER_OPTIONS)
            next_row = 1
            for _event, row in context:
                number = row.get("r")
                number = int(number) if number else next_row
                next_row = number + 1
                values = []
                position = 0
                for cell in row:
                    if cell.tag != _C:
                        continue
                    ref = cell.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        position = columns.get(letters)
                        if position is None:
                            position = columns[letters] = column_index(letters)
                    value = _cell_value(cell, strings, dates)
                    if value is not None:
                        if position >= len(values):
                            values.extend([None] * (position + 1 - len(values)))
                        values[position] = value
                    position += 1
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                if values:
                    yield number, values


def _cell_value(cell, strings, dates):
    kind = cell.get("t")
    raw = None
    for child in cell:
        tag = child.tag
        if tag == _F:
            return Formula(child.text or "")
        if tag == _V:
            raw = child.text
        elif tag == _IS:
            return "".join(child.itertext(NS + "t"))
    if raw is None:
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "inlineStr"):
        return raw
    if kind == "b":
        return raw == "1"
    if kind == "e":
        return CellError(raw)
    if kind == "d":
        return dt.datetime.fromisoformat(raw.rstrip("Z"))
    number = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
    style = cell.get("s")
    if style is not None and int(style) in dates:
        return from_excel(number)
    return number


def _xml(archive, name):
    with archive.open(name) as stream:
        return etree.parse(stream, etree.XMLParser(**_PARSER_OPTIONS)).getroot()


def _relationships(archive, part):
    """{relationship id: (type, target path, external?)} of a part's .rels."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in archive.NameToInfo:
        return {}
    out = {}
    for rel in _xml(archive, rels_name).iter(NS_PKG + "Relationship"):
        target = rel.get("Target", "")
        external = rel.get("TargetMode") == "External"
        if not external:
            target = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], target, external)
    return out


def _shared_strings(archive, path):
    if path not in archive.NameToInfo:
        return []
    out = []
    with archive.open(path) as stream:
        for _event, item in etree.iterparse(stream, events=("end",), tag=NS + "si", **_PARSER_OPTIONS):
            # Rich text: the <t> of every run; phonetic hints (<rPh>) are not part of the text.
            out.append("".join(t.text or "" for t in item.iter(NS + "t") if t.getparent().tag != NS + "rPh"))
            item.clear()
    return out


def _date_styles(archive, path):
    """Indexes of the cell formats (cellXfs) whose number format is a date or time."""
    if path not in archive.NameToInfo:
        return frozenset()
    root = _xml(archive, path)
    custom = {}
    formats = root.find(NS + "numFmts")
    if formats is not None:
        for fmt in formats.iter(NS + "numFmt"):
            custom[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
    out = set()
    xfs = root.find(NS + "cellXfs")
    if xfs is not None:
        for index, xf in enumerate(xfs.iter(NS + "xf")):
            fmt_id = int(xf.get("numFmtId", "0"))
            code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
            # 27–36 and 50–58 are the built-in CJK date formats, not in openpyxl's table.
            if is_date_format(code) or 27 <= fmt_id <= 36 or 50 <= fmt_id <= 58:
                out.add(index)
    return frozenset(out)


def workbook_open(fileobj, *, max_members, max_uncompressed):
    """Check the container of an uploaded .xlsx and open it for reading; return a ``Workbook``.

    Raises ``XlsxRejected``: ``not_xlsx`` (not a zip, an encrypted workbook, an .xls, no workbook
    part), ``zip_bomb`` (more members than ``max_members``, or a declared uncompressed total above
    ``max_uncompressed`` bytes), ``external_links`` (links to other workbooks or data
    connections), ``macros`` (a VBA project)."""
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise XlsxRejected("not_xlsx") from None
    try:
        infos = archive.infolist()
        if len(infos) > max_members:
            raise XlsxRejected("zip_bomb", members=len(infos))
        total = sum(info.file_size for info in infos)
        if total > max_uncompressed:
            raise XlsxRejected("zip_bomb", size=total)
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise XlsxRejected("not_xlsx")
        if any(name.startswith(EXTERNAL_PREFIXES) for name in names) or names & set(CONNECTION_PARTS):
            raise XlsxRejected("external_links")
        if names & set(MACRO_PARTS):
            raise XlsxRejected("macros")
        rels = _relationships(archive, "xl/workbook.xml")
        if any(kind in ("externalLink", "connections") for kind, _target, _ext in rels.values()):
            raise XlsxRejected("external_links")
        sheets = {}
        try:
            root = _xml(archive, "xl/workbook.xml")
        except etree.XMLSyntaxError:
            raise XlsxRejected("not_xlsx") from None
        for sheet in root.iter(NS + "sheet"):
            rel = rels.get(sheet.get(NS_R + "id"))
            if rel is not None and rel[1] in names:
                sheets[sheet.get("name")] = rel[1]
        strings_path = next((t for kind, t, _e in rels.values() if kind == "sharedStrings"), "xl/sharedStrings.xml")
        styles_path = next((t for kind, t, _e in rels.values() if kind == "styles"), "xl/styles.xml")
        return Workbook(archive=archive, sheets=sheets, shared_strings=_shared_strings(archive, strings_path),
                        date_styles=_date_styles(archive, styles_path))
    except XlsxRejected:
        archive.close()
        raise
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError, OSError):
        archive.close()
        raise XlsxRejected("not_xlsx") from None
