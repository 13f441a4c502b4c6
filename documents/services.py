"""Issuing, correcting and delivering documents; the templates and the offices' contact lines.

Issuing (``document_issue``), in order: the rule of the kind (who may issue it, for which record of the
case: ``document_subjects``); the values the wording needs, refusing with the names of what is missing
(no number is taken, nothing is written); then one transaction that locks the case row (one issue per
case at a time, so a document is never issued twice for the same record), takes the next 文号 of
(organization, kind, year) from its counter row, renders the PDF with it, stores the file, and writes the
``CaseDocument`` row and the ``issue_document`` event whose audit row carries the PDF's SHA-256. A
failure anywhere rolls the number back and removes the file.

Frozen: an issued document is never rendered again. A correction (``document_correct``) is a new
version with its own number whose ``supersedes`` names the old one; both stay, and the old one is shown
as superseded.
"""
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from petitions import clock, permissions
from petitions.domain import assignment_tree as tree
from petitions.domain.deadlines import REVIEW_DECISION_DAYS
from petitions.domain.procedures import GUIDE_PROCEDURES
from petitions.models import (
    AssignmentKind, AssignmentStatus, Case, CaseOutcome, ExtensionStatus, HandlingOpinion, ReviewLevel,
)
from petitions.services.events import case_event_record
from petitions.workflow import ANSWER_GIVEN_STATUSES, REFUSED_STATUSES

from documents import placeholders, rendering, sms
from documents.kinds import SAMPLE_VALUES, SPECS, TEMPLATE_FIELDS, DocumentKind, Subject, allowed_placeholders
from documents.models import (
    CaseDocument, DeliveryMethod, DocumentCounter, DocumentDelivery, DocumentTemplate, OfficeProfile,
)
from documents.selectors import office_profile, template_texts

TRIAGE = "petitions.triage_case"
REGISTER = "petitions.register_case"
HANDLE = "petitions.handle_case"
SUPERVISE = "petitions.supervise_case"
INSTRUCT = "petitions.instruct_case"
PII = "petitions.view_pii"
STAGING_DIR = ".staging"
MAX_INPUT = 2000
PETITIONER_METHODS = (DeliveryMethod.IN_PERSON, DeliveryMethod.MAIL, DeliveryMethod.SMS, DeliveryMethod.ONLINE)
UNIT_METHODS = (DeliveryMethod.INTERNAL, DeliveryMethod.IN_PERSON, DeliveryMethod.MAIL)

# The workflow action after which a document is due (the action page offers to issue it at once).
ACTION_KINDS = {
    "reject": DocumentKind.REJECTION,
    "not_reaccept": DocumentKind.NOT_REACCEPTED,
    "accept": DocumentKind.ACCEPTANCE,
    "approve_extension": DocumentKind.EXTENSION,
    "approve_result": DocumentKind.OPINION,
    "report_result": DocumentKind.OPINION,
    "review_decision": DocumentKind.REVIEW_OPINION,
    "recheck_decision": DocumentKind.RECHECK_OPINION,
    "assign": DocumentKind.ASSIGNMENT_SLIP,
    "transfer": DocumentKind.TRANSFER_SLIP,
    "instruct": DocumentKind.ASSIGNMENT_SLIP,
    "supervise": DocumentKind.SUPERVISION_SLIP,
    "route_legal": DocumentKind.ROUTING_SLIP,
    "route_discipline": DocumentKind.ROUTING_SLIP,
    "guide_procedure": DocumentKind.GUIDE_NOTICE,
}

# Routing out (docs/domain.md §3.5.2): the step that routed the case out, by ``Case.outcome``, and the
# documents each one calls for. The 转送告知书 follows 转送政法机关 only: a 导入法定途径 has its own notice,
# and a 检举控告 routed to 纪检监察 gets none here (that organ deals with the accuser under its own rules,
# and a letter saying where an accusation went is itself sensitive).
ROUTE_ACTIONS = {CaseOutcome.LEGAL: "route_legal", CaseOutcome.DISCIPLINE: "route_discipline",
                 CaseOutcome.GUIDED: "guide_procedure"}
ROUTED_KINDS = {
    DocumentKind.ROUTING_SLIP: (CaseOutcome.LEGAL, CaseOutcome.DISCIPLINE),
    DocumentKind.ROUTING_NOTICE: (CaseOutcome.LEGAL,),
    DocumentKind.GUIDE_NOTICE: (CaseOutcome.GUIDED,),
}
# Where a petitioner guided to each statutory procedure goes (the notice's text says where precisely).
GUIDE_ORGANS = {
    "litigation": "有管辖权的人民法院",
    "arbitration": "有管辖权的仲裁机构（劳动人事争议为劳动人事争议仲裁委员会）",
    "reconsideration": "依法履行行政复议职责的行政复议机关",
    "other": "依法有权处理的机关、单位",
}
ROUTING_BASIS = {  # (事项性质, 转送依据) of the 转送单
    CaseOutcome.LEGAL: ("涉法涉诉事项", "《信访工作条例》第二十二条第二款的规定"),
    CaseOutcome.DISCIPLINE: ("检举控告类事项", "《信访工作条例》第二十二条第二款、第三十条的规定按照干部管理权限"),
}
CONFIDENTIAL_NOTE = ("本件为保密件：检举、揭发材料及有关情况不得透露或者转给被检举、揭发的人员或者单位"
                     "（《信访工作条例》第三十条第三款）。")


