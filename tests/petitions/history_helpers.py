"""Workbooks for the historical-import tests: the real template, filled in with openpyxl."""
import io
import zipfile

import openpyxl

from petitions.services.history_import import template_write
from petitions.services.history_import.columns import COLUMNS, DATA_SHEET

KEYS = [c.key for c in COLUMNS]


def base_row(n=1, **values):
    """A valid 已办结 visit of 石门县信访局 (53392201), 原编号 H-<n>."""
    row = {
        "source_number": f"H-{n:05d}", "registered_org": "53392201", "channel": "来访", "petition_date": "2021-03-01",
        "status": "已办结", "purpose": "求决", "problem": "劳动社保", "problem_region": "533922",
        "content": f"反映拖欠工资问题，要求解决。第{n}件", "visit_nature": "个体访", "name": "张三",
        "id_number": "110101199003071233", "sex": "男", "phone": "13912345678", "address": "石门镇某村",
        "handling_org": "533922101", "accepted_at": "2021-03-05", "handling_opinion": "支持",
        "answer_text": "已协调支付。", "answered_at": "2021-04-01", "closure_category": "解决", "closed_at": "2021-05-01",
    }
    row.update(values)
    return {k: v for k, v in row.items() if v is not None}


def template_bytes():
    out = io.BytesIO()
    template_write(out)
    return out.getvalue()


def workbook_path(tmp_path, rows, *, name="history.xlsx", edit=None):
    """Save the template with ``rows`` (dicts by column key) on the data sheet; ``edit(wb)`` may
    change the workbook further before it is saved."""
    wb = openpyxl.load_workbook(io.BytesIO(template_bytes()))
    ws = wb[DATA_SHEET]
    for r, row in enumerate(rows, start=2):
        for key, value in row.items():
            ws.cell(row=r, column=KEYS.index(key) + 1, value=value)
    if edit is not None:
        edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def rewrite_zip(src, dst, *, add=None, drop=()):
    """Copy the .xlsx ``src`` to ``dst`` with members dropped or added ({name: bytes})."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename not in drop:
                zout.writestr(item, zin.read(item.filename))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst
