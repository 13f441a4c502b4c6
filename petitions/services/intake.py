"""Registration (登记) of visits, letters, calls, faxes, e-mails and superior referrals.

``register_case`` is the only way a case comes into existence. It validates, numbers,
writes the case with its petitioners, attachments, per-case grants and first trail event in
one transaction, and is idempotent per form submission (``submit_token``).

The identity and head-count rules are plain functions here so that the entry forms show
the same messages next to the fields before the service runs (one rule, two callers).
"""
import secrets

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm

from accounts.exceptions import NotAllowed, ServiceError
from accounts.text import PhoneError, clean_line, clean_text, normalise_phone
from petitions.domain.deadlines import acceptance_due_for
from petitions.domain.procedures import propose_matter_class, urgent_reasons

from petitions import clock

from petitions.domain import idcard
from petitions.domain.idcard import IdNumberError, parse_id_number
from petitions.models import Case, CaseCounter, Channel, DictKind, IdType, MatterClass, Petitioner, Sex
from petitions.selectors import case_visible_qs
from petitions.lib.text import search_text
from petitions.workflow import Status
from petitions.services import attachments
from petitions.services.events import case_event_record, cases_changed

QUERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone
QUERY_CODE_LENGTH = 10
MAX_REPRESENTATIVES = 5  # 第二十条第三款: a collective visit elects at most 5 representatives
MAX_PETITIONERS = 5  # person blocks on one entry form
SUMMARY_LENGTH = 60

# Dictionary codes that carry a rule (petitions/seed.py); names are editable, codes are not.
VISIT_NATURE_COLLECTIVE = "2"  # 集体访
LETTER_NATURE_JOINT = "2"  # 联名信
LETTER_NATURE_ANONYMOUS = "3"  # 匿名信

# The messages of petitions.domain.idcard, wrapped for translation.
ID_MESSAGES = {
    idcard.ERR_LENGTH: gettext_lazy("身份证号应为18位。"),
    idcard.ERR_CHARS: gettext_lazy("身份证号前17位应为数字，最后一位为数字或X。"),
    idcard.ERR_REGION: gettext_lazy("身份证号的地址码（前6位）无效。"),
    idcard.ERR_DATE: gettext_lazy("身份证号中的出生日期不是有效日期。"),
    idcard.ERR_FUTURE: gettext_lazy("身份证号中的出生日期晚于今天。"),
    idcard.ERR_CHECK: gettext_lazy("身份证号校验位不正确，请核对。"),
}

LETTER_CHANNELS = (Channel.LETTER, Channel.PHONE, Channel.FAX, Channel.EMAIL)

# Case fields a caller may pass in ``data`` and the dictionary each coded field must come from.
CASE_DICT_FIELDS = {
    "purpose": DictKind.PURPOSE, "problem": DictKind.PROBLEM, "visit_nature": DictKind.VISIT_NATURE,
    "visit_level": DictKind.VISIT_LEVEL, "letter_nature": DictKind.LETTER_NATURE,
    "attachment_kind": DictKind.ATTACHMENT_KIND, "registration_source": DictKind.REG_SOURCE,
    "responsible_outside": DictKind.OUTSIDE_UNIT,
}
CASE_PLAIN_FIELDS = (
    "petition_date", "problem_region", "content", "summary", "responsible_unit", "responsible_person",
    "visitor_count", "signer_count", "received_at", "referral_number", "referrer_name", "referrer_title",
    "referrer_org", "is_repeat", "is_skip_level", "is_confidential", "accused_org", "responsible_org",
)
TEXT_FIELDS = ("content", "summary", "responsible_unit", "responsible_person", "referral_number", "referrer_name",
               "referrer_title", "referrer_org")
CASE_FIELDS = frozenset(CASE_DICT_FIELDS) | frozenset(CASE_PLAIN_FIELDS) | {
    "abnormal_behaviors", "first_case", "matter_class", "is_urgent"}

