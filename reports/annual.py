"""信访情况年度报告 (条例第四十一条): the figures of a level's year and the tables, PDF and Excel that
carry them with the report's editable text sections (docs/reports.md §3.9).

The 条例 lists what the report covers: the statistics of petitions received, the areas they concern
and the organs complained about most, the 转送/交办/督办 figures, and the suggestions made and how
they were adopted. ``annual_figures`` computes them in SQL for one organization's scope and one
calendar year (population of docs/reports.md §1, source 全部); a saved report keeps its figures as
they were when saved (``AnnualReport.figures``), next to its text, so what was sent upwards does not
change when later corrections arrive.
"""
from datetime import date

from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from petitions import clock
from petitions.models import (
    Assignment, AssignmentKind, CaseOutcome, HandlingOpinion, Hearing, MatterClass, Mediation, MediationOutcome,
    ReviewLevel, ReviewRequest, Supervision,
)

from reports import procedures as p
from reports import selectors as s
from reports.tables import ROW_GROUP, ROW_TOTAL, Column, Table, pct

TOP_ORGANS = 10
TEXT_MAX = 20000  # characters of one text section
# The text sections of the report, in its order: (field of AnnualReport, heading).
SECTIONS = (
    ("overview", gettext_lazy("一、信访总体情况")),
    ("areas_text", gettext_lazy("二、信访事项涉及领域")),
    ("organs_text", gettext_lazy("三、被反映较多的机关、单位")),
    ("routing_text", gettext_lazy("四、转送、交办、督办情况")),
    ("suggestions_text", gettext_lazy("五、提出的意见建议及采纳情况")),
)


def annual_scope(org, year):
    return s.Scope(org=org, period=s.Period(date(year, 1, 1), date(year, 12, 31)), source=s.SOURCE_ALL)


def annual_figures(user, org, year, *, today=None):
    """The figures of ``year`` for ``org``'s scope, as a JSON-ready dict (stored with a saved
    report). Empty counts for a user without the right to the scope."""
    scope = annual_scope(org, year)
    cases = s.statistics_cases(user, scope)
    volume = cases.aggregate(
        total=s.count(), letter=s.count(s.channel_q("letter")), visit_b=s.batches(), visit_p=s.persons(),
        online=s.count(s.channel_q("online")), phone=s.count(s.channel_q("phone")),
        referral=s.count(s.channel_q("referral")), first=s.count(s.FIRST_Q), repeat=s.count(s.REPEAT_Q),
        collective_b=s.batches(s.COLLECTIVE_Q), done=s.count(Q(status__in=s.DONE_STATUSES)),
        rejected=s.count(s.REFUSED_Q), routed=s.count(s.ROUTED_Q),
        suggestion=s.count(Q(matter_class=MatterClass.SUGGESTION)),
        accusation=s.count(Q(matter_class=MatterClass.ACCUSATION)),
        appeal=s.count(Q(matter_class=MatterClass.APPEAL)),
        legal=s.count(Q(outcome=CaseOutcome.LEGAL)), discipline=s.count(Q(outcome=CaseOutcome.DISCIPLINE)),
        guided=s.count(Q(outcome=CaseOutcome.GUIDED)), settled=s.count(Q(outcome=CaseOutcome.SETTLED)),
        simple=s.count(p.SIMPLE_APPLIED_Q), urgent=s.count(Q(is_urgent=True)),
        # 意见建议: 建议意见类 answered, and those answered 支持 or 部分支持 (adopted in full or in part).
        sg_answered=s.count(Q(matter_class=MatterClass.SUGGESTION, answered_at__isnull=False)),
        sg_adopted=s.count(Q(matter_class=MatterClass.SUGGESTION,
                             handling_opinion__in=(HandlingOpinion.SUPPORT, HandlingOpinion.PARTIAL))),
    )
    volume = {k: v or 0 for k, v in volume.items()}
    areas = [(label, n) for label, n in s.series_by_problem(cases) if n]
    areas.sort(key=lambda pair: -pair[1])
    organs = [(row["responsible_unit"], row["n"]) for row in cases.exclude(responsible_unit="").values(
        "responsible_unit").annotate(n=Count("pk")).order_by("-n", "responsible_unit")[:TOP_ORGANS]]
    case_ids = cases.values("pk")
    assignments = Assignment.objects.filter(case_id__in=case_ids).aggregate(
        assign=Count("pk", filter=Q(kind=AssignmentKind.ASSIGN)),
        transfer=Count("pk", filter=Q(kind=AssignmentKind.TRANSFER)))
    _areas, sv = p.supervision_urgent_counts(user, scope, today=today)
    supervision = {key: sum(row[key] for row in sv.values()) for key in next(iter(sv.values()), {})}
    reviews = ReviewRequest.objects.filter(case_id__in=case_ids).aggregate(
        review=Count("pk", filter=Q(level=ReviewLevel.REVIEW)), recheck=Count("pk", filter=Q(level=ReviewLevel.RECHECK)))
    # computed_at is stored with the figures (JSON) and shown as it is: local time to the minute.
    return {
        "org": org.name, "year": year, "computed_at": timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M"),
        "volume": volume, "areas": areas, "organs": organs,
        "routing": {**{k: v or 0 for k, v in assignments.items()}, **{k: v or 0 for k, v in reviews.items()},
                    "hearings": Hearing.objects.filter(case_id__in=case_ids).count(),
                    "mediations": Mediation.objects.filter(case_id__in=case_ids).count(),
                    "mediations_agreed": Mediation.objects.filter(
                        case_id__in=case_ids, outcome=MediationOutcome.AGREED).count()},
        "supervision": supervision,
        "feedback_adopted": sum(1 for text in _feedback_texts(case_ids) if text.strip() not in ("", "无")),
    }


