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
    ROUTED_OUT = "routed_out", _("已转出")
    VOIDED = "voided", _("已作废")


OPEN_STATUSES = frozenset({
    Status.PENDING, Status.AWAITING_INSTRUCTION, Status.AWAITING_ACCEPTANCE, Status.IN_PROGRESS,
    Status.RESULT_REPORTED, Status.REVIEWING, Status.RECHECKING,
})
FINISHED_STATUSES = frozenset({Status.CLOSED, Status.ARCHIVED, Status.REJECTED, Status.NOT_REACCEPTED,
                               Status.ROUTED_OUT})
# A registration made in error (作废): it keeps its number and its trail, and leaves every list and
# statistic; opened by number it shows as 已作废.
VOIDED_STATUSES = frozenset({Status.VOIDED})
# What may be voided once it has left the pool (with a second person's approval).
VOIDABLE_LATER = frozenset(set(Status) - {Status.PENDING, Status.ARCHIVED, Status.VOIDED})
# The matter was lawfully not (or no longer) accepted (条例第二十三条、第三十六条第三款).
REFUSED_STATUSES = frozenset({Status.REJECTED, Status.NOT_REACCEPTED})
# The matter left the petition procedure for the organ or the procedure the law gives it (转送政法机关、
# 纪检监察机关, 导入诉讼、仲裁、行政复议等法定途径: 条例第二十二条第二款、第三十条、第三十一条).
ROUTED_STATUSES = frozenset({Status.ROUTED_OUT})
# 办结 for the statistics: an answer (处理意见) was given, or the matter was finished, routed out or
# lawfully not accepted; cases under 复查/复核 are open again and do not count.
DONE_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED, Status.ARCHIVED, *REFUSED_STATUSES, *ROUTED_STATUSES})
# The petitioner may evaluate the answer (满意度评价).
EVALUABLE_STATUSES = frozenset({Status.ANSWERED, Status.CLOSED})
# ``Case.answer_text`` is the answer given to the petitioner (shown on the portal).
ANSWER_GIVEN_STATUSES = frozenset({Status.ANSWERED, Status.REVIEWING, Status.RECHECKING, *FINISHED_STATUSES})

