"""Writes to the working-day calendar (节假日安排): entered from each year's State Council notice.

Who may write: whoever maintains the dictionaries (``petitions.manage_dictionary``, the
system administrator of the 三员 split); ``actor=None`` stands for the operator at the
server's command line (``manage.py load_holidays``). Every change writes one audit row
(``calendar.save`` / ``calendar.delete`` / ``calendar.import``) in the same transaction.
"""
import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError

from petitions.models import CalendarDay
from petitions.services.dictionary import MANAGE_PERMISSION  # the same right as the dictionaries

COMMAND_USERNAME = "manage.py load_holidays"
MAX_RANGE_DAYS = 31  # one holiday block of the notice; longer is a typing mistake
MAX_IMPORT_ROWS = 1000
MAX_LISTED_ERRORS = 10
NAME_MAX = CalendarDay._meta.get_field("name").max_length
NOTE_MAX = CalendarDay._meta.get_field("note").max_length

WORKDAY_TOKENS = {"1": True, "true": True, "yes": True, "y": True, "是": True, "上班": True, "工作日": True,
                  "0": False, "false": False, "no": False, "n": False, "否": False, "休息": False, "放假": False,
                  "休息日": False}
HEADER_TOKENS = {"date", "日期"}


@dataclass(frozen=True)
class CalendarRow:
    """One day as entered: the date, working day or not, its name and a note."""

    date: date
    is_workday: bool
    name: str
    note: str = ""


@dataclass(frozen=True)
class UpsertOutcome:
    """What an upsert did: dates created and updated (with [old, new]) and how many were unchanged."""

    created: list
    updated: dict
    unchanged: int

    @property
    def message(self):
        return _("节假日安排已保存：新增%(created)d天，修改%(updated)d天，%(unchanged)d天未变。") % {
            "created": len(self.created), "updated": len(self.updated), "unchanged": self.unchanged}


def _require(actor):
    if actor is not None and not actor.has_perm(MANAGE_PERMISSION):
        raise NotAllowed(_("您没有维护节假日安排的权限。"))


def _audit(*, action, actor, summary, data, request, target=None):
    audit_record(action=action, actor=actor, target=target, request=request, summary=summary, data=data,
                 username="" if actor is not None else COMMAND_USERNAME)


def _label(is_workday, name):
    return f"{name}（{_('上班') if is_workday else _('休息')}）"


def _upsert(rows):
    """Create or update one ``CalendarDay`` per row; the rows' dates are distinct."""
    existing = {d.date: d for d in CalendarDay.objects.select_for_update().filter(date__in=[r.date for r in rows])}
    new, updated, unchanged = [], {}, 0
    for row in rows:
        day = existing.get(row.date)
        if day is None:
            new.append(CalendarDay(date=row.date, is_workday=row.is_workday, name=row.name, note=row.note))
            continue
        if (day.is_workday, day.name, day.note) == (row.is_workday, row.name, row.note):
            unchanged += 1
            continue
        updated[row.date.isoformat()] = [_label(day.is_workday, day.name), _label(row.is_workday, row.name)]
        day.is_workday, day.name, day.note = row.is_workday, row.name, row.note
        day.save(update_fields=["is_workday", "name", "note"])
    try:
        with transaction.atomic():
            CalendarDay.objects.bulk_create(new)
    except IntegrityError:
        # Another administrator entered one of these dates at the same moment.
        raise ServiceError(_("节假日安排正被他人同时修改，请刷新后重试。"), code="calendar_concurrent")
    return UpsertOutcome(created=sorted(d.date.isoformat() for d in new), updated=updated, unchanged=unchanged)


def _clean_text(name, note):
    name, note = (name or "").strip(), (note or "").strip()
    if not name:
        raise ServiceError(_("请填写名称（如：春节、调休上班）。"), code="calendar_name_required", field="name")
    if len(name) > NAME_MAX:
        raise ServiceError(_("名称最多%(n)d个字。") % {"n": NAME_MAX}, code="calendar_name_long", field="name")
    if len(note) > NOTE_MAX:
        raise ServiceError(_("说明最多%(n)d个字。") % {"n": NOTE_MAX}, code="calendar_note_long", field="note")
    return name, note


@transaction.atomic
def calendar_days_save(*, actor, start, end=None, is_workday, name, note="", request=None):
    """Enter ``start``..``end`` (inclusive; one day when ``end`` is None) as rest days
    (``is_workday=False``, e.g. 春节) or as working days (调休上班), creating or overwriting the
    rows of those dates.

    Preconditions: ``actor`` may maintain the dictionaries (else NotAllowed); ``end`` is not
    before ``start`` and the range is at most 31 days; a name is given. Raises ServiceError
    (with ``field``) otherwise and writes nothing. Returns an ``UpsertOutcome``.
    Audit: one ``calendar.save`` row with the dates created and the changes of updated ones
    (none when every day was already entered so).
    """
    _require(actor)
    end = end or start
    if end < start:
        raise ServiceError(_("结束日期不能早于开始日期。"), code="calendar_range_reversed", field="end")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise ServiceError(_("一次最多登记%(n)d天。") % {"n": MAX_RANGE_DAYS}, code="calendar_range_long",
                           field="end")
    name, note = _clean_text(name, note)
    rows = [CalendarRow(start + timedelta(days=i), bool(is_workday), name, note) for i in range(days)]
    outcome = _upsert(rows)
    if outcome.created or outcome.updated:
        _audit(action="calendar.save", actor=actor, request=request,
               summary=_("登记节假日安排 %(start)s～%(end)s：%(label)s") % {
                   "start": start.isoformat(), "end": end.isoformat(), "label": _label(is_workday, name)},
               data={"start": start.isoformat(), "end": end.isoformat(), "is_workday": bool(is_workday),
                     "name": name, "created": outcome.created, "updated": outcome.updated})
    return outcome


