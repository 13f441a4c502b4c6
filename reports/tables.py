"""A report table as data: column tree (multi-level headers), rows with a kind, notes.

The page template and the Excel exporter both render the same ``Table`` object, so the
numbers on screen and in the file cannot drift apart. Percentages are stored as ratios already
rounded to one decimal of a percent (``pct``), so ``12.3%`` on the page and ``0.0%``-formatted
0.123 in Excel are the same number.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ROW_DATA = "data"
ROW_SUBTOTAL = "subtotal"
ROW_TOTAL = "total"
ROW_GROUP = "group"  # a heading row inside the body (e.g. "二、按信访形式"); no numbers
WIDE_COLUMNS = 14


def pct(part, whole):
    """``part / whole`` rounded half-up to 0.1 %; ``None`` when ``whole`` is 0 (shown as "—")."""
    if not whole:
        return None
    ratio = (Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return float(ratio)


def pct_text(value):
    return "—" if value is None else f"{Decimal(str(value)) * 100:.1f}%"


@dataclass
class Column:
    """A header node. Leaves carry a ``key`` into the row values and a ``kind``: int, pct, text."""

    label: str
    key: str = ""
    kind: str = "int"
    children: list = field(default_factory=list)

    @property
    def leaves(self):
        if not self.children:
            return [self]
        out = []
        for child in self.children:
            out.extend(child.leaves)
        return out

    @property
    def depth(self):
        return 1 + max((c.depth for c in self.children), default=0)


@dataclass
class HeaderCell:
    label: str
    col: int  # zero-based first column
    colspan: int
    rowspan: int
    kind: str


@dataclass
class Row:
    cells: list
    kind: str = ROW_DATA
    level: int = 0  # indentation of the row label (0 = top)
    url: str = ""  # optional link on the label cell (e.g. a drill-down)


@dataclass
class FormBlock:
    """The statistical form block every report carries on screen, on paper and in Excel: its
    identification above the table (表号, 制表机关, 填报单位) and the sign-off below it (单位负责人,
    填表人, 报出日期). Empty names print as blank lines to be signed by hand."""

    number: str
    authority: str
    unit: str = ""
    unit_head: str = ""
    preparer: str = ""
    report_date: date = None

    def date_text(self):
        return f"{self.report_date.year}年{self.report_date.month}月{self.report_date.day}日" if self.report_date else ""


@dataclass
class Table:
    title: str
    subtitle: str
    columns: list
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    sheet_name: str = "报表"
    row_header: bool = True  # the first column labels the row (frozen in Excel)
    form: FormBlock = None  # the statistical form block (set by the page from the report's definition)

    @property
    def leaves(self):
        out = []
        for col in self.columns:
            out.extend(col.leaves)
        return out

    @property
    def is_wide(self):
        """More columns than fit a 1366-pixel screen or A4 landscape at the normal size: the page
        sets such a table tighter (and never below 8 pt in print)."""
        return len(self.leaves) > WIDE_COLUMNS

    def header_rows(self):
        """Rows of ``HeaderCell`` for a grid header: parents span their leaves, leaves span down."""
        depth = max(c.depth for c in self.columns)
        rows = [[] for _ in range(depth)]

        def place(col, level, start):
            if col.children:
                span = len(col.leaves)
                rows[level].append(HeaderCell(col.label, start, span, 1, col.kind))
                pos = start
                for child in col.children:
                    pos = place(child, level + 1, pos)
                return start + span
            rows[level].append(HeaderCell(col.label, start, 1, depth - level, col.kind))
            return start + 1

        pos = 0
        for col in self.columns:
            pos = place(col, 0, pos)
        return rows

    def add(self, values, *, kind=ROW_DATA, level=0, url=""):
        """Append a row given a dict of leaf key → value (missing keys become 0 / "")."""
        cells = []
        for leaf in self.leaves:
            if kind == ROW_GROUP:
                default = None  # a heading row: only its label
            else:
                default = "" if leaf.kind == "text" else (None if leaf.kind == "pct" else 0)
            cells.append(values.get(leaf.key, default))
        self.rows.append(Row(cells=cells, kind=kind, level=level, url=url))
        return self.rows[-1]

    def display(self, leaf, value):
        """Text of one cell as the page shows it."""
        if leaf.kind == "pct":
            return pct_text(value)
        if value is None:
            return ""
        return str(value)

    def display_rows(self):
        """Rows for the template: list of (row, [(text, kind), ...])."""
        leaves = self.leaves
        out = []
        for row in self.rows:
            out.append((row, [(self.display(leaf, v), leaf.kind) for leaf, v in zip(leaves, row.cells)]))
        return out

    def column_values(self, key):
        """All values of one leaf column (tests and charts)."""
        index = [leaf.key for leaf in self.leaves].index(key)
        return [row.cells[index] for row in self.rows]

    def row_by_label(self, label):
        for row in self.rows:
            if row.cells and row.cells[0] == label:
                return dict(zip([leaf.key for leaf in self.leaves], row.cells))
        raise KeyError(label)