TRIAGE = "petitions.triage_case"
INSTRUCT = "petitions.instruct_case"
SUPERVISE = "petitions.supervise_case"
HANDLE = "petitions.handle_case"
REGISTER = "petitions.register_case"
# Everyone who works on cases (回避 may concern any of them).
STAFF = (TRIAGE, REGISTER, INSTRUCT, SUPERVISE, HANDLE)
# States in which a case can still be acted on at all.
LIVE_STATUSES = frozenset(set(Status) - {Status.ARCHIVED, Status.VOIDED})


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
    _t("archive", _("归档"), {S.CLOSED, S.REJECTED, S.NOT_REACCEPTED, S.ROUTED_OUT}, S.ARCHIVED, TRIAGE,
       rule=format_lazy(_("{holder}；复查、复核申请期限届满后"), holder=HOLDER_RULE)),
    _t("publish_reply", _("公开答复"), {S.ANSWERED, S.CLOSED}, None, TRIAGE, requires_note=True,
       note_label=_("公开答复内容"), rule=format_lazy(_("{holder}；保密件不得公开"), holder=HOLDER_RULE),
       inputs=_("公开答复内容")),
    _t("supervise", _("督办"), OPEN_STATUSES, None, SUPERVISE, requires_note=True, note_label=_("督办要求"),
       rule=_("领导或督查员，该件在本人管辖范围内；须填写督办要求和期限；承办人收到提醒"),
       inputs=_("督办要求、督办期限")),
    _t("mark_viewed", _("标记查看"), set(Status) - {S.ARCHIVED, S.VOIDED}, None, TRIAGE, alt_permissions=(HANDLE,),
       rule=format_lazy(_("{holder}，或收到交办（转办）的承办单位的承办人"), holder=HOLDER_RULE)),
    # --- 条例第二十九至三十一条: the three classes ---------------------------------------------------
    _t("reclassify", _("调整类别"), LIVE_STATUSES, None, TRIAGE, requires_note=True, note_label=_("调整理由"),
       rule=format_lazy(_("{holder}；登记时按信访目的和所属问题提出类别（建议意见类、检举控告类、申诉求决类），"
                          "可改为其他类别并说明理由"), holder=HOLDER_RULE),
       inputs=_("信访事项类别、调整理由")),
    # --- routing out (条例第二十二条第二款、第三十条、第三十一条) ----------------------------------------
    _t("route_legal", _("转送政法机关"), {S.PENDING}, S.ROUTED_OUT, TRIAGE, requires_note=True,
       note_label=_("转送意见"),
       rule=format_lazy(_("{holder}；涉法涉诉事项转送同级政法机关依法处理（条例第二十二条第二款），出具转送单；"
                          "该件在本系统内以“已转出”终结"), holder=HOLDER_RULE),
       inputs=_("接收的政法机关（同级）、转送意见")),
    _t("route_discipline", _("转送纪检监察"), {S.PENDING}, S.ROUTED_OUT, TRIAGE, requires_note=True,
       note_label=_("转送意见"),
       rule=format_lazy(_("{holder}；仅限检举控告类事项，按干部管理权限转送纪检监察机关（条例第二十二条第二款、第三十条），"
                          "出具转送单；保密件不得转给被检举单位及其下级，查阅仍限于授权人员"), holder=HOLDER_RULE),
       inputs=_("接收的纪检监察机关、转送意见")),
    _t("guide_procedure", _("导入法定途径"), {S.PENDING}, S.ROUTED_OUT, TRIAGE, requires_note=True,
       note_label=_("告知内容"),
       rule=format_lazy(_("{holder}；应当通过诉讼、仲裁、行政复议等法定途径解决的事项（条例第三十一条第一至四项），"
                          "书面告知信访人向有关机关提出"), holder=HOLDER_RULE),
       inputs=_("法定途径（诉讼、仲裁、行政复议、其他法定程序）、告知内容")),
    # --- 简易办理 -----------------------------------------------------------------------------------
    _t("apply_simple", _("简易办理"), {S.PENDING, S.IN_PROGRESS}, None, TRIAGE, alt_permissions=(HANDLE,),
       rule=format_lazy(_("待分流时为{holder}（本机构受理并简易办理），办理中为已受理单位的承办人；"
                          "事实清楚、责任明确的初次信访，咨询、建议、感谢，需及时答复的日常事项或已有明确承诺的事项；"
                          "自受理之日起10个工作日内答复，期限已过的不能适用"), holder=HOLDER_RULE),
       inputs=_("适用情形、说明")),
    _t("convert_ordinary", _("转为普通程序"), {S.PENDING, S.AWAITING_ACCEPTANCE, S.IN_PROGRESS, S.RESULT_REPORTED},
       None, TRIAGE, alt_permissions=(HANDLE,), requires_note=True, note_label=_("转换理由"),
       rule=format_lazy(_("{holder}或已受理单位的承办人；简易办理的事项不能在10个工作日内办结的，转为普通程序，"
                          "办理期限自受理之日起重新计算（60日）"), holder=HOLDER_RULE),
       inputs=_("转换理由")),
    # --- 听证 (条例第三十一条、第三十六条第二款) -------------------------------------------------------
    _t("schedule_hearing", _("安排听证"), {S.IN_PROGRESS, S.RECHECKING}, None, HANDLE, alt_permissions=(TRIAGE,),
       rule=_("办理中为已受理单位的承办人（申诉求决类的重大、复杂、疑难事项，不适用简易办理），复核中为复核机关的分流员；"
              "自安排之日起暂停计算办理（复核）期限，每件同时只能有一次未结束的听证"),
       inputs=_("听证时间、地点、参加人员、主持人")),
    _t("record_hearing", _("听证结论"), {S.IN_PROGRESS, S.RECHECKING}, None, HANDLE, alt_permissions=(TRIAGE,),
       requires_note=True, note_label=_("听证结论"),
       rule=_("组织听证的单位；记录听证笔录和结论后恢复计时，听证所用天数（安排之日至结论之日）不计入期限，期限相应顺延"),
       inputs=_("听证笔录、听证结论")),
    # --- 调解 / 和解 (条例第三十三条) -----------------------------------------------------------------
    _t("record_mediation", _("调解和解"), {S.PENDING, S.IN_PROGRESS}, S.CLOSED, HANDLE, alt_permissions=(TRIAGE,),
       requires_note=True, note_label=_("调解（和解）情况"), alt_targets=frozenset({S.PENDING, S.IN_PROGRESS}),
       rule=format_lazy(_("申诉求决类事项；待分流时为{holder}，办理中为已受理单位的承办人；达成调解协议或和解协议的，"
                          "以调解和解结案（已办结），未达成的继续办理"), holder=HOLDER_RULE),
       inputs=_("方式（调解/和解）、当事人、日期、结果、协议内容、协议书扫描件")),
    # --- 回避 (条例第二十八条第三款) ------------------------------------------------------------------
    _t("declare_recusal", _("申请回避"), LIVE_STATUSES, None, HANDLE, alt_permissions=(TRIAGE, REGISTER, INSTRUCT,
                                                                                   SUPERVISE),
       requires_note=True, note_label=_("回避理由"),
       rule=_("可见该件的工作人员本人，与信访事项或信访人有直接利害关系的；回避后不能再被选为该件的呈报领导、"
              "不再收到该件的提醒，任何途径都不能办理该件"),
       inputs=_("回避理由")),
    _t("order_recusal", _("责令回避"), LIVE_STATUSES, None, INSTRUCT, requires_note=True, note_label=_("回避理由"),
       rule=_("领导，该件在本人管辖范围内；被责令回避的人员须为本人管辖范围内的工作人员"),
       inputs=_("回避人员、回避理由")),
    # --- 督办反馈 (条例第四十条第四款) -----------------------------------------------------------------
    _t("supervision_feedback", _("督办反馈"), OPEN_STATUSES | {S.ANSWERED, S.CLOSED}, None, HANDLE,
       alt_permissions=(TRIAGE,), requires_note=True, note_label=_("办理情况"),
       rule=_("被督办的单位（该件的承办单位的承办人，或持有该件的信访工作机构的分流员）；在督办期限内书面反馈办理情况和采纳建议情况，"
              "逾期未反馈的提示督办人并报上一级"),
       inputs=_("督办事项、办理情况、采纳建议情况")),
    # --- 重大、紧急 (条例第二十五条) ------------------------------------------------------------------
    _t("mark_urgent", _("标记重大紧急"), OPEN_STATUSES, None, TRIAGE, alt_permissions=(REGISTER, INSTRUCT, SUPERVISE,
                                                                                    HANDLE),
       requires_note=True, note_label=_("紧急情况"),
       rule=_("可见该件的工作人员；立即报告本级和上一级的值班领导（站内提醒、短信、邮件），须在规定时间内签收，"
              "逾时未签收的报再上一级"),
       inputs=_("紧急情况")),
    _t("acknowledge_alert", _("签收紧急报告"), LIVE_STATUSES, None, INSTRUCT, alt_permissions=(TRIAGE, SUPERVISE),
       rule=_("收到该件紧急报告的值班人员本人"),
       inputs=_("处置意见（可选）")),
    _t("void", _("作废"), {S.PENDING}, S.VOIDED, TRIAGE, requires_note=True, note_label=_("作废理由"),
       rule=format_lazy(_("{holder}；仅限尚在分流池的登记（登记有误、重复登记）；编号保留，退出各类列表和统计，"
                          "办理记录和审计日志保留"), holder=HOLDER_RULE),
       inputs=_("作废理由")),
    _t("request_void", _("申请作废"), VOIDABLE_LATER, None, TRIAGE, requires_note=True, note_label=_("作废理由"),
       rule=format_lazy(_("{holder}；已离开分流池的件须由另一人审批后方可作废"), holder=HOLDER_RULE),
       inputs=_("作废理由")),
    _t("approve_void", _("批准作废"), VOIDABLE_LATER, S.VOIDED, TRIAGE, alt_permissions=(INSTRUCT,),
       rule=format_lazy(_("{holder}或领导，且不是作废申请人；作废后未办结的交办一并撤销"), holder=HOLDER_RULE)),
    _t("refuse_void", _("不予作废"), VOIDABLE_LATER, None, TRIAGE, alt_permissions=(INSTRUCT,), requires_note=True,
       note_label=_("不予作废理由"), rule=format_lazy(_("{holder}或领导，且不是作废申请人"), holder=HOLDER_RULE),
       inputs=_("不予作废理由")),
)}

