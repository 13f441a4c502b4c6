"""States of a case and the transition table: the ONLY definition of the workflow.

``TRANSITIONS`` says, for every action, from which states it may start, which state it leads
to, which role permission it needs and who (which organization) may perform it.
``petitions.services.transitions.case_transition`` enforces it, ``petitions.permissions``
derives the buttons from it and ``manage.py workflow_table`` writes ``docs/workflow.md`` from it.

``target`` is the usual resulting state; ``alt_targets`` lists the other states the service
may arrive at when the case involves several organizations or levels (a case assigned to
several organizations waits for all of them, or for the lead organization marked 主办; an
intermediate bureau's approval passes the result up instead of answering). ``target=None``
means the action keeps the state (督办, 标记查看, 公开答复, 延期).
"""
from dataclasses import dataclass, field

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("待分流")
    AWAITING_INSTRUCTION = "awaiting_instruction", _("待批示")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("待受理")
    IN_PROGRESS = "in_progress", _("办理中")
    RESULT_REPORTED = "result_reported", _("待审核")
    ANSWERED = "answered", _("已答复")
    REVIEWING = "reviewing", _("复查中")
    RECHECKING = "rechecking", _("复核中")
    CLOSED = "closed", _("已办结")
    ARCHIVED = "archived", _("已归档")
    REJECTED = "rejected", _("不予受理")
    NOT_REACCEPTED = "not_reaccepted", _("不再受理")


OPEN_STATUSES = frozenset({
    Status.PENDING, Status.AWAITING_INSTRUCTION, Status.AWAITING_ACCEPTANCE, Status.IN_PROGRESS,
    Status.RESULT_REPORTED, Status.REVIEWING, Status.RECHECKING,
})
FINISHED_STATUSES = frozenset({Status.CLOSED, Status.ARCHIVED, Status.REJECTED, Status.NOT_REACCEPTED})
# The matter was lawfully not (or no longer) accepted (条例第二十三条、第三十六条第三款).
REFUSED_STATUSES = frozenset({Status.REJECTED, Status.NOT_REACCEPTED})
# 办结 for the statistics: an answer (处理意见) was given, or the matter was finished or lawfully
# not accepted; cases under 复查/复核 are open again and do not count.
DONE_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED, Status.ARCHIVED, *REFUSED_STATUSES})
# The petitioner may evaluate the answer (满意度评价).
EVALUABLE_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED})
# ``Case.answer_text`` is the answer given to the petitioner (shown on the portal).
ANSWER_GIVEN_STATUSES = frozenset({Status.ANSWERED, Status.REVIEWING, Status.RECHECKING, *FINISHED_STATUSES})

TRIAGE = "petitions.triage_case"
INSTRUCT = "petitions.instruct_case"
SUPERVISE = "petitions.supervise_case"
HANDLE = "petitions.handle_case"
REGISTER = "petitions.register_case"


@dataclass(frozen=True)
class Transition:
    """One action of the workflow.

    ``permission`` is the role permission (``app_label.codename``) normally needed;
    ``alt_permissions`` are others that also qualify (e.g. a petition bureau may return a case
    assigned to it just as a handling unit may). ``rule`` describes, in the office's words, which
    user of which organization may act; the rule itself is code in ``petitions.permissions``.
    """

    name: str
    label: str
    sources: frozenset
    target: Status | None
    permission: str
    requires_note: bool = False
    rule: str = ""
    alt_permissions: tuple = ()
    alt_targets: frozenset = field(default_factory=frozenset)
    note_label: str = _("意见")
    inputs: str = ""  # what the form asks for, in the office's words (docs/workflow.md)

    @property
    def permissions(self):
        """Every role permission that qualifies for the action (any one is enough)."""
        return (self.permission, *self.alt_permissions)

    def possible_targets(self):
        """States the case may be in after the action (for a state-keeping action: its sources)."""
        if self.target is None:
            return frozenset(self.sources)
        return frozenset({self.target}) | self.alt_targets


def _t(name, label, sources, target, permission, **kwargs):
    return Transition(name=name, label=label, sources=frozenset(sources), target=target, permission=permission,
                      **kwargs)