PETITIONER_DICT_FIELDS = {
    "ethnicity": DictKind.ETHNICITY, "education": DictKind.EDUCATION, "political": DictKind.POLITICAL,
}
PETITIONER_FIELDS = frozenset(PETITIONER_DICT_FIELDS) | {
    "name", "sex", "age", "id_type", "id_number", "address", "workplace", "phone", "is_representative",
}


# --- rules shared with the entry forms ----------------------------------------------------------

def id_number_parse(value, *, today):
    """Parse a resident ID number by GB 11643 (``petitions.domain.idcard``); ASCII only.

    Full-width or other Unicode digits are refused up front with the "characters" message,
    the same answer static/js/idcard.js gives. Raises ``IdNumberError``.
    """
    stripped = (value or "").strip()
    if not stripped.isascii():
        raise IdNumberError("chars" if len(stripped) == 18 else "length")
    return parse_id_number(stripped, today=today)


def petitioner_identity_clean(*, id_type, id_number, sex, age, today):
    """Check a resident ID number and its agreement with the typed sex and age.

    Returns ``{"id_number", "sex", "age"}`` with the number normalised (upper-case X) and
    sex/age filled from the number when they were left empty. Raises ``ServiceError``
    keyed by field (``id_number``, ``sex``, ``age``) with the Chinese message. Other
    document types (passport ...) are stored as typed.
    """
    id_number = (id_number or "").strip()
    result = {"id_number": id_number, "sex": sex or "", "age": age}
    if not id_number or (id_type or IdType.RESIDENT_ID) != IdType.RESIDENT_ID:
        return result
    try:
        info = id_number_parse(id_number, today=today)
    except IdNumberError as exc:
        raise ServiceError(errors={"id_number": str(ID_MESSAGES[exc.code])}, code="id_number")
    result["id_number"] = info.number
    errors = {}
    if sex and sex != info.sex:
        errors["sex"] = _("性别与身份证号不符：按身份证号应为%(sex)s。") % {"sex": Sex(info.sex).label}
    expected_age = info.age_on(today)
    if age not in (None, "") and int(age) != expected_age:
        errors["age"] = _("年龄与身份证号不符：按身份证号应为%(age)d岁。") % {"age": expected_age}
    if errors:
        raise ServiceError(errors=errors, code="id_number_mismatch")
    result["sex"] = info.sex
    result["age"] = expected_age
    return result


def is_collective_visit(visit_nature):
    return visit_nature is not None and visit_nature.code == VISIT_NATURE_COLLECTIVE


def is_anonymous_letter(letter_nature):
    return letter_nature is not None and letter_nature.code == LETTER_NATURE_ANONYMOUS


def headcount_errors(*, channel, visit_nature=None, visitor_count=None, signer_count=None, persons=0):
    """Errors of the head-count rules, keyed by field.

    - a collective visit names at most 5 representatives (条例 Art.20 ¶3);
    - 来访人数 may not be below the number of persons named, nor 来信人数 for letters.
    """
    errors = {}
    if channel == Channel.VISIT:
        if is_collective_visit(visit_nature) and persons > MAX_REPRESENTATIVES:
            errors["petitioners"] = _("集体访推选的代表不得超过%(max)d人（《信访工作条例》第二十条）。") % {
                "max": MAX_REPRESENTATIVES}
        if visitor_count is not None and visitor_count < persons:
            errors["visitor_count"] = (
                _("来访人数（%(count)d人）不能少于代表人数（%(reps)d人）。") if is_collective_visit(visit_nature)
                else _("来访人数（%(count)d人）不能少于登记的信访人数（%(reps)d人）。")
            ) % {"count": visitor_count, "reps": persons}
    elif signer_count is not None and signer_count < persons:
        errors["signer_count"] = _("来信人数（%(count)d人）不能少于登记的信访人数（%(reps)d人）。") % {
            "count": signer_count, "reps": persons}
    return errors


def first_case_resolve(*, actor, number):
    """The visible case with this number (初访编号), or None."""
    number = (number or "").strip()
    if not number:
        return None
    return case_visible_qs(actor).filter(number=number).first()


# --- numbering ----------------------------------------------------------------------------------