@transaction.atomic
def calendar_day_delete(*, actor, day, request=None):
    """Remove the entry of one date, which then counts as an ordinary weekday or weekend day.

    Raises NotAllowed without the right. Audit: ``calendar.delete`` with what the day was."""
    _require(actor)
    day = CalendarDay.objects.select_for_update().filter(pk=day.pk).first()
    if day is None:
        return
    label, when = _label(day.is_workday, day.name), day.date.isoformat()
    day.delete()
    _audit(action="calendar.delete", actor=actor, request=request,
           summary=_("删除节假日安排 %(date)s：%(label)s") % {"date": when, "label": label},
           data={"date": when, "was": label})


def _decode(content):
    if isinstance(content, str):
        return content
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on a Chinese Windows saves GBK
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError(_("文件编码无法识别，请保存为UTF-8或GBK编码的CSV文件。"), code="calendar_encoding")


def _parse_date(value):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None


def _parse_cells(cells, seen):
    """``(CalendarRow, None)`` for a good line, ``(None, problem)`` for a bad one; ``seen`` maps
    the dates of earlier good lines to their line numbers."""
    if len(cells) not in (3, 4):
        return None, _("列数不对，应为：日期,是否工作日,名称[,说明]")
    day = _parse_date(cells[0])
    if day is None:
        return None, _("日期“%(value)s”无效（格式为YYYY-MM-DD）") % {"value": cells[0]}
    flag = WORKDAY_TOKENS.get(cells[1].lower())
    if flag is None:
        return None, _("是否工作日“%(value)s”无效（填1表示上班，0表示休息）") % {"value": cells[1]}
    if day in seen:
        return None, _("日期%(date)s与第%(other)d行重复") % {"date": day.isoformat(), "other": seen[day]}
    try:
        name, note = _clean_text(cells[2], cells[3] if len(cells) == 4 else "")
    except ServiceError as exc:
        return None, exc.message
    return CalendarRow(day, flag, name, note), None


def calendar_parse(content):
    """Rows of a CSV text ``date,is_workday,name[,note]`` (bytes in UTF-8 or GBK, or str).

    A first line ``date,...`` / ``日期,...`` is a header; blank lines and lines starting with
    ``#`` are skipped. ``is_workday`` is 1/0 (also true/false, 是/否, 上班/休息). Raises one
    ServiceError listing the bad lines (line numbers of the file) when any line is wrong.
    """
    text = _decode(content)
    rows, errors, seen = [], [], {}
    for number, cells in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not rows and not errors and cells[0].lower() in HEADER_TOKENS:
            continue
        row, problem = _parse_cells(cells, seen)
        if row is not None:
            seen[row.date] = number
            rows.append(row)
        else:
            errors.append(_("第%(line)d行：%(problem)s") % {"line": number, "problem": problem})
    if errors:
        listed = "；".join(errors[:MAX_LISTED_ERRORS])
        if len(errors) > MAX_LISTED_ERRORS:
            listed += _("……共%(n)d处错误") % {"n": len(errors)}
        raise ServiceError(_("未导入任何数据。%(errors)s") % {"errors": listed}, code="calendar_import_invalid",
                           field="file")
    if not rows:
        raise ServiceError(_("文件中没有节假日数据。"), code="calendar_import_empty", field="file")
    if len(rows) > MAX_IMPORT_ROWS:
        raise ServiceError(_("一次最多导入%(n)d行。") % {"n": MAX_IMPORT_ROWS}, code="calendar_import_long",
                           field="file")
    return rows


@transaction.atomic
def calendar_import(*, actor, content, source="", request=None):
    """Import a CSV (see ``calendar_parse``): every line or none (one transaction).

    Rows of dates already entered are overwritten. Raises NotAllowed without the right and
    ServiceError for a bad file, writing nothing. Returns an ``UpsertOutcome``.
    Audit: one ``calendar.import`` row with the file name, the counts and the changed days.
    """
    _require(actor)
    rows = calendar_parse(content)
    outcome = _upsert(rows)
    dates = sorted(r.date for r in rows)
    _audit(action="calendar.import", actor=actor, request=request,
           summary=_("导入节假日安排 %(first)s～%(last)s（%(n)d行）") % {
               "first": dates[0].isoformat(), "last": dates[-1].isoformat(), "n": len(rows)},
           data={"source": source[:200], "rows": len(rows), "first": dates[0].isoformat(),
                 "last": dates[-1].isoformat(), "created": outcome.created, "updated": outcome.updated,
                 "unchanged": outcome.unchanged})
    return outcome
