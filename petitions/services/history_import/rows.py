"""Checking one row of the historical import: every cell converted, every rule of the entry forms
applied (the same functions: ``petitioner_identity_clean``, ``accounts.text``), the state's
required columns and the order of its dates. Returns the cleaned values and the errors, each
naming its column; nothing here writes."""
import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.exceptions import ServiceError
from accounts.models import OrgUnit
from accounts.text import PhoneError, clean_line, clean_text, normalise_phone
from petitions.lib.xlsx import CellError, Formula
from petitions.models import Channel, DictEntry, DictKind, IdType
from petitions.services.intake import (
    LETTER_NATURE_ANONYMOUS, LETTER_NATURE_JOINT, MAX_PETITIONERS, PHONE_MESSAGE, VISIT_NATURE_COLLECTIVE,
    petitioner_identity_clean,
)
from petitions.workflow import Status

from petitions.services.history_import.columns import (
    ALLOWED, BOOL, BY_KEY, CHOICE, COLUMNS, DATE, DATE_ORDER, DATETIME, DICT, INT, LONGTEXT, ORG, REQUIRED,
    STATE_COLUMNS, TEXT,
)

EARLIEST = dt.date(1980, 1, 1)  # a date before this is a typing error, not a petition
SPLIT_NAMES = re.compile(r"[、，,；;\s]+")
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                       r"(?:[ T]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2}))?)?$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Text that needs accounts.text's cleaning (control, bidirectional and zero-width characters, CR);
# anything else comes out of clean_line / clean_text as its split-and-joined / stripped self, so the
# per-character pass is skipped for the usual cell.
NEEDS_CLEANING = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
NEEDS_CLEANING_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
NOT_ALLOWED = {status: tuple(sorted(STATE_COLUMNS - set(keys))) for status, keys in ALLOWED.items()}
ORG_KEYS = ("registered_org", "handling_org", "problem_region", "review_org", "review_org_default", "recheck_org",
            "recheck_org_default")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}


class Lookup:
    """Dictionary entries and organizations by code and by name (one query each), and the subtree
    inside which cases may be registered and assigned (``scope_path``, "" for everywhere)."""

    def __init__(self, *, scope_path=""):
        self.scope_path = scope_path
        self.dict_code, self.dict_name = {}, {}
        self.dict_codes, self.dict_names = {}, {}
        for pk, kind, code, name in DictEntry.objects.values_list("id", "kind", "code", "name"):
            self.dict_code[(kind, code)] = pk
            self.dict_codes[pk] = code
            self.dict_names[pk] = name
            self.dict_name.setdefault((kind, name), []).append(pk)
        self.orgs = {}
        self.org_code, self.org_name = {}, {}
        for org in OrgUnit.objects.only("id", "code", "name", "short_name", "path", "kind", "parent_id"):
            self.orgs[org.pk] = org
            self.org_code[org.code] = org.pk
            for name in {org.name, org.short_name} - {""}:
                self.org_name.setdefault(name, []).append(org.pk)

    def dict_id(self, kind, text):
        pk = self.dict_code.get((kind, text))
        if pk is None and text.isdigit():  # Excel turned "04" into 4
            pk = self.dict_code.get((kind, text.zfill(2)))
        if pk is not None:
            return pk, None
        found = self.dict_name.get((kind, text), [])
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, _("“%(value)s”在“%(kind)s”字典中不止一项，请填写代码。") % {
                "value": text, "kind": DictKind(kind).label}
        return None, _("“%(value)s”不是“%(kind)s”字典中的代码或名称。") % {"value": text, "kind": DictKind(kind).label}

    def org(self, text):
        pk = self.org_code.get(text)
        if pk is None:
            found = self.org_name.get(text, [])
            if len(found) > 1:
                return None, _("机构名称“%(value)s”不唯一，请填写机构代码。") % {"value": text}
            pk = found[0] if found else None
        if pk is None:
            return None, _("“%(value)s”不是本系统中的机构代码或名称。") % {"value": text}
        return self.orgs[pk], None

    def in_scope(self, org):
        return org.path.startswith(self.scope_path)


def _as_text(value):
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    return str(value).strip()