def cn_date(value):
    """2026年3月2日 (GB/T 9704: Arabic numerals, no leading zeros)."""
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localdate(value)
    return f"{value.year}年{value.month}月{value.day}日"


def portal_url():
    """The tracking page of the public portal, as printed on documents and texts."""
    if settings.PORTAL_PUBLIC_URL:
        return settings.PORTAL_PUBLIC_URL
    return urljoin(settings.SITE_URL.rstrip("/") + "/", reverse("portal:track").lstrip("/"))


def org_short_name(org):
    """The issuing organization's abbreviation in 文号 (州信访局 → 州信): ``OrgUnit.short_name`` when set."""
    if org.short_name:
        return org.short_name
    return org.name[:1] + ("信" if "信访" in org.name else "")


# --- who may issue what -----------------------------------------------------------------------------

@dataclass
class Subject_:
    """One record a document of a kind can be issued for, and the organization that issues it."""

    key: str
    obj: object
    org: object
    label: str = ""


def _acts(facts, org):
    return org is not None and org.pk in facts.org_ids


def _event(facts, action):
    # The newest event of ``action``, from the case's trail as the page already read it (Facts.records).
    return facts.records.latest_event(action)


def _case_subjects(kind, user, case, facts):
    if kind in (DocumentKind.RECEIPT, DocumentKind.REGISTRATION_FORM):
        if (user.has_perm(REGISTER) or user.has_perm(TRIAGE)) and _acts(facts, case.registered_org):
            return [Subject_("case", case, case.registered_org)]
        return []
    if kind in (DocumentKind.REJECTION, DocumentKind.NOT_REACCEPTED):
        action = "reject" if kind == DocumentKind.REJECTION else "not_reaccept"
        if not user.has_perm(TRIAGE):
            return []
        event = _event(facts, action)
        org = event.actor_org if event is not None else None
        return [Subject_("case", event, org)] if event is not None and _acts(facts, org) else []
    if kind in ROUTED_KINDS:
        # After the step that routed the case out, by the organization that took it (its triage officer);
        # never for a case that was not routed out, or routed another way.
        if not user.has_perm(TRIAGE) or case.outcome not in ROUTED_KINDS[kind]:
            return []
        event = _event(facts, ROUTE_ACTIONS[case.outcome])
        org = event.actor_org if event is not None else None
        return [Subject_("case", event, org)] if event is not None and _acts(facts, org) else []
    if kind == DocumentKind.OPINION:
        if case.answered_at is None or case.status not in ANSWER_GIVEN_STATUSES or case.status in REFUSED_STATUSES:
            return []
        leaf = tree.handling_leaf(facts.assignments)
        if user.has_perm(TRIAGE) and _acts(facts, facts.holder):
            return [Subject_("case", case, facts.holder)]
        if leaf is not None and user.has_perm(HANDLE) and _acts(facts, leaf.org):
            return [Subject_("case", case, leaf.org)]
        return []
    return []


def document_subjects(kind, user, case, facts=None):
    """The records of ``case`` that ``user`` may issue a document of ``kind`` for, each with the
    issuing organization. Empty when he may not (role, organization, state of the case)."""
    facts = facts or permissions.Facts(user, case)
    if not facts.visible:
        return []
    spec = SPECS[kind]
    if spec.pii and not user.has_perm(PII):
        return []
    if spec.subject == Subject.CASE:
        return _case_subjects(kind, user, case, facts)
    subjects = []
    if spec.subject == Subject.ASSIGNMENT and kind == DocumentKind.ACCEPTANCE:
        if user.has_perm(HANDLE) or user.has_perm(TRIAGE):
            for a in facts.assignments:
                if a.accepted_at is not None and a.status != AssignmentStatus.RETURNED and _acts(facts, a.org):
                    subjects.append(Subject_(f"assignment:{a.pk}", a, a.org, a.org.name))
    elif spec.subject == Subject.ASSIGNMENT:
        wanted = AssignmentKind.ASSIGN if kind == DocumentKind.ASSIGNMENT_SLIP else AssignmentKind.TRANSFER
        if user.has_perm(TRIAGE) or user.has_perm(INSTRUCT):
            for a in facts.assignments:
                if (a.kind == wanted and a.status not in (AssignmentStatus.RETURNED, AssignmentStatus.CANCELLED)
                        and _acts(facts, a.assigned_by_org)):
                    subjects.append(Subject_(f"assignment:{a.pk}", a, a.assigned_by_org, a.org.name))
    elif spec.subject == Subject.EXTENSION:
        index = {a.pk: a for a in facts.assignments}
        approved = [e for e in facts.records.extensions if e.status == ExtensionStatus.APPROVED]
        for ext in sorted(approved, key=lambda e: e.pk):
            a = index[ext.assignment_id]
            if user.has_perm(HANDLE) and _acts(facts, a.org):
                subjects.append(Subject_(f"extension:{ext.pk}", ext, a.org, a.org.name))
            elif user.has_perm(TRIAGE) and _acts(facts, a.assigned_by_org):
                subjects.append(Subject_(f"extension:{ext.pk}", ext, a.assigned_by_org, a.org.name))
    elif spec.subject == Subject.REVIEW:
        level = ReviewLevel.REVIEW if kind == DocumentKind.REVIEW_OPINION else ReviewLevel.RECHECK
        if user.has_perm(TRIAGE):
            for review in facts.reviews:
                if review.level == level and review.decided_at is not None and _acts(facts, review.org):
                    subjects.append(Subject_(f"review:{review.pk}", review, review.org, review.org.name))
    elif spec.subject == Subject.SUPERVISION:
        for order in facts.records.supervisions:  # oldest first
            if kind == DocumentKind.SUPERVISION_SLIP:
                if user.has_perm(SUPERVISE) and _acts(facts, order.ordered_by_org):
                    subjects.append(Subject_(f"supervision:{order.pk}", order, order.ordered_by_org,
                                             cn_date(order.created_at)))
            else:
                org = _supervised_org(user, facts, order)
                if org is not None:
                    subjects.append(Subject_(f"supervision:{order.pk}", order, org, cn_date(order.created_at)))
    return subjects