S = Status
HOLDER_RULE = _("持有该件的信访工作机构（该件所在机构在本人管辖范围内）的分流员")

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    _t("report_leader", _("上报领导"), {S.PENDING}, S.AWAITING_INSTRUCTION, TRIAGE,
       rule=format_lazy(_("{holder}；所选领导须在本级管辖范围内，并填写批示期限"), holder=HOLDER_RULE),
       inputs=_("呈报领导、批示期限")),
    _t("instruct", _("领导批示"), {S.AWAITING_INSTRUCTION}, S.PENDING, INSTRUCT, requires_note=True,
       note_label=_("批示内容"), alt_targets=frozenset({S.AWAITING_ACCEPTANCE}),
       rule=_("被呈报的领导本人，或管辖范围包含该件所在机构的领导；批示后退回分流池（批示醒目显示），"
              "或由领导直接交办"),
       inputs=_("批示内容；直接交办时另选承办单位")),
    _t("assign", _("交办"), {S.PENDING, S.AWAITING_ACCEPTANCE, S.IN_PROGRESS}, S.AWAITING_ACCEPTANCE, TRIAGE,
       alt_targets=frozenset({S.IN_PROGRESS}),
       rule=format_lazy(_("{holder}，或收到上级交办/转办尚未受理的信访工作机构（逐级下交）；承办单位须在本级管辖范围内的下级机构或部门，"
              "可多个、各有期限、可指定主办；结果须报回交办单位审核；保密件不得交给被检举单位及其下级"), holder=HOLDER_RULE),
       inputs=_("承办单位（可多个，各自办理期限，可指定一个主办）")),
    _t("transfer", _("转办"), {S.PENDING, S.AWAITING_ACCEPTANCE, S.IN_PROGRESS}, S.AWAITING_ACCEPTANCE, TRIAGE,
       alt_targets=frozenset({S.IN_PROGRESS}),
       rule=_("同“交办”；转办的结果不报回转办单位审核（除非上级链条中有交办）"),
       inputs=_("承办单位（可多个，各自办理期限，可指定一个主办）")),
    _t("reject", _("不予受理"), {S.PENDING}, S.REJECTED, TRIAGE,
       rule=format_lazy(_("{holder}；须选择不予受理理由并写明告知信访人的法定途径"), holder=HOLDER_RULE),
       inputs=_("不予受理理由（字典）、告知信访人的途径")),
    _t("not_reaccept", _("不再受理"), {S.PENDING}, S.NOT_REACCEPTED, TRIAGE, requires_note=True,
       note_label=_("不再受理理由"),
       rule=format_lazy(_("{holder}；仅限已关联初访件的重复信访（同一事项经复核后只能不再受理）"), holder=HOLDER_RULE),
       inputs=_("不再受理理由")),
    _t("answer", _("直接答复"), {S.PENDING}, S.ANSWERED, TRIAGE, requires_note=True, note_label=_("答复意见"),
       rule=format_lazy(_("{holder}；本机构自行受理并答复（咨询、建议意见、本机关职权内的事项），不交办他单位；"
                          "答复后可办结，信访人可评价、可在30日内申请复查"), holder=HOLDER_RULE),
       inputs=_("答复意见（信访人收到的内容）、处理意见")),
    _t("accept", _("受理"), {S.AWAITING_ACCEPTANCE, S.IN_PROGRESS}, S.IN_PROGRESS, HANDLE,
       rule=_("承办单位的承办人，且本单位的交办记录为待受理")),
    _t("return", _("退回"), {S.AWAITING_ACCEPTANCE, S.IN_PROGRESS}, S.PENDING, HANDLE, requires_note=True,
       alt_permissions=(TRIAGE,), note_label=_("退回理由"),
       alt_targets=frozenset({S.AWAITING_ACCEPTANCE, S.IN_PROGRESS, S.RESULT_REPORTED}),
       rule=_("承办单位（承办人，或收到交办的信访工作机构）在受理前，且在收到之日起5个工作日内（条例第二十三条）；"
               "退回交办单位（其分流池或其上级交办）"),
       inputs=_("退回理由")),
    _t("request_extension", _("申请延期"), {S.IN_PROGRESS}, None, HANDLE, requires_note=True,
       note_label=_("延期理由"),
       rule=_("已受理单位的承办人；最多30日，每件仅可延期一次"),
       inputs=_("延期天数（不超过30日）、延期理由")),
    _t("approve_extension", _("批准延期"), {S.IN_PROGRESS}, None, TRIAGE,
       rule=_("交办单位的分流员"),
       inputs=_("延期申请")),
    _t("refuse_extension", _("不予延期"), {S.IN_PROGRESS}, None, TRIAGE, requires_note=True,
       note_label=_("不予延期理由"), rule=_("交办单位的分流员"),
       inputs=_("延期申请、不予延期理由")),
    _t("report_result", _("上报结果"), {S.IN_PROGRESS}, S.RESULT_REPORTED, HANDLE, requires_note=True,
       note_label=_("办理结果"),
       alt_targets=frozenset({S.IN_PROGRESS, S.ANSWERED}),
       rule=_("已受理单位的承办人；多单位办理时全部单位（或主办单位）上报后进入待审核；"
              "转办链条中无交办的，上报即答复"),
       inputs=_("办理结果、处理意见（支持/部分支持/不支持/解释说明）、附件")),
    _t("approve_result", _("审核通过"), {S.RESULT_REPORTED}, S.ANSWERED, TRIAGE,
       alt_targets=frozenset({S.RESULT_REPORTED, S.IN_PROGRESS}),
       rule=_("交办单位的分流员；中间层级审核通过后报上一级审核，最上级审核通过即为已答复")),
    _t("send_back", _("退回重办"), {S.RESULT_REPORTED}, S.IN_PROGRESS, TRIAGE, requires_note=True,
       note_label=_("退回重办理由"), alt_targets=frozenset({S.RESULT_REPORTED}),
       rule=_("交办单位的分流员；可退回全部或其中一个单位"),
       inputs=_("退回重办理由（可只退回其中一个单位）")),
    _t("request_review", _("复查申请"), {S.ANSWERED, S.CLOSED}, S.REVIEWING, REGISTER, requires_note=True,
       alt_permissions=(TRIAGE,), note_label=_("复查请求理由"),
       rule=_("可见该件的登记员或分流员代信访人提出；须在答复之日起30日内；由原办理机关的上一级在30日内复查"),
       inputs=_("复查请求理由")),
    _t("review_decision", _("复查意见"), {S.REVIEWING}, S.ANSWERED, TRIAGE, requires_note=True,
       note_label=_("复查意见"), rule=_("复查机关（原办理机关的上一级）的分流员"),
       inputs=_("结论（维持/变更/撤销）、复查意见")),
    _t("request_recheck", _("复核申请"), {S.ANSWERED, S.CLOSED}, S.RECHECKING, REGISTER, requires_note=True,
       alt_permissions=(TRIAGE,), note_label=_("复核请求理由"),
       rule=_("可见该件的登记员或分流员代信访人提出；须在复查意见作出之日起30日内；由复查机关的上一级在30日内复核"),
       inputs=_("复核请求理由")),
    _t("recheck_decision", _("复核意见"), {S.RECHECKING}, S.ANSWERED, TRIAGE, requires_note=True,
       note_label=_("复核意见"),
       rule=_("复核机关（复查机关的上一级）的分流员；复核后同一事项再次信访只能不再受理"),
       inputs=_("结论（维持/变更/撤销）、复核意见")),
    _t("close", _("办结"), {S.ANSWERED}, S.CLOSED, TRIAGE, alt_targets=frozenset({S.ARCHIVED}),
       rule=format_lazy(_("{holder}；须填写办结分类、所属单位、区域、所属问题；勾选“同时归档”则一步归档"
              "（复查、复核申请期限未满时只能办结，不能归档，期满后由每日巡检自动归档）"), holder=HOLDER_RULE),
       inputs=_("办结分类、所属单位、区域、所属问题；可选同时归档")),
    _t("archive", _("归档"), {S.CLOSED, S.REJECTED, S.NOT_REACCEPTED}, S.ARCHIVED, TRIAGE,
       rule=format_lazy(_("{holder}；复查、复核申请期限届满后"), holder=HOLDER_RULE)),
    _t("publish_reply", _("公开答复"), {S.ANSWERED, S.CLOSED}, None, TRIAGE, requires_note=True,
       note_label=_("公开答复内容"), rule=format_lazy(_("{holder}；保密件不得公开"), holder=HOLDER_RULE),
       inputs=_("公开答复内容")),
    _t("supervise", _("督办"), OPEN_STATUSES, None, SUPERVISE, requires_note=True, note_label=_("督办要求"),
       rule=_("领导或督查员，该件在本人管辖范围内；须填写督办要求和期限；承办人收到提醒"),
       inputs=_("督办要求、督办期限")),
    _t("mark_viewed", _("标记查看"), set(Status) - {S.ARCHIVED}, None, TRIAGE,
       rule=HOLDER_RULE),
)}

# While a case is the repeat of a matter that has been through 复核, only these actions are open
# on it in the pool (《信访工作条例》第三十六条第三款: the same matter is not accepted again).
FINAL_MATTER_BLOCKED = frozenset({"report_leader", "assign", "transfer", "reject"})


def transition_get(name):
    """The transition called ``name`` or None."""
    return TRANSITIONS.get(name)