def _parse_date(value, *, with_time=False):
    """A date (or an aware datetime with ``with_time``) from a cell; raises ValueError."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else ""
        match = COMPACT_DATE.match(text)
        if not match:
            raise ValueError(value)
        moment = dt.datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    else:
        text = str(value).strip()
        match = DATE_TEXT.match(text) or COMPACT_DATE.match(text)
        if not match:
            raise ValueError(value)
        parts = [int(p) if p else 0 for p in match.groups()] + [0, 0, 0]
        moment = dt.datetime(*parts[:6])
    if not with_time:
        return moment.date()
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _choice(column, text):
    for value, label in column.source.items():
        if text == label or text == str(value):
            return value
    return None


def _cell(column, raw, lookup, errors):
    """The cleaned value of one cell, or None (empty, or an error was appended)."""
    if raw is None:
        return None
    if isinstance(raw, Formula):
        errors.append((column.key, _("单元格含公式，不能导入：请改为直接填写数值或文字。")))
        return None
    if isinstance(raw, CellError):
        errors.append((column.key, _("单元格是错误值 %(value)s。") % {"value": raw.text}))
        return None
    kind = column.kind
    if kind in (DATE, DATETIME):
        if isinstance(raw, str) and not raw.strip():
            return None
        try:
            return _parse_date(raw, with_time=kind == DATETIME)
        except (ValueError, OverflowError):
            errors.append((column.key, _("“%(value)s”不是有效日期，请按 2021-03-15 的格式填写。") % {
                "value": _as_text(raw)}))
            return None
    if column.key == "id_number" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        errors.append((column.key, _("证件号码被 Excel 存成了数字（末几位可能已丢失），请把该列设为文本格式后重新填写。")))
        return None
    text = raw.strip() if isinstance(raw, str) else _as_text(raw)
    if kind == LONGTEXT:
        text = clean_text(text) if NEEDS_CLEANING_TEXT.search(text) else text
    elif NEEDS_CLEANING.search(text):
        text = clean_line(text)
    elif " " in text or "\u3000" in text:
        text = " ".join(text.split())
    if not text:
        return None
    if column.max_length and len(text) > column.max_length:
        errors.append((column.key, _("不能超过%(max)d个字（现有%(count)d个）。") % {
            "max": column.max_length, "count": len(text)}))
        return None
    if kind in (TEXT, LONGTEXT):
        return text
    if kind == INT:
        try:
            number = int(float(text))
        except ValueError:
            number = None
        if number is None or number < 1 or number > 100000:
            errors.append((column.key, _("“%(value)s”不是有效的人数。") % {"value": text}))
            return None
        return number
    if kind == BOOL:
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        errors.append((column.key, _("请填写“是”或“否”。")))
        return None
    if kind == CHOICE:
        value = _choice(column, text)
        if value is None:
            errors.append((column.key, _("“%(value)s”不是可选的值（%(choices)s）。") % {
                "value": text, "choices": "、".join(column.source.values())}))
        return value
    if kind == DICT:
        pk, message = lookup.dict_id(column.source, text)
        if message:
            errors.append((column.key, message))
        return pk
    if kind == ORG:
        org, message = lookup.org(text)
        if message:
            errors.append((column.key, message))
        return org
    raise AssertionError(kind)


def _state_rules(values, errors):
    status = values.get("status")
    if status is None:
        return
    label = Status(status).label
    for key in REQUIRED[status]:
        if values.get(key) in (None, ""):
            errors.append((key, _("办理状态为“%(status)s”时必须填写“%(column)s”。") % {
                "status": label, "column": BY_KEY[key].header}))
    for key in NOT_ALLOWED[status]:
        if values.get(key) not in (None, ""):
            errors.append((key, _("办理状态为“%(status)s”的信访件不应填写“%(column)s”，请核对办理状态。") % {
                "status": label, "column": BY_KEY[key].header}))
    review = [values.get(k) for k in ("review_requested_at", "review_opinion", "review_conclusion",
                                      "review_decided_at")]
    recheck = [values.get(k) for k in ("recheck_requested_at", "recheck_opinion", "recheck_conclusion",
                                       "recheck_decided_at")]
    if status in (Status.CLOSED, Status.ARCHIVED):
        # A finished case may have been through 复查/复核 (终结): then each is complete.
        for group, first in ((review, "review_requested_at"), (recheck, "recheck_requested_at")):
            if any(v not in (None, "") for v in group) and any(v in (None, "") for v in group):
                errors.append((first, _("复查（复核）的申请日期、意见、结论和答复日期须同时填写。")))
        if any(v not in (None, "") for v in recheck) and all(v in (None, "") for v in review):
            errors.append(("recheck_requested_at", _("填写了复核，但没有复查。")))


def _review_orgs(values, lookup, errors):
    """复查 goes to the level above the original handling organization, 复核 to the level above the
    复查 organ (条例第三十五、三十六条), as the request transitions decide; the file may name them."""
    if not (values.get("review_requested_at") or values.get("recheck_requested_at")):
        return
    original = values.get("handling_org") or values.get("registered_org")
    review = values.get("review_org")
    if review is None and original is not None:
        review = lookup.orgs.get(original.parent_id)
        if review is None:
            errors.append(("review_org", _("“%(org)s”在本系统内没有上一级机关，请填写复查机关。") % {
                "org": original.name}))
    values["review_org_default"] = review
    if values.get("recheck_requested_at") and values.get("recheck_org") is None and review is not None:
        recheck = lookup.orgs.get(review.parent_id)
        if recheck is None:
            errors.append(("recheck_org", _("“%(org)s”在本系统内没有上一级机关，请填写复核机关。") % {
                "org": review.name}))
        values["recheck_org_default"] = recheck


def _date_rules(values, today, errors):
    seen = None
    for key in DATE_ORDER:
        value = values.get(key)
        if value is None:
            continue
        day = timezone.localdate(value) if isinstance(value, dt.datetime) else value
        if day > today:
            errors.append((key, _("日期不能晚于今天。")))
        elif day < EARLIEST:
            errors.append((key, _("日期早于%(year)d年，请核对。") % {"year": EARLIEST.year}))
        elif seen is not None and day < seen[1]:
            errors.append((key, _("“%(column)s”不能早于“%(earlier)s”。") % {
                "column": BY_KEY[key].header, "earlier": BY_KEY[seen[0]].header}))
        seen = (key, day) if seen is None or day >= seen[1] else seen


def row_check(cells, *, lookup, default_org, today):
    """Check one data row (``cells``: the row's values in template order) and return
    ``(values, errors)``: the cleaned values by column key (organizations as ``OrgUnit``,
    dictionary entries as ids) and a list of ``(column key, message)``."""
    errors = []
    values = {}
    for index, column in enumerate(COLUMNS):
        raw = cells[index] if index < len(cells) else None
        value = _cell(column, raw, lookup, errors)
        if value is None:
            if column.required and not any(key == column.key for key, _m in errors):
                errors.append((column.key, _("“%(column)s”必须填写。") % {"column": column.header}))
            continue
        values[column.key] = value

    org = values.get("registered_org") or default_org
    if org is None:
        errors.append(("registered_org", _("请填写登记机构（或在导入时选定登记机构）。")))
    elif not lookup.in_scope(org):
        errors.append(("registered_org", _("登记机构“%(org)s”不在本人管辖范围内。") % {"org": org.name}))
    values["registered_org"] = org
    handling = values.get("handling_org")
    if handling is not None and not lookup.in_scope(handling):
        errors.append(("handling_org", _("承办单位“%(org)s”不在本人管辖范围内。") % {"org": handling.name}))
    _review_orgs(values, lookup, errors)
    if values.get("reject_reason") is not None:
        values["reject_reason_name"] = lookup.dict_names[values["reject_reason"]]
    if values.get("registered_at") is None and values.get("petition_date") is not None:
        values["registered_at"] = timezone.make_aware(dt.datetime.combine(values["petition_date"], dt.time()))
    _state_rules(values, errors)
    _date_rules(values, today, errors)

    channel = values.get("channel")
    letter_nature = lookup.dict_codes.get(values.get("letter_nature"))
    visit_nature = lookup.dict_codes.get(values.get("visit_nature"))
    anonymous = channel not in (Channel.VISIT, None) and letter_nature == LETTER_NATURE_ANONYMOUS
    values["is_anonymous"] = anonymous
    values["is_collective"] = (channel == Channel.VISIT and visit_nature == VISIT_NATURE_COLLECTIVE) or (
        letter_nature == LETTER_NATURE_JOINT)

    # The petitioner: the entry forms' rules (name unless anonymous, GB 11643 and its agreement with
    # sex, the phone written one way); age is the age on the petition date.
    if not values.get("name") and not anonymous:
        errors.append(("name", _("请填写信访人姓名（匿名信除外）。")))
    if values.get("phone"):
        try:
            values["phone"] = normalise_phone(values["phone"])
        except PhoneError:
            errors.append(("phone", str(PHONE_MESSAGE)))
    if values.get("id_number"):
        try:
            identity = petitioner_identity_clean(
                id_type=values.get("id_type") or IdType.RESIDENT_ID, id_number=values["id_number"],
                sex=values.get("sex"), age=None, today=values.get("petition_date") or today)
            values.update(identity)
        except ServiceError as exc:
            for field, messages in exc.message_dict.items():
                errors.append((field if field in BY_KEY else "id_number", messages[0]))
    others = [n for n in SPLIT_NAMES.split(values.get("other_names") or "") if n]
    if len(others) > MAX_PETITIONERS - 1:
        errors.append(("other_names", _("其他信访人最多%(max)d人。") % {"max": MAX_PETITIONERS - 1}))
    values["other_names"] = others
    persons = (1 if values.get("name") else 0) + len(others)
    if channel == Channel.VISIT and values.get("visitor_count") is not None and values["visitor_count"] < persons:
        errors.append(("visitor_count", _("来访人数不能少于登记的信访人数（%(count)d人）。") % {"count": persons}))
    if values.get("signer_count") is not None and channel != Channel.VISIT and values["signer_count"] < persons:
        errors.append(("signer_count", _("来信人数不能少于登记的信访人数（%(count)d人）。") % {"count": persons}))
    return values, errors