def _supervised_org(user, facts, order):
    """The organization the user answers a 督办 for: one he acts for that handles the case (or holds
    it), other than the one that ordered it."""
    if not (user.has_perm(HANDLE) or user.has_perm(TRIAGE)):
        return None
    candidates = [a.org for a in facts.assignments if a.status != AssignmentStatus.RETURNED] + [facts.holder]
    for org in candidates:
        if _acts(facts, org) and org.pk != order.ordered_by_org_id:
            return org
    return None


def _current(case, kind, key):
    return CaseDocument.objects.filter(case=case, kind=kind, subject_key=key, superseded_by__isnull=True).first()


@dataclass
class Offer:
    kind: str
    label: str
    subject_key: str
    subject_label: str


def document_offers(user, case, facts=None, *, kinds=None):
    """What the user may issue now for ``case`` and has not been issued yet (the buttons of the case
    page and the action page), kinds in the order of ``DocumentKind``."""
    facts = facts or permissions.Facts(user, case)
    offers = []
    issued = set(CaseDocument.objects.filter(case=case, superseded_by__isnull=True).values_list("kind", "subject_key"))
    for kind in kinds or DocumentKind.values:
        for subject in document_subjects(kind, user, case, facts):
            if (kind, subject.key) not in issued:
                offers.append(Offer(kind, str(DocumentKind(kind).label), subject.key, subject.label))
    return offers


def _subject(kind, user, case, key, facts=None):
    for subject in document_subjects(kind, user, case, facts):
        if subject.key == (key or "case"):
            return subject
    raise NotAllowed(_("您不能为该信访件出具%(kind)s。") % {"kind": DocumentKind(kind).label})


# --- the values of a document --------------------------------------------------------------------

def _petitioners(case):
    return [p for p in case.petitioners.all().order_by("position") if p.name]


def _addressee(people):
    if len(people) == 1:
        return people[0].name
    if len(people) <= 3:
        return "、".join(p.name for p in people)
    return _("%(name)s等%(count)d人") % {"name": people[0].name, "count": len(people)}


def _upper(org):
    return org.parent if org is not None and org.parent_id else None


class _Missing:
    def __init__(self):
        self.names = []

    def need(self, name, value):
        if value in (None, ""):
            self.names.append(name)
        return value


def _base_values(case, org, today):
    profile = office_profile(org)
    values = {
        "发文机关": org.name, "发文日期": cn_date(today), "信访件编号": case.number,
        "登记日期": cn_date(case.registered_at), "信访日期": cn_date(case.petition_date),
        "信访形式": str(case.get_channel_display()), "登记机构": case.registered_org.name,
        "概况": case.summary or case.content[:60], "门户网址": portal_url(),
    }
    for name, attr in (("机关地址", "address"), ("邮政编码", "postcode"), ("联系电话", "phone"),
                       ("接待地址", "reception_address"), ("接待时间", "reception_hours")):
        values[name] = (getattr(profile, attr, "") if profile is not None else "") or "—"
    return values


