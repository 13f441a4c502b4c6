"""导出Excel of one case: its registered data, assignments and full trail on one formatted sheet.

Uses the formatting vocabulary of ``reports.exporters`` (fonts, borders, A4 print set-up) and
its ``set_cell``, which writes text beginning with ``= + - @`` as an inert quoted string.
ID numbers and phones are masked for users without ``petitions.view_pii``.
"""
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from reports.exporters import (
    BODY_FONT, BORDER, CENTER, HEADER_FILL, HEADER_FONT, LEFT, SUBTITLE_FONT, TITLE_FONT, export_filename,
    fitted_width, print_setup, set_cell, temp_xlsx_response,
)

from petitions.domain.idcard import mask_id_number, mask_phone
from petitions.models import AssignmentStatus
from petitions.workflow import Status, event_label

COLUMNS = 6


def _status_label(value):
    try:
        return str(Status(value).label)
    except ValueError:
        return value or ""


def _action_label(action):
    return str(event_label(action))


def _local(moment):
    return timezone.localtime(moment) if moment else None


def case_rows(case, *, show_pii):
    """The sheet's content as sections of rows (pure data, for the writer and for tests)."""
    petitioners = []
    for p in case.petitioners.select_related("ethnicity").all():
        id_number = p.id_number if show_pii else mask_id_number(p.id_number)
        phone = p.phone if show_pii else mask_phone(p.phone)
        petitioners.append([p.name or _("匿名"), p.get_sex_display(), p.age, id_number, phone, p.address])
    basics = [
        [_("信访件编号"), case.number, _("状态"), _status_label(case.status), _("信访形式"), case.get_channel_display()],
        [_("登记机构"), str(case.registered_org), _("登记时间"), _local(case.registered_at), _("信访日期"),
         case.petition_date],
        [_("信访目的"), str(case.purpose or ""), _("所属问题"), str(case.problem or ""), _("问题属地"),
         str(case.problem_region or "")],
        [_("受理期限"), case.acceptance_due, _("办理期限"), case.handling_due, _("当前期限"), case.current_due],
        [_("受理时间"), _local(case.accepted_at), _("答复时间"), _local(case.answered_at), _("办结时间"),
         _local(case.closed_at)],
        [_("督办"), _("是") if case.is_supervised else _("否"), _("保密"), _("是") if case.is_confidential else _("否"),
         _("处理意见"), case.get_handling_opinion_display()],
    ]
    texts = [
        (_("反映问题及诉求"), case.content),
        (_("领导批示"), case.latest_instruction),
        (_("答复意见"), case.answer_text),
    ]
    assignments = [
        [str(a.org), a.get_kind_display(), _("主办") if a.is_lead else _("协办"),
         str(AssignmentStatus(a.status).label), a.acceptance_due, a.handling_due]
        for a in case.assignments.select_related("org").order_by("id")
    ]
    events = [
        [_local(e.created_at), _action_label(e.action),
         f"{_status_label(e.from_status)} → {_status_label(e.to_status)}" if e.from_status or e.to_status else "",
         f"{e.actor or _('系统')}（{e.actor_org or ''}）", str(e.target_org or e.target_user or ""),
         e.note]
        for e in case.events.select_related("actor", "actor_org", "target_org", "target_user").order_by(
            "created_at", "id")
    ]
    return {"basics": basics, "texts": texts, "petitioners": petitioners, "assignments": assignments,
            "events": events}


def case_workbook(case, *, show_pii):
    """A formatted workbook: title, basics grid, petitioners, text blocks, assignments, trail."""
    data = case_rows(case, show_pii=show_pii)
    wb = Workbook()
    ws = wb.active
    ws.title = _("信访件")
    row = 1

    def merged(text, *, font, height=None, alignment=LEFT):
        nonlocal row
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=COLUMNS)
        cell = set_cell(ws.cell(row, 1), text)
        cell.font, cell.alignment = font, alignment
        if height:
            ws.row_dimensions[row].height = height
        row += 1

    def table(header, rows):
        nonlocal row
        for col, title in enumerate(header, start=1):
            cell = set_cell(ws.cell(row, col), title)
            cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, CENTER
        row += 1
        for values in rows:
            for col, value in enumerate(values, start=1):
                cell = set_cell(ws.cell(row, col), value)
                cell.font, cell.border, cell.alignment = BODY_FONT, BORDER, LEFT
            row += 1
        row += 1

    merged(_("信访件 %(number)s") % {"number": case.number}, font=TITLE_FONT, height=30, alignment=CENTER)
    merged(_("导出时间：%(time)s") % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}, font=SUBTITLE_FONT)
    title_rows = f"1:{row - 1}"
    row += 1
    for values in data["basics"]:
        for col, value in enumerate(values, start=1):
            cell = set_cell(ws.cell(row, col), value)
            cell.border, cell.alignment = BORDER, LEFT
            cell.font = HEADER_FONT if col % 2 else BODY_FONT
            if col % 2:
                cell.fill = HEADER_FILL
        row += 1
    row += 1
    merged(_("信访人"), font=HEADER_FONT)
    table([_("姓名"), _("性别"), _("年龄"), _("证件号码"), _("联系电话"), _("地址")], data["petitioners"])
    for label, text in data["texts"]:
        if not text:
            continue
        merged(label, font=HEADER_FONT)
        merged(text, font=BODY_FONT, height=max(18, 15 * (len(text) // 60 + 1)))
        row += 1
    merged(_("交办记录"), font=HEADER_FONT)
    table([_("承办单位"), _("方式"), _("主办/协办"), _("状态"), _("受理期限"), _("办理期限")], data["assignments"])
    merged(_("处理记录"), font=HEADER_FONT)
    table([_("时间"), _("操作"), _("状态变化"), _("操作人（机构）"), _("对象"), _("意见")], data["events"])

    widths = [14, 22, 16, 24, 18, 50]
    for col in range(1, COLUMNS + 1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(widths[col - 1], min(fitted_width(
            [r[col - 1] for r in data["basics"]], maximum=40), 40))
    print_setup(ws, title_rows=title_rows)
    ws.page_setup.orientation = "portrait"
    return wb


def case_export_response(case, *, user):
    """The workbook as a download named after the case number."""
    wb = case_workbook(case, show_pii=user.has_perm("petitions.view_pii"))
    return temp_xlsx_response(wb.save, export_filename(_("信访件"), suffix=case.number))