def _feedback_texts(case_ids):
    return Supervision.objects.filter(case_id__in=case_ids, feedback_at__isnull=False).values_list(
        "feedback_adopted", flat=True)


def _pairs_table(title, subtitle, rows, *, value_label, share_of=None, sheet_name):
    """A two- or three-column table (项目, value, 占比)."""
    columns = [Column(_("项目"), "label", "text"), Column(value_label, "n")]
    if share_of is not None:
        columns.append(Column(_("占比"), "share", "pct"))
    table = Table(title=title, subtitle=subtitle, columns=columns, sheet_name=sheet_name)
    for row in rows:
        if row[0] == ROW_GROUP:
            table.add({"label": str(row[1])}, kind=ROW_GROUP)
            continue
        label, n = row
        values = {"label": str(label), "n": n}
        if share_of is not None:
            values["share"] = pct(n, share_of)
        table.add(values, level=1 if share_of is None else 0)
    return table


def annual_tables(figures):
    """The report's tables from its figures (page, PDF and Excel show the same)."""
    v, r, sv = figures["volume"], figures["routing"], figures.get("supervision", {})
    subtitle = _("%(org)s　%(year)s年1月1日至12月31日") % {"org": figures["org"], "year": figures["year"]}
    total = v["total"]
    volume = _pairs_table(_("信访总量与形式"), subtitle, [
        (_("信访总量（件次）"), total), (_("来信（件）"), v["letter"]), (_("来访（批次）"), v["visit_b"]),
        (_("来访（人次）"), v["visit_p"]), (_("其中集体访（批次）"), v["collective_b"]), (_("网上信访（件）"), v["online"]),
        (_("来电（件）"), v["phone"]), (_("上级交办（件）"), v["referral"]), (_("初信初访（件）"), v["first"]),
        (_("重复信访（件）"), v["repeat"]), (_("建议意见类（件）"), v["suggestion"]),
        (_("检举控告类（件）"), v["accusation"]), (_("申诉求决类（件）"), v["appeal"]),
        (_("已办结（件）"), v["done"]), (_("重大紧急事项（件）"), v["urgent"]),
    ], value_label=_("数量"), sheet_name="总体情况")
    areas = _pairs_table(_("信访事项涉及领域（所属问题一级分类）"), subtitle, figures["areas"], value_label=_("件次"),
                         share_of=total, sheet_name="涉及领域")
    organs = _pairs_table(_("被反映较多的机关、单位（前%(n)d位）") % {"n": TOP_ORGANS}, subtitle, figures["organs"],
                          value_label=_("件次"), share_of=total, sheet_name="被反映单位")
    routing = _pairs_table(_("转送、交办、督办情况"), subtitle, [
        (ROW_GROUP, _("转送、交办")),
        (_("交办（单位次）"), r["assign"]), (_("转办（单位次）"), r["transfer"]),
        (_("转送政法机关（件）"), v["legal"]), (_("转送纪检监察机关（件）"), v["discipline"]),
        (_("导入法定途径（件）"), v["guided"]), (_("不予受理、不再受理（件）"), v["rejected"]),
        (ROW_GROUP, _("督办")),
        (_("督办下发（次）"), sv.get("sv_issued", 0)), (_("按期书面反馈（次）"), sv.get("sv_on_time", 0)),
        (_("逾期反馈（次）"), sv.get("sv_late", 0)), (_("逾期未反馈（次）"), sv.get("sv_overdue", 0)),
        (_("逾期升级（次）"), sv.get("sv_escalated", 0)),
        (ROW_GROUP, _("办理方式")),
        (_("简易办理（件）"), v["simple"]), (_("听证（次）"), r["hearings"]),
        (_("调解和解（次）"), r["mediations"]), (_("调解和解结案（件）"), v["settled"]),
        (_("复查申请（件）"), r["review"]), (_("复核申请（件）"), r["recheck"]),
    ], value_label=_("数量"), sheet_name="转送交办督办")
    suggestions = Table(title=_("意见建议及采纳情况"), subtitle=subtitle, sheet_name="意见建议",
                        columns=[Column(_("项目"), "label", "text"), Column(_("数量"), "n"),
                                 Column(_("比例"), "rate", "pct")])
    for label, n in ((_("建议意见类事项（件）"), v["suggestion"]), (_("已答复（件）"), v["sg_answered"]),
                     (_("全部或部分采纳（件）"), v["sg_adopted"]),
                     (_("督办反馈中采纳督办建议（次）"), figures.get("feedback_adopted", 0))):
        suggestions.add({"label": str(label), "n": n})
    suggestions.add({"label": str(_("采纳率（采纳 ÷ 已答复）")), "n": None,
                     "rate": pct(v["sg_adopted"], v["sg_answered"])}, kind=ROW_TOTAL)
    return [volume, areas, organs, routing, suggestions]


def annual_sections(report):
    """[(heading, text)] of the editable sections (empty texts included)."""
    return [(heading, getattr(report, field, "") if report is not None else "") for field, heading in SECTIONS]


def annual_pdf(*, title, figures, sections):
    """The report as PDF (WeasyPrint, like the documents app's notices; the CJK font shipped with the
    reports is embedded)."""
    from weasyprint import HTML

    html = render_to_string("reports/annual_pdf.html", {
        "title": title, "figures": figures, "sections": sections, "tables": annual_tables(figures),
        "font_url": settings.CJK_FONT_PATH.as_uri(),
    })
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