def _kind_values(kind, case, subject, actor, facts, inputs, missing):
    """The values of the placeholders particular to ``kind`` (see ``documents.kinds``)."""
    obj = subject.obj
    values = {}
    if kind == DocumentKind.RECEIPT:
        values["查询码"] = case.query_code
    elif kind == DocumentKind.ACCEPTANCE:
        values["受理日期"] = cn_date(obj.accepted_at)
        values["办理期限"] = missing.need(_("办理期限"), cn_date(obj.handling_due))
    elif kind == DocumentKind.REJECTION:
        values["不予受理理由"] = missing.need(_("不予受理理由"), obj.data.get("reason", ""))
        values["告知途径"] = missing.need(_("告知信访人的途径"), obj.data.get("channel", ""))
    elif kind == DocumentKind.NOT_REACCEPTED:
        values["不再受理理由"] = missing.need(_("不再受理理由"), obj.note)
        values["原信访件编号"] = missing.need(_("初访编号"), case.first_case.number if case.first_case_id else "")
    elif kind == DocumentKind.EXTENSION:
        due = obj.assignment.handling_due
        values.update({"延期天数": str(obj.days), "延期理由": missing.need(_("延期理由"), obj.reason),
                       "新办理期限": missing.need(_("办理期限"), cn_date(due)),
                       "原办理期限": cn_date(due - timedelta(days=obj.days)) if due else ""})
    elif kind == DocumentKind.OPINION:
        leaf = tree.handling_leaf(facts.assignments)
        handled_by = leaf.org if leaf is not None else case.registered_org
        upper = _upper(handled_by)
        values.update({
            "信访请求": case.content, "事实和理由": missing.need(_("答复意见"), case.answer_text),
            "处理意见": missing.need(_("处理意见（支持、部分支持、不支持或解释说明）"),
                                  HandlingOpinion(case.handling_opinion).label if case.handling_opinion else ""),
            "复查机关": missing.need(_("复查机关（原办理机关的上一级）"), upper.name if upper else ""),
            "复查申请截止日": cn_date(timezone.localdate(case.answered_at) + timedelta(days=REVIEW_DECISION_DAYS)),
        })
    elif kind in (DocumentKind.REVIEW_OPINION, DocumentKind.RECHECK_OPINION):
        event = case.events.filter(action__in=("review_decision", "recheck_decision"),
                                   data__review=obj.pk).order_by("-id").first()
        conclusion = event.data.get("conclusion_label", "") if event is not None else ""
        if kind == DocumentKind.REVIEW_OPINION:
            upper = _upper(obj.org)
            values.update({
                "复查请求": obj.reason, "原处理意见": missing.need(_("答复意见"), case.answer_text),
                "复查结论": missing.need(_("复查结论"), conclusion), "复查意见": missing.need(_("复查意见"), obj.opinion),
                "复核机关": missing.need(_("复核机关（复查机关的上一级）"), upper.name if upper else ""),
                "复核申请截止日": cn_date(timezone.localdate(obj.decided_at) + timedelta(days=REVIEW_DECISION_DAYS)),
            })
        else:
            earlier = [r for r in facts.reviews if r.level == ReviewLevel.REVIEW and r.decided_at is not None]
            values.update({
                "复核请求": obj.reason, "复查意见": missing.need(_("复查意见"), earlier[-1].opinion if earlier else ""),
                "复核结论": missing.need(_("复核结论"), conclusion), "复核意见": missing.need(_("复核意见"), obj.opinion),
            })
    elif kind in (DocumentKind.ASSIGNMENT_SLIP, DocumentKind.TRANSFER_SLIP):
        values.update({"承办单位": obj.org.name, "交办要求": obj.note or "—",
                       "受理期限": cn_date(obj.acceptance_due),
                       "办理期限": cn_date(obj.handling_due) if obj.handling_due else _("受理之日起60日内"),
                       "经办人": actor.display_name})
    elif kind == DocumentKind.SUPERVISION_SLIP:
        live = [a.org.name for a in tree.active(facts.assignments)
                if a.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED, AssignmentStatus.DELEGATED,
                                AssignmentStatus.REPORTED)]
        values.update({"被督办单位": "、".join(live) or facts.holder.name, "督办要求": obj.requirement,
                       "督办期限": cn_date(obj.due), "经办人": actor.display_name})
    elif kind == DocumentKind.SUPERVISION_FEEDBACK:
        values.update({"督办机关": obj.ordered_by_org.name, "督办要求": obj.requirement, "督办期限": cn_date(obj.due),
                       "督办日期": cn_date(obj.created_at), "经办人": actor.display_name})
    elif kind in (DocumentKind.ROUTING_SLIP, DocumentKind.ROUTING_NOTICE):
        # ``obj`` is the route_legal / route_discipline event; the organ is the case's (Case.routed_to).
        values.update({"接收机关": missing.need(_("接收机关"), case.routed_to.name if case.routed_to_id else ""),
                       "转送日期": cn_date(obj.created_at)})
        if kind == DocumentKind.ROUTING_SLIP:
            nature, basis = ROUTING_BASIS[case.outcome]
            values.update({"事项性质": nature, "转送依据": basis, "转送意见": obj.note or "—",
                           "保密要求": CONFIDENTIAL_NOTE if case.is_confidential else "",
                           "经办人": actor.display_name})
    elif kind == DocumentKind.GUIDE_NOTICE:
        procedure = obj.data.get("procedure", "")
        label = obj.data.get("procedure_label") or (str(GUIDE_PROCEDURES[procedure]) if procedure in GUIDE_PROCEDURES
                                                    else "")
        values.update({"法定途径": missing.need(_("法定途径"), label),
                       "受理机关": GUIDE_ORGANS.get(procedure, GUIDE_ORGANS["other"]),
                       "告知内容": missing.need(_("告知内容"), obj.note), "导入日期": cn_date(obj.created_at)})
    for name, required in SPECS[kind].inputs:
        text = " ".join((inputs.get(name) or "").split()) if name != "反馈内容" else (inputs.get(name) or "").strip()
        if len(text) > MAX_INPUT:
            raise ServiceError(_("%(name)s过长（最多%(max)d个字）。") % {"name": name, "max": MAX_INPUT}, field="inputs")
        values[name] = missing.need(name, text) if required else text
    return values


def _recipient(kind, case, subject, delivery, missing):
    """(recipient line, petitioner addressed, organization addressed, petitioner values)."""
    spec = SPECS[kind]
    if not spec.to_petitioner:
        obj = subject.obj
        if kind in (DocumentKind.ASSIGNMENT_SLIP, DocumentKind.TRANSFER_SLIP):
            return obj.org.name, None, obj.org, {}
        if kind == DocumentKind.SUPERVISION_FEEDBACK:
            return obj.ordered_by_org.name, None, obj.ordered_by_org, {}
        if kind == DocumentKind.ROUTING_SLIP:
            organ = case.routed_to
            return (organ.name, None, organ, {}) if organ is not None else ("", None, None, {})
        return "", None, None, {}
    people = _petitioners(case)
    if not people:
        raise ServiceError(_("该件没有登记信访人姓名（匿名信访），不能出具送达信访人的%(kind)s。") % {
            "kind": DocumentKind(kind).label}, code="no_petitioner")
    first = people[0]
    if delivery == DeliveryMethod.MAIL:
        missing.need(_("信访人地址（邮寄送达需要）"), first.address)
    if delivery == DeliveryMethod.SMS:
        missing.need(_("信访人手机号（短信送达需要）"), sms.mobile(first.phone))
    name = _addressee(people)
    return name, first, None, {"信访人姓名": name}