# While a case is the repeat of a matter that has been through 复核, only these actions are open
# on it in the pool (《信访工作条例》第三十六条第三款: the same matter is not accepted again).
FINAL_MATTER_BLOCKED = frozenset({"report_leader", "assign", "transfer", "reject", "route_legal", "route_discipline",
                                  "guide_procedure", "apply_simple", "record_mediation"})


def transition_get(name):
    """The transition called ``name`` or None."""
    return TRANSITIONS.get(name)

# The usual next step in each state: the one button a page shows as primary (the others are there
# for the exceptions).
USUAL_NEXT = {
    Status.PENDING: "assign", Status.AWAITING_INSTRUCTION: "instruct", Status.AWAITING_ACCEPTANCE: "accept",
    Status.IN_PROGRESS: "report_result", Status.RESULT_REPORTED: "approve_result", Status.ANSWERED: "close",
    Status.REVIEWING: "review_decision", Status.RECHECKING: "recheck_decision", Status.CLOSED: "archive",
}

# Trail entries that are not transitions of the table (their labels sit with the transitions').
EVENT_LABELS = {
    "register": _("登记"),
    "answer_face_to_face": _("当面答复"),
    "overdue": _("超期"),
    "evaluate": _("满意度评价"),
    "correct": _("更正登记"),
    "issue_document": _("出具文书"),  # documents app
    "deliver_document": _("文书送达"),
    "urgent_alert": _("紧急报告"),
    "urgent_escalated": _("紧急报告升级"),
    "supervision_escalated": _("督办反馈逾期升级"),
    "history_import": _("历史数据导入"),
    "leader_charge": _("领导包案"),  # cockpit app
    "leader_charge_end": _("解除包案"),
}


def event_label(action):
    """The Chinese name of a trail entry: a transition's label or one of ``EVENT_LABELS``."""
    if action in EVENT_LABELS:
        return EVENT_LABELS[action]
    transition = TRANSITIONS.get(action)
    return transition.label if transition is not None else action
