"""Two tables of the procedures of docs/domain.md §3.5 (docs/reports.md §3.7–3.8), built like the six
of ``reports.definitions`` (areas with 小计 and 合计, the statistical form block):

- 信访统计8表 信访事项分类及办理方式统计表: the three classes, routing out, 调解和解, 听证 and the
  简易办理 line (简易办理率, 按期率);
- 信访统计9表 督办及重大紧急事项统计表: 督办 with its written feedback, 重大紧急 alerts and 回避.
"""
from django.utils.translation import gettext_lazy as _

from reports import procedures as p
from reports.definitions import UNIT, ReportDef, _area_rows, _subtitle
from reports.tables import Column, Table, pct


def class_procedure_report(user, scope, *, today=None):
    areas, values = p.class_procedure_counts(user, scope, today=today)
    columns = [
        Column(_("单位"), UNIT, "text"),
        Column(_("信访总量（件）"), "total"),
        Column(_("按类别（件）"), children=[
            Column(_("建议意见类"), "cl_suggestion"), Column(_("检举控告类"), "cl_accusation"),
            Column(_("申诉求决类"), "cl_appeal"), Column(_("未分类"), "cl_none")]),
        Column(_("转出办理（件）"), children=[
            Column(_("转送政法机关"), "out_legal"), Column(_("转送纪检监察机关"), "out_discipline"),
            Column(_("导入法定途径"), "out_guided")]),
        Column(_("调解和解"), children=[
            Column(_("组织（件）"), "mediation"), Column(_("调解和解结案（件）"), "out_settled")]),
        Column(_("听证（件）"), "hearing"),
        Column(_("简易办理"), children=[
            Column(_("已受理（件）"), "accepted"), Column(_("适用（件）"), "simple"),
            Column(_("转为普通程序（件）"), "simple_converted"), Column(_("简易办理率"), "simple_pct", "pct"),
            Column(_("应办结（件）"), "sm_due"), Column(_("按期办结（件）"), "sm_ok"),
            Column(_("按期率"), "simple_ok_pct", "pct")]),
    ]
    table = Table(title=str(_("信访事项分类及办理方式统计表")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="分类及办理方式",
                  notes=[_("口径：登记时间在统计期间内的信访件，按登记机构所在地区统计。类别为《信访工作条例》第二十九至三十一条的三类；"
                           "简易办理率 = 适用简易办理 ÷ 已受理；按期率 = 受理之日起10个工作日内答复 ÷ 应办结"
                           "（仍为简易办理且已答复或已过期限者，转为普通程序的不计）。")])

    def derive(row):
        row["simple_pct"] = pct(row["simple"], row["accepted"])
        row["simple_ok_pct"] = pct(row["sm_ok"], row["sm_due"])
        return row

    return _area_rows(table, areas, values, derive)


def supervision_urgent_report(user, scope, *, today=None):
    areas, values = p.supervision_urgent_counts(user, scope, today=today)
    columns = [
        Column(_("单位"), UNIT, "text"),
        Column(_("督办"), children=[
            Column(_("下发（次）"), "sv_issued"), Column(_("按期反馈（次）"), "sv_on_time"),
            Column(_("逾期反馈（次）"), "sv_late"), Column(_("逾期未反馈（次）"), "sv_overdue"),
            Column(_("未到期待反馈（次）"), "sv_waiting"), Column(_("逾期升级（次）"), "sv_escalated"),
            Column(_("按期反馈率"), "sv_on_time_pct", "pct")]),
        Column(_("重大紧急事项"), children=[
            Column(_("标记（件）"), "ur_cases"), Column(_("报告（次）"), "ur_alerts"),
            Column(_("按时签收（次）"), "ur_ack_on_time"), Column(_("超时签收（次）"), "ur_ack_late"),
            Column(_("超时升级（次）"), "ur_escalated"), Column(_("按时签收率"), "ur_on_time_pct", "pct")]),
        Column(_("回避（人次）"), "recusals"),
    ]
    table = Table(title=str(_("督办及重大紧急事项统计表")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="督办及重大紧急事项",
                  notes=[_("口径：督办按下发时间、重大紧急按标记和报告时间、回避按决定时间落入统计期间计，按信访件登记机构所在地区统计。"
                           "按期反馈率 = 按期反馈 ÷（下发 − 未到期待反馈）；按时签收率 = 按时签收 ÷ 报告；"
                           "每一层级的报告（含升级后的报告）各计一次。")])

    def derive(row):
        row["sv_on_time_pct"] = pct(row["sv_on_time"], row["sv_issued"] - row["sv_waiting"])
        row["ur_on_time_pct"] = pct(row["ur_ack_on_time"], row["ur_alerts"])
        return row

    return _area_rows(table, areas, values, derive)


PROCEDURE_REPORTS = (
    ReportDef("classes-procedures", _("信访事项分类及办理方式统计表"), class_procedure_report,
              _("三类信访事项、转送政法机关和纪检监察机关、导入法定途径、调解和解、听证与简易办理（简易办理率、按期率）。"),
              form_number=_("信访统计8表")),
    ReportDef("supervision-urgent", _("督办及重大紧急事项统计表"), supervision_urgent_report,
              _("督办下发与书面反馈（按期、逾期、升级），重大紧急事项的报告、签收与升级，回避人次。"),
              form_number=_("信访统计9表")),
)