def _slip_rows(kind, case, subject, values):
    """The table of a form: the case's data the receiving unit needs. A confidential (检举揭发) case's
    slip names no petitioner (条例第三十条第三款: the accuser is never disclosed)."""
    rows = [(_("信访件编号"), case.number), (_("信访日期"), values["信访日期"]), (_("信访形式"), values["信访形式"]),
            (_("登记机构"), case.registered_org.name)]
    if kind == DocumentKind.REGISTRATION_FORM:
        return rows
    if case.is_confidential:
        rows.append((_("信访人"), _("保密件（检举揭发）：信访人信息不随本单提供，不得向被检举人员或单位透露。")))
    elif case.is_anonymous:
        rows.append((_("信访人"), _("匿名")))
    else:
        people = _petitioners(case)
        rows.append((_("信访人"), "；".join(f"{p.name}（{p.phone or '—'}）" for p in people) or "—"))
    rows.append((_("反映问题"), case.content))
    if kind in (DocumentKind.ASSIGNMENT_SLIP, DocumentKind.TRANSFER_SLIP):
        rows += [(_("受理期限"), values["受理期限"]), (_("办理期限"), values["办理期限"])]
    elif kind == DocumentKind.SUPERVISION_SLIP:
        rows += [(_("被督办单位"), values["被督办单位"]), (_("督办期限"), values["督办期限"])]
    return rows


def _registration_rows(case):
    """信访登记表: the registration as the archive files it."""
    entries = ("purpose", "problem", "visit_nature", "visit_level", "letter_nature", "registration_source")
    case = Case.objects.select_related("registered_by", "problem_region", "accused_org", "first_case",
                                       *entries).get(pk=case.pk)
    rows = [
        (_("信访件编号"), case.number), (_("信访形式"), case.get_channel_display()),
        (_("信访日期"), cn_date(case.petition_date)), (_("登记时间"), timezone.localtime(case.registered_at)
                                                      .strftime("%Y-%m-%d %H:%M")),
        (_("登记机构"), case.registered_org.name), (_("登记人"), case.registered_by.display_name if case.registered_by else ""),
        (_("信访目的"), str(case.purpose or "")), (_("所属问题"), str(case.problem or "")),
        (_("问题属地"), str(case.problem_region or "")),
    ]
    if case.channel == "visit":
        rows += [(_("来访性质"), str(case.visit_nature or "")), (_("来访人数"), str(case.visitor_count or "")),
                 (_("上访层次"), str(case.visit_level or ""))]
    else:
        rows += [(_("来信性质"), str(case.letter_nature or "")), (_("登记来源"), str(case.registration_source or ""))]
    rows += [
        (_("是否重访"), (_("是，初访编号 %(n)s") % {"n": case.first_case.number}) if case.first_case_id else _("否")),
        (_("保密（检举揭发）"), (_("是，被检举单位：%(org)s") % {"org": case.accused_org.name})
         if case.is_confidential and case.accused_org_id else (_("是") if case.is_confidential else _("否"))),
        (_("概况"), case.summary), (_("反映问题及诉求"), case.content),
        (_("责任单位"), case.responsible_unit), (_("当前状态"), case.get_status_display()),
    ]
    if case.answer_text:
        rows.append((_("答复意见"), case.answer_text))
    people = [[_("姓名"), _("性别"), _("年龄"), _("证件号码"), _("联系电话"), _("地址"), _("单位")]]
    for p in case.petitioners.all().order_by("position"):
        people.append([p.name or _("匿名"), p.get_sex_display(), str(p.age or ""), p.id_number, p.phone, p.address,
                       p.workplace])
    return rows, people if len(people) > 1 else ()


# --- numbering -------------------------------------------------------------------------------------

def document_number_take(*, org, kind, year):
    """Next gap-free 文号 sequence of (org, kind, year); call inside the issuing transaction.

    The same pattern as case numbers (petitions.services.intake.case_number_take, docs/performance.md
    §R5.1): ``UPDATE … RETURNING`` takes the counter row lock until commit, so concurrent issues queue
    and a rolled-back issue gives its number back; the first of a year creates the row first."""
    table = connection.ops.quote_name(DocumentCounter._meta.db_table)
    sql = f"UPDATE {table} SET last_seq = last_seq + 1 WHERE org_id = %s AND kind = %s AND year = %s RETURNING last_seq"
    with connection.cursor() as cursor:
        cursor.execute(sql, [org.pk, kind, year])
        row = cursor.fetchone()
        if row is None:
            DocumentCounter.objects.bulk_create([DocumentCounter(org=org, kind=kind, year=year, last_seq=0)],
                                                ignore_conflicts=True)
            cursor.execute(sql, [org.pk, kind, year])
            row = cursor.fetchone()
    return row[0]