def case_number_take(*, org, year):
    """Next gap-free sequence number for (org, year); call inside the registering transaction.

    ``UPDATE … SET last_seq = last_seq + 1 … RETURNING`` takes the counter row lock, which is
    held until commit, so concurrent registrations for the same org and year queue here and
    a rolled-back registration gives its number back (docs/performance.md §R5.1). The first case
    of a year creates the row with ``INSERT … ON CONFLICT DO NOTHING`` (SQLite: INSERT OR
    IGNORE) and retries. The UNIQUE(registered_org, year, seq) constraint is the backstop.
    """
    table = connection.ops.quote_name(CaseCounter._meta.db_table)
    sql = f"UPDATE {table} SET last_seq = last_seq + 1 WHERE org_id = %s AND year = %s RETURNING last_seq"
    with connection.cursor() as cursor:
        cursor.execute(sql, [org.pk, year])
        row = cursor.fetchone()
        if row is None:
            CaseCounter.objects.bulk_create([CaseCounter(org=org, year=year, last_seq=0)], ignore_conflicts=True)
            cursor.execute(sql, [org.pk, year])
            row = cursor.fetchone()
    return row[0]


def case_number_format(*, org, year, seq):
    return f"{org.code}-{year}-{seq:06d}"


def query_code_generate():
    """Random query code for the petitioner (10 characters, ~49 bits, unambiguous alphabet)."""
    for _attempt in range(5):
        code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _i in range(QUERY_CODE_LENGTH))
        if not Case.objects.filter(query_code=code).exists():
            return code
    raise RuntimeError("could not draw an unused query code")  # 31^10 codes: practically unreachable


# --- registration -------------------------------------------------------------------------------

def _replayed(case, actor):
    """A second post of the same form: hand back the first case, never a second one."""
    if case.registered_by_id != actor.pk:
        raise ServiceError(_("表单已失效，请刷新页面后重新登记。"), code="token_reused")
    case.replayed = True
    return case


# A visitor at the window or a caller on the telephone can be answered there and then (当场答复).
ANSWERED_ON_THE_SPOT = (Channel.VISIT, Channel.PHONE)
# How far back a registration may date a petition; older matters come in through the
# historical import, which keeps their own dates.
MAX_BACKDATE_DAYS = 3 * 365
PHONE_MESSAGE = gettext_lazy("联系电话格式不正确：请填写11位手机号，或带区号的固定电话（如0871-65123456）。")
LINE_FIELDS = ("referral_number", "referrer_name", "referrer_title")