def document_number_format(*, org, word, year, seq):
    """州信 + 不受 + 字〔2026〕第12号."""
    return f"{org_short_name(org)}{word}字〔{year}〕第{seq}号"


# --- storage --------------------------------------------------------------------------------------

def document_root():
    return settings.DOCUMENT_ROOT


def document_path(stored_name):
    """Absolute path of a stored document; ``stored_name`` is ours (random hex), never user input."""
    return document_root() / stored_name


def document_open(document):
    """The frozen PDF, opened for reading (FileNotFoundError when the file store lost it)."""
    return open(document_path(document.stored_name), "rb")


def _stage(data):
    token = secrets.token_hex(20)
    staging = document_root() / STAGING_DIR
    staging.mkdir(parents=True, exist_ok=True)
    path = staging / f"{token}.part"
    with open(path, "xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return path, f"{token[:2]}/{token}.pdf"


# --- issuing ---------------------------------------------------------------------------------------

def _planned(kind, delivery):
    allowed = PETITIONER_METHODS if SPECS[kind].to_petitioner else UNIT_METHODS
    if delivery in (None, ""):
        return allowed[0]
    if delivery not in allowed:
        raise ServiceError(_("该文书不能以“%(method)s”方式送达。") % {"method": DeliveryMethod(delivery).label
                                                                if delivery in DeliveryMethod.values else delivery},
                           field="delivery", code="delivery")
    return delivery


def document_issue(*, actor, case, kind, subject_key="case", delivery=None, inputs=None, request=None,
                   supersedes=None, correction_reason=""):
    """Issue one document of ``kind`` for ``case`` (and the record ``subject_key`` names); return it.

    Preconditions: ``actor`` may issue it (``document_subjects``; ``NotAllowed`` otherwise); no current
    version exists for the same record unless ``supersedes`` is that version (``ServiceError``
    ``already_issued``: an issued document is never generated again silently); the case has every value
    the wording needs (``ServiceError`` ``missing`` naming each: nothing written, no number taken).
    ``delivery`` is the planned way of delivery (邮寄 needs the petitioner's address); ``inputs`` the
    texts the kind asks of the issuer (处理依据, 反馈内容).

    Writes, in one transaction: the 文号, the PDF (under ``DOCUMENT_ROOT``), the ``CaseDocument``, the
    ``issue_document`` event and its audit row (with the PDF's SHA-256). The petitioner is texted after
    commit when SMS delivery was chosen.
    """
    if kind not in SPECS:
        raise ServiceError(_("未知的文书种类。"), code="unknown_kind")
    spec = SPECS[kind]
    facts = permissions.Facts(actor, case)
    subject = _subject(kind, actor, case, subject_key, facts)
    delivery = _planned(kind, delivery)
    current = _current(case, kind, subject.key)
    if current is not None and (supersedes is None or current.pk != supersedes.pk):
        raise ServiceError(_("已出具%(kind)s（%(number)s），不会重新生成；内容有误的，请出具更正版本。") % {
            "kind": DocumentKind(kind).label, "number": current.number}, code="already_issued")
    today = clock.today()
    missing = _Missing()
    recipient, petitioner, recipient_org, values = _recipient(kind, case, subject, delivery, missing)
    values.update(_base_values(case, subject.org, today))
    values.update(_kind_values(kind, case, subject, actor, facts, inputs or {}, missing))
    if missing.names:
        raise ServiceError(_("不能出具%(kind)s，缺少：%(names)s。") % {
            "kind": DocumentKind(kind).label, "names": "、".join(missing.names)}, code="missing", field="inputs")
    texts = template_texts(kind)
    rows, people = (), ()
    if kind == DocumentKind.REGISTRATION_FORM:
        rows, people = _registration_rows(case)
    elif spec.is_form:
        rows = _slip_rows(kind, case, subject, values)
    title = placeholders.fill(texts["title"], values)
    staged = final = None
    try:
        with transaction.atomic():
            Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
            if _current(case, kind, subject.key) not in (None, supersedes):
                raise ServiceError(_("该文书刚刚已由他人出具，请刷新页面。"), code="already_issued")
            seq = document_number_take(org=subject.org, kind=kind, year=today.year)
            number = document_number_format(org=subject.org, word=texts["number_word"], year=today.year, seq=seq)
            values["文号"] = number
            pdf, pages = rendering.render_pdf(kind=kind, texts=texts, values=values, rows=rows,
                                              petitioner_rows=people, qr_url=values["门户网址"] if spec.qr else "")
            digest = hashlib.sha256(pdf).hexdigest()
            staged, stored_name = _stage(pdf)
            version = supersedes.version + 1 if supersedes is not None else 1
            event = case_event_record(
                case=case, action="issue_document", actor=actor, note=f"{title} {number}",
                target_org=recipient_org, request=request,
                summary=f"{case.number} issue_document {kind} {number} sha256={digest}",
                data={"kind": kind, "number": number, "sha256": digest, "version": version,
                      "supersedes": supersedes.number if supersedes is not None else None},
            )
            document = CaseDocument.objects.create(
                case=case, kind=kind, subject_key=subject.key, org=subject.org, year=today.year, seq=seq,
                number=number, title=title, recipient=recipient, to_petitioner=spec.to_petitioner,
                petitioner=petitioner, recipient_org=recipient_org, planned_delivery=delivery,
                values={k: str(v) for k, v in values.items() if k != "查询码"}, stored_name=stored_name, size=len(pdf),
                sha256=digest, pages=pages, version=version, supersedes=supersedes,
                correction_reason=correction_reason, event=event, issued_by=actor, issued_at=clock.now(),
                **{spec.subject: subject.obj} if spec.subject in (Subject.ASSIGNMENT, Subject.EXTENSION,
                                                                  Subject.REVIEW, Subject.SUPERVISION) else {},
            )
            final = document_path(stored_name)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
            if delivery == DeliveryMethod.SMS and petitioner is not None:
                _sms_delivery(document, petitioner, actor, request)
    except BaseException:
        for path in (staged, final):
            if path is not None:
                path.unlink(missing_ok=True)
        raise
    return document


def document_correct(*, actor, document, reason, delivery=None, inputs=None, request=None):
    """A corrected version of ``document``: issued anew from the case's current data with the next
    number, ``supersedes`` the old version (which stays, marked superseded). ``reason`` is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写更正理由。"), field="reason", code="reason")
    if CaseDocument.objects.filter(supersedes=document).exists():
        raise ServiceError(_("该文书已有更正版本，请更正最新版本。"), code="superseded")
    return document_issue(actor=actor, case=document.case, kind=document.kind, subject_key=document.subject_key,
                          delivery=delivery or document.planned_delivery, inputs=inputs, request=request,
                          supersedes=document, correction_reason=reason)


# --- delivery --------------------------------------------------------------------------------------

def _sms_delivery(document, petitioner, actor, request):
    phone = sms.mobile(petitioner.phone)
    sms.sms_queue(case=document.case, purpose=sms.DOCUMENT, phone=phone, document=document,
                  params={"number": document.case.number, "title": document.title})
    DocumentDelivery.objects.create(document=document, method=DeliveryMethod.SMS, delivered_at=clock.now(),
                                    recipient=petitioner.name, note=_("短信通知，凭查询码在网上下载"),
                                    recorded_by=actor)


def document_deliver(*, actor, document, method, delivered_at=None, mail_number="", recipient="", note="",
                     request=None):
    """Record that ``document`` was delivered (送达): how, when, the registered-mail number for 邮寄.

    Preconditions: ``actor`` acts for the issuing organization (``NotAllowed``); 邮寄 needs the mail
    number and, for a notice to the petitioner, his address; a date not in the future. 短信 queues a
    text telling the petitioner the document can be downloaded on the portal. Writes the delivery and a
    ``deliver_document`` event with its audit row."""
    if document.org_id not in permissions.Facts(actor, document.case).org_ids:
        raise NotAllowed(_("只有发文机关的工作人员可以登记送达。"))
    allowed = PETITIONER_METHODS if document.to_petitioner else UNIT_METHODS
    if method not in allowed:
        raise ServiceError(_("请选择送达方式。"), field="method", code="method")
    now = clock.now()
    delivered_at = delivered_at or now
    if delivered_at > now + timedelta(minutes=5):
        raise ServiceError(_("送达时间不能晚于现在。"), field="delivered_at", code="future")
    mail_number = " ".join((mail_number or "").split())[:40]
    if method == DeliveryMethod.MAIL:
        if not mail_number:
            raise ServiceError(_("邮寄送达请填写挂号信函号（邮件号）。"), field="mail_number", code="mail_number")
        if document.to_petitioner and (document.petitioner is None or not document.petitioner.address):
            raise ServiceError(_("信访人没有登记地址，不能邮寄送达，请选择其他送达方式。"), field="method", code="address")
    with transaction.atomic():
        if method == DeliveryMethod.SMS:
            phone = sms.mobile(document.petitioner.phone) if document.petitioner else ""
            if not phone:
                raise ServiceError(_("信访人没有登记手机号，不能短信送达。"), field="method", code="phone")
            sms.sms_queue(case=document.case, purpose=sms.DOCUMENT, phone=phone, document=document,
                          params={"number": document.case.number, "title": document.title})
        delivery = DocumentDelivery.objects.create(
            document=document, method=method, delivered_at=delivered_at, mail_number=mail_number,
            recipient=" ".join((recipient or "").split())[:100], note=" ".join((note or "").split())[:200],
            recorded_by=actor)
        case_event_record(case=document.case, action="deliver_document", actor=actor,
                          note=f"{document.title} {document.number}：{DeliveryMethod(method).label}"
                               + (f" {mail_number}" if mail_number else ""),
                          request=request, data={"number": document.number, "method": method})
    return delivery


def document_downloaded_online(*, document, request=None, delivered_at=None):
    """The petitioner downloaded ``document`` on the portal: the first download is recorded as its
    delivery 网上 (no staff member; the trail shows it). ``delivered_at``: when, if not now (a
    download on the internet-side portal arrives later across the network gap)."""
    if document.deliveries.filter(method=DeliveryMethod.ONLINE).exists():
        return None
    with transaction.atomic():
        delivery = DocumentDelivery.objects.create(document=document, method=DeliveryMethod.ONLINE,
                                                   delivered_at=delivered_at or clock.now(),
                                                   recipient=_("信访人（网上下载）"))
        case_event_record(case=document.case, action="deliver_document", actor=None,
                          note=f"{document.title} {document.number}：{DeliveryMethod.ONLINE.label}",
                          request=request, data={"number": document.number, "method": DeliveryMethod.ONLINE})
    return delivery


# --- the daily mailing batch -------------------------------------------------------------------------

def mailing_batch_pdf(documents):
    """One PDF for the post room: an address label page (name, address, 文号), then the frozen copies
    of ``documents`` in order, each as issued (never re-rendered)."""
    from pypdf import PdfReader, PdfWriter

    from django.template.loader import render_to_string

    labels = [{"name": d.petitioner.name if d.petitioner else d.recipient,
               "address": d.petitioner.address if d.petitioner else "", "number": d.number,
               "case": d.case.number, "sender": d.org.name} for d in documents]
    label_pdf = rendering.html_to_pdf(render_to_string("documents/pdf/labels.html", {"labels": labels}))
    writer = PdfWriter()
    import io

    writer.append(PdfReader(io.BytesIO(label_pdf)))
    for document in documents:
        with document_open(document) as handle:
            writer.append(PdfReader(io.BytesIO(handle.read())))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- templates and offices ---------------------------------------------------------------------------

FIELD_LABELS = {"letterhead": _("发文机关标志"), "title": _("标题"), "salutation": _("主送"), "body": _("正文"),
                "closing_note": _("附注（联系方式）"), "number_word": _("文号代字")}


def template_check(kind, texts):
    """Refuse wording that is not plain text with known placeholders, or does not render: a dict of
    Chinese messages by field (``ServiceError`` ``template_invalid``). Renders the PDF with the sample
    values (the preview) and returns it."""
    allowed = allowed_placeholders(kind)
    errors = {}
    for field in TEMPLATE_FIELDS:
        found = placeholders.template_errors(texts.get(field, ""), allowed, label=str(FIELD_LABELS[field]))
        if field in ("letterhead", "title") and not (texts.get(field) or "").strip():
            found.append(_("%(label)s不能为空。") % {"label": FIELD_LABELS[field]})
        if found:
            errors[field] = found
    word = (texts.get("number_word") or "").strip()
    if not word or len(word) > 10 or any(not ("\u4e00" <= ch <= "\u9fff") for ch in word):
        errors["number_word"] = [_("文号代字须为1至10个汉字，如“不受”。")]
    if errors:
        raise ServiceError(errors=errors, code="template_invalid")
    values = dict(SAMPLE_VALUES)
    try:
        pdf, _pages = rendering.render_pdf(kind=kind, texts=texts, values=values,
                                           rows=[(_("信访件编号"), values["信访件编号"])] if SPECS[kind].is_form else (),
                                           qr_url=values["门户网址"] if SPECS[kind].qr else "")
    except Exception as exc:  # whatever the renderer refuses is refused here, never at issue time
        raise ServiceError(_("模板无法生成文书：%(error)s") % {"error": exc}, code="template_render")
    return pdf


def template_save(*, actor, kind, texts, request=None):
    """Save the wording of ``kind`` after ``template_check``; audited (``document.template``).
    Only holders of ``petitions.manage_dictionary`` (the system administrator's base data)."""
    if not actor.has_perm("petitions.manage_dictionary"):
        raise NotAllowed(_("您没有修改文书模板的权限。"))
    if kind not in SPECS:
        raise ServiceError(_("未知的文书种类。"), code="unknown_kind")
    texts = {field: (texts.get(field) or "").replace("\r\n", "\n").strip() for field in (*TEMPLATE_FIELDS, "number_word")}
    template_check(kind, texts)
    with transaction.atomic():
        row, _created = DocumentTemplate.objects.update_or_create(kind=kind, defaults={**texts, "updated_by": actor})
        audit_record(action="document.template", actor=actor, target=row, request=request,
                     summary=f"document template {kind}",
                     data={"sha256": hashlib.sha256("\n".join(texts[f] for f in sorted(texts)).encode()).hexdigest()})
    return row


def template_reset(*, actor, kind, request=None):
    """Back to the default wording of ``kind``; audited."""
    if not actor.has_perm("petitions.manage_dictionary"):
        raise NotAllowed(_("您没有修改文书模板的权限。"))
    with transaction.atomic():
        row = DocumentTemplate.objects.filter(kind=kind).first()
        if row is not None:
            audit_record(action="document.template_reset", actor=actor, target=row, request=request,
                         summary=f"document template {kind} reset")
            row.delete()


def office_profile_save(*, actor, org, data, request=None):
    """The contact lines of ``org``'s documents. The system administrator, or a petition bureau's
    triage officer for his own organization."""
    own = actor.organization_id == org.pk and actor.has_perm(TRIAGE)
    if not (actor.has_perm("petitions.manage_dictionary") or own):
        raise NotAllowed(_("您没有修改发文机关信息的权限。"))
    fields = ("address", "postcode", "phone", "reception_address", "reception_hours")
    clean = {f: " ".join((data.get(f) or "").split()) for f in fields}
    if clean["postcode"] and (len(clean["postcode"]) != 6 or not clean["postcode"].isdigit()):
        raise ServiceError(_("邮政编码应为6位数字。"), field="postcode", code="postcode")
    for f in fields:
        found = placeholders.template_errors(clean[f], {}, label=str(OfficeProfile._meta.get_field(f).verbose_name))
        if found:
            raise ServiceError(found[0], field=f, code="invalid")
    with transaction.atomic():
        row, _created = OfficeProfile.objects.update_or_create(org=org, defaults=clean)
        audit_record(action="document.office", actor=actor, target=row, request=request,
                     summary=f"document office {org.code}")
    return row


def sample_preview(kind, texts):
    """The preview PDF of unsaved wording (raises like ``template_check``)."""
    return template_check(kind, texts)