def _date_error(value, today, label):
    """Why a petition date is refused (in the future, or absurdly old), or None."""
    if not value:
        return None
    if value > today:
        return _("%(label)s不能晚于今天。") % {"label": label}
    if (today - value).days > MAX_BACKDATE_DAYS:
        return _("%(label)s早于%(years)d年前，请核对；更早的信访件请通过历史数据导入。") % {
            "label": label, "years": MAX_BACKDATE_DAYS // 365}
    return None


def _check_kinds(values, kinds, prefix=""):
    errors = {}
    for field, kind in kinds.items():
        entry = values.get(field)
        if entry is not None and entry.kind != kind:
            errors[prefix + field] = _("所选项目不属于“%(kind)s”字典。") % {"kind": DictKind(kind).label}
    return errors


def registration_validate(*, actor, channel, data, petitioners, answer_face_to_face, today):
    """Validate a registration; return ``(data, petitioners)`` cleaned.

    Raises ``ServiceError`` with a dict of Chinese messages keyed by case field name, by
    ``petitioners`` (the person list as a whole) or by ``petitioners.<i>.<field>``.
    """
    unknown = set(data) - CASE_FIELDS
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    errors = {}
    data = dict(data)
    if channel not in Channel.values:
        errors["channel"] = _("信访形式无效。")
    data["content"] = clean_text(data.get("content"))
    if not data["content"]:
        errors["content"] = _("反映问题及诉求不能为空。")
    for field in LINE_FIELDS:
        if field in data:
            data[field] = clean_line(data[field])
    petition_date = data.get("petition_date") or today
    data["petition_date"] = petition_date
    for field, label in (("petition_date", _("信访日期")), ("received_at", _("收信时间"))):
        message = _date_error(data.get(field), today, label)
        if message:
            errors[field] = message
    for field in ("visitor_count", "signer_count"):
        if data.get(field) is not None and data[field] < 1:
            errors[field] = _("人数至少为1。")
    errors.update(_check_kinds(data, CASE_DICT_FIELDS))
    if data.get("responsible_org") is not None and data.get("responsible_outside") is not None:
        errors["responsible_outside"] = _("责任单位只能选一个：系统内机构或系统外单位。")
    responsible = data.get("responsible_org") or data.get("responsible_outside")
    if responsible is not None:
        data["responsible_unit"] = responsible.name
    for entry in data.get("abnormal_behaviors") or ():
        if entry.kind != DictKind.ABNORMAL:
            errors["abnormal_behaviors"] = _("所选项目不属于“%(kind)s”字典。") % {"kind": DictKind.ABNORMAL.label}

    first_case = data.get("first_case")
    if data.get("is_repeat") and first_case is None:
        errors["first_case"] = _("请填写初访编号，或取消“是否重访”。")
    if first_case is not None:
        if not case_visible_qs(actor).filter(pk=first_case.pk).exists():
            errors["first_case"] = _("初访编号不存在，或您无权查看该信访件。")
        data["is_repeat"] = True
    if data.get("matter_class") not in (None, "", *MatterClass.values):
        errors["matter_class"] = _("信访事项类别无效。")
    if data.get("accused_org") is not None and not data.get("is_confidential"):
        errors["accused_org"] = _("被检举单位只在保密（检举揭发）件中填写。")
    if answer_face_to_face is not None and channel not in ANSWERED_ON_THE_SPOT:
        errors["answer_text"] = _("只有来访和来电可以当场答复；来信、上级交办等请登记后办理并书面答复。")
    elif answer_face_to_face is not None and not answer_face_to_face.strip():
        errors["answer_text"] = _("当面答复须填写答复意见。")

    anonymous = channel in LETTER_CHANNELS + (Channel.REFERRAL,) and is_anonymous_letter(data.get("letter_nature"))
    cleaned_people = []
    for i, person in enumerate(petitioners):
        unknown = set(person) - PETITIONER_FIELDS
        if unknown:
            raise TypeError(f"unknown petitioner fields: {sorted(unknown)}")
        person = dict(person)
        prefix = f"petitioners.{i}."
        errors.update(_check_kinds(person, PETITIONER_DICT_FIELDS, prefix))
        for field in ("name", "address", "workplace"):
            person[field] = clean_line(person.get(field))
        try:
            person["phone"] = normalise_phone(person.get("phone"))
        except PhoneError:
            errors[prefix + "phone"] = PHONE_MESSAGE
        person["id_type"] = person.get("id_type") or IdType.RESIDENT_ID
        if not person["name"] and not anonymous:
            errors[prefix + "name"] = _("请填写信访人姓名。")
        try:
            person.update(petitioner_identity_clean(
                id_type=person.get("id_type"), id_number=person.get("id_number"), sex=person.get("sex"),
                age=person.get("age"), today=today))
        except ServiceError as exc:
            for field, messages in exc.message_dict.items():
                errors[prefix + field] = messages[0]
        cleaned_people.append(person)
    if not cleaned_people and not anonymous:
        errors["petitioners"] = _("请至少填写一名信访人（匿名信除外）。")
    if len(cleaned_people) > MAX_PETITIONERS:
        errors["petitioners"] = _("一次最多登记%(max)d名信访人或代表。") % {"max": MAX_PETITIONERS}
    errors.update(headcount_errors(
        channel=channel, visit_nature=data.get("visit_nature"), visitor_count=data.get("visitor_count"),
        signer_count=data.get("signer_count"), persons=len(cleaned_people)))
    if errors:
        raise ServiceError(errors=errors, code="registration_invalid")

    collective = is_collective_visit(data.get("visit_nature"))
    for person in cleaned_people:
        person["is_representative"] = collective
    data["is_anonymous"] = anonymous
    data["is_collective"] = collective or (
        data.get("letter_nature") is not None and data["letter_nature"].code == LETTER_NATURE_JOINT)
    return data, cleaned_people


def _problem_top_code(entry):
    while entry is not None and entry.parent_id is not None:
        entry = entry.parent
    return entry.code if entry is not None else None


def matter_class_proposed(data):
    """The class 条例第二十九至三十一条 proposes for a registration's ``data`` (docs/domain.md §8.1)."""
    purpose = data.get("purpose")
    return propose_matter_class(purpose_code=purpose.code if purpose is not None else None,
                                problem_top_code=_problem_top_code(data.get("problem")),
                                is_confidential=bool(data.get("is_confidential")))


def registration_urgent_reasons(channel, data, abnormal):
    """Why a visit is proposed as 重大、紧急 at registration (settings ``URGENT_COLLECTIVE_SIZE`` and
    ``URGENT_DANGER_CODES``); empty for anything else."""
    if channel != Channel.VISIT and data.get("visit_level") is None:
        return []
    return urgent_reasons(collective=is_collective_visit(data.get("visit_nature")),
                          visitor_count=data.get("visitor_count"), abnormal_codes=[e.code for e in abnormal],
                          collective_size=settings.URGENT_COLLECTIVE_SIZE, danger_codes=settings.URGENT_DANGER_CODES)


def _register_urgent(case, *, actor, now, requested, reasons, request):
    """Flag a new case urgent and alert the duty leaders (inside the registering transaction)."""
    from petitions.services import urgent

    case.is_urgent, case.urgent_at = True, now
    case.save(update_fields=["is_urgent", "urgent_at"])
    alerts = urgent.alerts_open(case=case, now=now)
    note = "；".join(reasons) if reasons else _("登记人标记为重大紧急事项")
    case_event_record(case=case, action="urgent_alert", actor=actor, from_status=case.status, to_status=case.status,
                      note=note, request=request,
                      data={"requested": requested, "reasons": reasons, "alerts": urgent.alerts_summary(alerts)})


def register_case(*, actor, channel, data, petitioners, files=(), submit_token, answer_face_to_face=None,
                  request=None, registered_at=None):
    """Register one petition and return the ``Case``.

    Preconditions: ``actor`` holds ``petitions.register_case`` and belongs to an
    organization (``NotAllowed`` otherwise). ``data`` holds case fields (dictionary entries
    and organizations as instances, ``first_case`` as a visible ``Case``); ``petitioners``
    is a list of dicts of Petitioner fields; ``files`` are uploaded files.

    Idempotent per ``submit_token`` (the one-time token of the entry form, UNIQUE in the
    database): posting the same form again returns the case of the first post, with
    ``case.replayed = True``, and creates nothing; two simultaneous posts are resolved by
    the unique index (the loser's transaction rolls back, its staged files are removed).

    Writes, in one transaction: the case (status 待分流, number ``<org>-<year>-<seq>``, a
    random query code, acceptance deadline = registration date + 15 days, held by the
    registering organization), its petitioners, abnormal-behaviour tags, attachments,
    ``view_case`` grants on a confidential case for the clerk and for the registering
    bureau's triage officers and leaders who must route it (confidential cases are visible
    only through grants; the accused unit is never granted), and the ``register`` event with
    its audit row.

    With ``answer_face_to_face`` (当面答复: the answer the petitioner accepted at the
    window) the case is closed at once (已办结) and an ``answer_face_to_face`` event follows.

    ``registered_at`` is for demo data and historical imports only; by default now.

    Raises ``ServiceError`` (dict of Chinese messages, see ``registration_validate``);
    nothing is written and no file is left behind.
    """
    if not actor.has_perm("petitions.register_case"):
        raise NotAllowed(_("您没有登记信访件的权限。"))
    org = actor.organization
    if org is None:
        raise NotAllowed(_("您的账号未分配机构，不能登记信访件。"))
    submit_token = (submit_token or "").strip()
    if not submit_token or len(submit_token) > 64:
        raise ServiceError(_("表单已失效，请刷新页面后重新登记。"), code="token_missing")
    existing = Case.objects.filter(submit_token=submit_token).first()
    if existing is not None:
        return _replayed(existing, actor)

    registered_at = registered_at or clock.now()
    today = timezone.localdate(registered_at)
    data, people = registration_validate(actor=actor, channel=channel, data=data, petitioners=petitioners,
                                         answer_face_to_face=answer_face_to_face, today=today)
    abnormal = list(data.pop("abnormal_behaviors", None) or ())
    # 条例第二十九至三十一条: the class is proposed from 信访目的 and 所属问题 unless the clerk chose one.
    data["matter_class"] = data.get("matter_class") or matter_class_proposed(data)
    # 条例第二十五条: a large collective visit or one endangering safety is urgent from the start.
    urgent_reasons_found = registration_urgent_reasons(channel, data, abnormal)
    urgent_requested = bool(data.pop("is_urgent", False))
    for field in TEXT_FIELDS:
        data[field] = (data.get(field) or "").strip()
    if not (data.get("summary") or "").strip():
        data["summary"] = " ".join(data["content"].split())[:SUMMARY_LENGTH]
    acceptance_due = acceptance_due_for(today)
    query_code = query_code_generate()

    try:
        # Everything slow (validation, content checks, hashing and writing the files) is done
        # before the transaction; inside it only inserts remain, so the counter row lock taken
        # by the numbering is held for a few milliseconds.
        with attachments.staging(files) as staged, transaction.atomic():
            seq = case_number_take(org=org, year=today.year)
            case = Case(
                number=case_number_format(org=org, year=today.year, seq=seq), registered_org=org,
                registered_path=org.path, year=today.year, seq=seq, channel=channel, query_code=query_code,
                submit_token=submit_token, registered_by=actor, registered_at=registered_at,
                acceptance_due=acceptance_due, current_due=acceptance_due, holder_org=org,
                search_tokens=search_text(data["content"], data["summary"], data.get("responsible_unit")),
                **data,
            )
            if answer_face_to_face is not None:
                case.status = Status.CLOSED
                case.answer_text = answer_face_to_face.strip()
                case.accepted_at = case.answered_at = case.closed_at = registered_at
                case.current_due = None
            case.save(force_insert=True)
            Petitioner.objects.bulk_create([
                Petitioner(case=case, position=i, **person) for i, person in enumerate(people, start=1)
            ])
            if abnormal:
                case.abnormal_behaviors.set(abnormal)
            if case.is_confidential:
                # Visible only through grants: the clerk, and the triage officers and leaders of
                # the registering bureau, who must route it (the accused unit is never granted).
                from accounts.selectors import users_acting_for

                bureau = list(users_acting_for([case.registered_org],
                                               ("petitions.triage_case", "petitions.instruct_case")))
                assign_perm("petitions.view_case", [actor, *[u for u in bureau if u.pk != actor.pk]], case)
            event = case_event_record(
                case=case, action="register", actor=actor, to_status=Status.PENDING, deadline=acceptance_due,
                request=request,
                data={"channel": channel, "attachments": len(staged), "persons": len(people),
                      "first_case": case.first_case.number if case.first_case_id else None},
            )
            attachments.attachments_store(staged, case=case, actor=actor, event=event)
            if urgent_requested or urgent_reasons_found:
                _register_urgent(case, actor=actor, now=registered_at, requested=urgent_requested,
                                 reasons=urgent_reasons_found, request=request)
            if answer_face_to_face is not None:
                case_event_record(case=case, action="answer_face_to_face", actor=actor,
                                  from_status=Status.PENDING, to_status=Status.CLOSED,
                                  note=case.answer_text, request=request)
            cases_changed([case.pk])
    except IntegrityError:
        # The same form posted twice at once: the first post's row won the UNIQUE index.
        existing = Case.objects.filter(submit_token=submit_token).first()
        if existing is None:
            raise
        return _replayed(existing, actor)
    case.replayed = False
    return case
