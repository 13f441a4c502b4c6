"""The six statistical reports and the KPI table, each built as a ``reports.tables.Table``.

Every definition (which cases count in which cell, and why) is written out in docs/reports.md;
the section numbers below refer to it. Builders only arrange numbers: measures (``reports.cubes``)
summed from the statistics aggregates (``figures=cubes.CELLS``, what every page reads), or counted
from the case tables (``figures=cubes.CASES``, the from-scratch computation the aggregates must equal).
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from petitions import clock
from petitions.models.dictionary import DictKind

from reports import cubes as c
from reports import selectors as s
from reports.tables import ROW_DATA, ROW_GROUP, ROW_SUBTOTAL, ROW_TOTAL, Column, FormBlock, Table, pct

UNIT = "label"  # key of the first (row label) column


def _subtitle(scope):
    return str(_("统计时间：%(period)s　　统计范围：%(scope)s")) % {
        "period": scope.period.label(), "scope": scope.label()}


def _area_rows(table, areas, values, derive):
    """本级 and each territorial child, then 小计 of the children (if any), then 合计.

    ``values`` maps area key → raw counts; ``derive(dict)`` adds the computed columns (percentages)
    so that subtotal and total rows get them computed from their own sums, not averaged.
    """
    def summed(keys):
        out = {}
        for key in keys:
            for m, v in values[key].items():
                out[m] = out.get(m, 0) + (v or 0)
        return out

    for area in areas:
        row = dict(values[area.key])
        row[UNIT] = area.label
        table.add(derive(row), level=0 if area.is_self else 1)
    children = [a for a in areas if not a.is_self]
    if children:
        kinds = {a.org.kind for a in children}
        label = _("各县（市）小计") if kinds == {"county"} else (
            _("各乡镇（街道）小计") if kinds == {"township"} else _("下级小计"))
        row = summed(a.key for a in children)
        row[UNIT] = str(label)
        table.add(derive(row), kind=ROW_SUBTOTAL)
    total = summed(a.key for a in areas)
    total[UNIT] = str(_("合计"))
    table.add(derive(total), kind=ROW_TOTAL)
    return table


def _pair(label, key):
    """A 批次/人次 header pair under ``label``."""
    return Column(label, children=[Column(_("批次"), f"{key}_b"), Column(_("人次"), f"{key}_p")])


# ---------------------------------------------------------------- 1. 上访层次统计表 (§3.1)

def visit_level_report(user, scope, *, figures=c.CELLS):
    levels = s.dict_entries(DictKind.VISIT_LEVEL)
    visits = c.VISIT_LIKE
    measures = {"all_b": c.cases(visits), "all_p": c.persons(visits)}
    for key, pred in (("none", c.NO_VISIT_LEVEL), ("col", c.COLLECTIVE), ("skip", c.SKIP)):
        measures[f"{key}_b"] = c.cases(visits & pred)
        measures[f"{key}_p"] = c.persons(visits & pred)
    for level in levels:
        measures[f"l{level.pk}_b"] = c.cases(visits & c.visit_level(level.pk))
        measures[f"l{level.pk}_p"] = c.persons(visits & c.visit_level(level.pk))
    areas, values = figures.by_area(user, scope, measures)
    columns = [Column(_("单位"), UNIT, "text")]
    columns += [_pair(level.name, f"l{level.pk}") for level in levels]
    columns += [
        _pair(_("未注明层次"), "none"),
        _pair(_("合计"), "all"),
        _pair(_("其中：集体访"), "col"),
        _pair(_("其中：越级访"), "skip"),
        Column(_("越级访占比（批次）"), "skip_pct", "pct"),
    ]
    table = Table(title=str(_("上访层次统计表")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="上访层次统计表",
                  notes=[_("口径：来访及上级交办的来访（有上访层次者）；一次集体访计1批次、按来访人数计人次。")])

    def derive(row):
        row["skip_pct"] = pct(row["skip_b"], row["all_b"])
        return row

    return _area_rows(table, areas, values, derive)


# ---------------------------------------------------------------- 2. 初信初访分类统计表 (§3.2)

FIRST_CHANNEL_COLUMNS = ("letter", "online", "phone", "referral")


def first_petition_report(user, scope, *, figures=c.CELLS):
    measures = {"total": c.cases(), "first": c.cases(c.FIRST),
                "visit_b": c.cases(c.FIRST & c.VISIT), "visit_p": c.persons(c.FIRST & c.VISIT)}
    for key in FIRST_CHANNEL_COLUMNS:
        measures[key] = c.cases(c.FIRST & c.channel_group(key))
    # Registered 所属问题 are folded into their first-level category.
    top = s.problem_top_map()
    problem_rows = {}
    for problem_id, row in figures.by_entry(user, scope, "problem", measures).items():
        acc = problem_rows.setdefault(top.get(problem_id) if problem_id is not None else None,
                                      dict.fromkeys(measures, 0))
        for m in measures:
            acc[m] += row[m]
    by_purpose = figures.by_entry(user, scope, "purpose", measures)

    columns = [
        Column(_("分类"), UNIT, "text"),
        Column(_("信访总量（件次）"), "total"),
        Column(_("初信初访"), children=[
            Column(_("合计（件次）"), "first"),
            Column(_("来信（件）"), "letter"),
            Column(_("来访"), children=[Column(_("批次"), "visit_b"), Column(_("人次"), "visit_p")]),
            Column(_("网上信访（件）"), "online"),
            Column(_("来电（件）"), "phone"),
            Column(_("上级交办（件）"), "referral"),
        ]),
        Column(_("初信初访占本类信访量比例"), "first_pct", "pct"),
        Column(_("占初信初访总量比例"), "share_pct", "pct"),
    ]
    table = Table(title=str(_("初信初访分类统计表")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="初信初访分类统计表",
                  notes=[_("口径：初信初访指未标记为重复信访的信访件；按所属问题（一级分类，下级分类计入所属一级）"
                           "和按信访目的两种分类各自合计，两组小计均等于合计。")])
    grand = dict.fromkeys(measures, 0)
    for vals in problem_rows.values():
        for m, v in vals.items():
            grand[m] += v

    def derive(row):
        row["first_pct"] = pct(row["first"], row["total"])
        row["share_pct"] = pct(row["first"], grand["first"])
        return row

    table.add(derive({**grand, UNIT: str(_("合计"))}), kind=ROW_TOTAL)
    groups = (
        (_("一、按所属问题"), s.dict_entries(DictKind.PROBLEM, top_level_only=True), problem_rows, _("未分类")),
        (_("二、按信访目的"), s.dict_entries(DictKind.PURPOSE), by_purpose, _("未填写")),
    )
    for heading, entries, data, none_label in groups:
        table.add({UNIT: str(heading)}, kind=ROW_GROUP)
        for entry in entries:
            table.add(derive({**dict.fromkeys(measures, 0), **data.get(entry.pk, {}), UNIT: entry.name}), level=1)
        if data.get(None):
            table.add(derive({**dict.fromkeys(measures, 0), **data[None], UNIT: str(none_label)}), level=1)
        table.add(derive({**grand, UNIT: str(_("小计"))}), kind=ROW_SUBTOTAL)
    return table


# ---------------------------------------------------------------- 3. 地方信访工作机构信访数据统计表 (§3.3)

def bureau_data_report(user, scope, *, figures=c.CELLS):
    measures = {
        "total": c.cases(),
        "letter": c.cases(c.channel_group("letter")),
        "visit_b": c.cases(c.VISIT), "visit_p": c.persons(c.VISIT),
        "col_b": c.cases(c.VISIT & c.COLLECTIVE), "col_p": c.persons(c.VISIT & c.COLLECTIVE),
        "online": c.cases(c.channel_group("online")),
        "phone": c.cases(c.channel_group("phone")),
        "referral": c.cases(c.channel_group("referral")),
        "first": c.cases(c.FIRST),
        "repeat": c.cases(c.REPEAT),
        "skip": c.cases(c.VISIT_LIKE & c.SKIP),
        "done": c.cases(c.DONE_PRED),
    }
    areas, values = figures.by_area(user, scope, measures)
    columns = [
        Column(_("单位"), UNIT, "text"),
        Column(_("信访总量（件次）"), "total"),
        Column(_("来信（件）"), "letter"),
        Column(_("来访"), children=[
            Column(_("批次"), "visit_b"), Column(_("人次"), "visit_p"),
            _pair(_("其中：集体访"), "col"),
        ]),
        Column(_("网上信访（件）"), "online"),
        Column(_("来电（件）"), "phone"),
        Column(_("上级交办（件）"), "referral"),
        Column(_("初信初访（件）"), "first"),
        Column(_("重复信访（件）"), "repeat"),
        Column(_("越级访（批次）"), "skip"),
        Column(_("办结情况"), children=[Column(_("已办结（件）"), "done"), Column(_("办结率"), "done_pct", "pct")]),
        Column(_("网信占比"), "online_pct", "pct"),
    ]
    table = Table(title=str(_("地方信访工作机构信访数据统计表")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="信访数据统计表",
                  notes=[_("口径：按登记机构所在地区统计，每件只计一次；信访总量 = 来信 + 来访批次 + 网上信访 + 来电 + 上级交办。"
                           "办结含已答复、已办结、已归档、不予受理、不再受理。")])

    def derive(row):
        row["done_pct"] = pct(row["done"], row["total"])
        row["online_pct"] = pct(row["online"], row["total"])
        return row

    return _area_rows(table, areas, values, derive)


# ---------------------------------------------------------------- 4. 所属问题内容排行表 (§3.4)

def problem_ranking_report(user, scope, *, figures=c.CELLS):
    measures = {"n": c.cases(), "visit_b": c.cases(c.VISIT), "visit_p": c.persons(c.VISIT)}
    current = figures.by_entry(user, scope, "problem", measures)
    prev_scope = s.Scope(org=scope.org, period=scope.period.previous(), source=scope.source)
    previous = figures.by_entry(user, prev_scope, "problem", {"n": c.cases()})
    entries = {e.pk: e for e in s.dict_entries(DictKind.PROBLEM)}
    top = s.problem_top_map()
    total = sum(v["n"] for v in current.values())

    def sort_key(item):
        problem_id, vals = item
        entry = entries.get(problem_id)
        top_entry = entries.get(top.get(problem_id)) if entry else None
        return (-vals["n"], top_entry.sort_order if top_entry else 10**6, entry.sort_order if entry else 10**6,
                entry.code if entry else "")

    columns = [
        Column(_("排名"), "rank"),
        Column(_("问题类别"), "top", "text"),
        Column(_("所属问题"), UNIT, "text"),
        Column(_("件次"), "n"),
        Column(_("占比"), "share_pct", "pct"),
        Column(_("其中来访"), children=[Column(_("批次"), "visit_b"), Column(_("人次"), "visit_p")]),
        Column(_("上期件次"), "prev"),
        Column(_("环比增减"), "change_pct", "pct"),
    ]
    table = Table(title=str(_("所属问题内容排行表")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="所属问题内容排行表", row_header=False,
                  notes=[_("口径：按登记时所选所属问题（末级）统计，件次降序排名，并列同名次；上期为紧邻本期、天数相同的期间 %(prev)s。")
                         % {"prev": prev_scope.period.label()}])
    rank, last_n = 0, None
    for position, (problem_id, vals) in enumerate(sorted(current.items(), key=sort_key), start=1):
        if vals["n"] != last_n:
            rank, last_n = position, vals["n"]
        entry = entries.get(problem_id)
        top_entry = entries.get(top.get(problem_id)) if entry else None
        prev = previous.get(problem_id, {}).get("n", 0)
        table.add({
            "rank": rank, "top": top_entry.name if top_entry else str(_("未分类")),
            UNIT: entry.name if entry else str(_("未分类")), "n": vals["n"], "share_pct": pct(vals["n"], total),
            "visit_b": vals["visit_b"], "visit_p": vals["visit_p"], "prev": prev,
            "change_pct": pct(vals["n"] - prev, prev),
        })
    prev_total = sum(v["n"] for v in previous.values())
    table.add({"rank": None, "top": str(_("合计")), UNIT: "", "n": total, "share_pct": pct(total, total),
               "visit_b": sum(v["visit_b"] for v in current.values()),
               "visit_p": sum(v["visit_p"] for v in current.values()),
               "prev": prev_total, "change_pct": pct(total - prev_total, prev_total)}, kind=ROW_TOTAL)
    return table


# ---------------------------------------------------------------- 5. 群众异常访统计表 (§3.5)

def abnormal_visit_report(user, scope, *, figures=c.CELLS):
    behaviours = s.dict_entries(DictKind.ABNORMAL)
    abnormal = c.ABNORMAL
    areas, values = figures.by_area(user, scope, {
        "visits": c.cases(c.VISIT_LIKE), "ab_b": c.cases(abnormal), "ab_p": c.persons(abnormal),
        "col_b": c.cases(abnormal & c.COLLECTIVE), "col_p": c.persons(abnormal & c.COLLECTIVE),
        "skip_b": c.cases(abnormal & c.SKIP)})
    # Per behaviour (a visit with two behaviours counts once in each behaviour column, once in the total).
    by_behaviour = figures.by_behaviour(user, scope)
    for area in areas:
        for b in behaviours:
            values[area.key][f"b{b.pk}"] = by_behaviour.get((area.key, b.pk), 0)
    columns = [
        Column(_("单位"), UNIT, "text"),
        _pair(_("异常访合计"), "ab"),
        _pair(_("其中：集体访"), "col"),
        Column(_("其中：越级访（批次）"), "skip_b"),
        Column(_("按异常行为分类（批次，一访多种行为分别计）"),
               children=[Column(b.name, f"b{b.pk}") for b in behaviours]),
        Column(_("来访总批次"), "visits"),
        Column(_("异常访占来访比例"), "ab_pct", "pct"),
    ]
    table = Table(title=str(_("群众异常访统计表")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="群众异常访统计表",
                  notes=[_("口径：登记了《信访工作条例》第二十六条所列行为之一的信访件；来访总批次含上级交办的来访。")])

    def derive(row):
        row["ab_pct"] = pct(row["ab_b"], row["visits"])
        return row

    return _area_rows(table, areas, values, derive)


# ---------------------------------------------------------------- 6. 信访数据统计表总表 (§3.6)

def summary_report(user, scope, *, figures=c.CELLS):
    purposes = s.dict_entries(DictKind.PURPOSE)
    # (group heading, [(key, label, unit, measure, share of total?)])
    indicators = [
        (_("一、信访总量"), [("total", _("信访总量"), _("件次"), c.cases(), True)]),
        (_("二、按信访形式"), [
            ("letter", _("来信"), _("件"), c.cases(c.channel_group("letter")), True),
            ("visit_b", _("来访"), _("批次"), c.cases(c.VISIT), True),
            ("visit_p", _("来访"), _("人次"), c.persons(c.VISIT), False),
            ("online", _("网上信访"), _("件"), c.cases(c.channel_group("online")), True),
            ("phone", _("来电"), _("件"), c.cases(c.channel_group("phone")), True),
            ("referral", _("上级交办"), _("件"), c.cases(c.channel_group("referral")), True),
        ]),
        (_("三、按信访目的"), [(f"pu{p.pk}", p.name, _("件"), c.cases(c.purpose(p.pk)), True) for p in purposes]
         + [("pu_none", _("未填写"), _("件"), c.cases(c.purpose(None)), True)]),
        (_("四、按来访性质"), [
            ("ind_b", _("个体访"), _("批次"), c.cases(c.VISIT & ~c.COLLECTIVE), True),
            ("col_b", _("集体访"), _("批次"), c.cases(c.VISIT & c.COLLECTIVE), True),
            ("col_p", _("集体访"), _("人次"), c.persons(c.VISIT & c.COLLECTIVE), False),
        ]),
        (_("五、初信初访与重复信访"), [
            ("first", _("初信初访"), _("件"), c.cases(c.FIRST), True),
            ("repeat", _("重复信访"), _("件"), c.cases(c.REPEAT), True),
        ]),
        (_("六、越级访与异常访"), [
            ("skip", _("越级访"), _("批次"), c.cases(c.VISIT_LIKE & c.SKIP), True),
            ("abnormal", _("异常访"), _("批次"), c.cases(c.ABNORMAL), True),
        ]),
        (_("七、办理情况"), [(f"st_{key}", label, _("件"), c.cases(c.status_group(key)), True)
                          for key, label, _q in s.STATUS_GROUPS]),
    ]
    measures = {key: measure for _h, items in indicators for key, _l, _u, measure, _share in items}
    areas, values = figures.by_area(user, scope, measures)
    children = [a for a in areas if not a.is_self]
    columns = [Column(_("项目"), UNIT, "text"), Column(_("计量单位"), "unit", "text"), Column(_("合计"), "all")]
    columns += [Column(areas[0].label, f"a{0}")]
    if children:
        kinds = {a.org.kind for a in children}
        sub_label = _("县（市）小计") if kinds == {"county"} else (
            _("乡镇（街道）小计") if kinds == {"township"} else _("下级小计"))
        columns.append(Column(sub_label, "sub"))
        columns += [Column(a.label, f"a{i}") for i, a in enumerate(areas) if not a.is_self]
    columns.append(Column(_("占信访总量比例"), "share", "pct"))
    table = Table(title=str(_("信访数据统计表总表")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="信访数据统计表总表",
                  notes=[_("口径：按登记机构所在地区统计；第二（件次/批次）、三、五、七部分各项之和等于信访总量，"
                           "第四部分批次之和等于来访批次；人次不计入比例。")])
    grand_total = sum(values[a.key]["total"] for a in areas)
    for heading, items in indicators:
        table.add({UNIT: str(heading)}, kind=ROW_GROUP)
        for key, label, unit, _agg, share in items:
            if key in ("pu_none", *(f"st_{g}" for g in s.OPTIONAL_STATUS_GROUPS)) and not any(
                    values[a.key][key] for a in areas):
                continue  # 未填写 only when some case lacks a purpose; 转出其他途径 only when some case was
            row = {UNIT: str(label), "unit": str(unit)}
            for i, area in enumerate(areas):
                row[f"a{i}"] = values[area.key][key]
            row["sub"] = sum(values[a.key][key] for a in children)
            row["all"] = sum(values[a.key][key] for a in areas)
            row["share"] = pct(row["all"], grand_total) if share else None
            table.add(row, kind=ROW_TOTAL if key == "total" else ROW_DATA, level=1)
    return table


# ---------------------------------------------------------------- KPIs (§4)

KPI_CHOICES = [
    ("acc_pct", _("及时受理率")),
    ("hdl_pct", _("按期办结率")),
    ("sat_pct", _("群众满意率")),
    ("rated_pct", _("参评率")),
    ("repeat_pct", _("重复信访率")),
    ("skip_pct", _("越级访占比")),
    ("online_pct", _("网信占比")),
]
# Lower is better for these; ranking sorts them ascending.
KPI_LOWER_IS_BETTER = {"repeat_pct", "skip_pct"}


def _kpi_derive(row):
    row["acc_pct"] = pct(row["acc_ok"], row["acc_due"])
    row["hdl_pct"] = pct(row["hdl_ok"], row["hdl_due"])
    row["sat"] = row["ev_satisfied"] + row["ev_basic"]
    row["sat_pct"] = pct(row["sat"], row["ev_total"])
    # 参评率 = 已评价 ÷ (已评价 + 超期未评价) (docs/reports.md §4): cases still in their
    # evaluation window and not evaluated (待评价) are in neither.
    row["rated_pct"] = pct(row["rated"], row["rated"] + row["eval_overdue"])
    row["repeat_pct"] = pct(row["repeat"], row["total"])
    row["skip_pct"] = pct(row["skip"], row["visits"])
    row["online_pct"] = pct(row["online"], row["total"])
    return row


def kpi_report(user, scope, *, today=None, figures=c.CELLS):
    areas, values = figures.kpi(user, scope, today=today or clock.today())
    columns = [
        Column(_("单位"), UNIT, "text"),
        Column(_("及时受理"), children=[Column(_("应受理（件）"), "acc_due"), Column(_("及时受理（件）"), "acc_ok"),
                                     Column(_("及时受理率"), "acc_pct", "pct")]),
        Column(_("按期办结"), children=[Column(_("应办结（件）"), "hdl_due"), Column(_("按期办结（件）"), "hdl_ok"),
                                     Column(_("按期办结率"), "hdl_pct", "pct")]),
        Column(_("群众满意度"), children=[
            Column(_("已评价（次）"), "ev_total"), Column(_("其中网上自评"), "ev_portal"),
            Column(_("其中回访代录"), "ev_recorded"), Column(_("满意"), "ev_satisfied"), Column(_("基本满意"), "ev_basic"),
            Column(_("不满意"), "ev_unsatisfied"), Column(_("群众满意率"), "sat_pct", "pct")]),
        Column(_("参评"), children=[Column(_("已答复（件）"), "answered"), Column(_("已参评（件）"), "rated"),
                                  Column(_("超期未评价（件）"), "eval_overdue"), Column(_("参评率"), "rated_pct", "pct")]),
        Column(_("重复信访"), children=[Column(_("登记（件）"), "total"), Column(_("重复（件）"), "repeat"),
                                     Column(_("重复信访率"), "repeat_pct", "pct")]),
        Column(_("越级访"), children=[Column(_("来访（批次）"), "visits"), Column(_("越级（批次）"), "skip"),
                                   Column(_("越级访占比"), "skip_pct", "pct")]),
        Column(_("网上信访"), children=[Column(_("网上信访（件）"), "online"), Column(_("网信占比"), "online_pct", "pct")]),
    ]
    table = Table(title=str(_("信访工作考核指标")), subtitle=_subtitle(scope), columns=columns,
                  sheet_name="考核指标",
                  notes=[_("口径：及时受理按受理期限（登记后15日）、按期办结按办理期限（受理后60日，含批准延期）、"
                           "参评按答复时间、满意率按评价时间、其余按登记时间落入统计期间计；"
                           "期限在期间内但尚未届满且未办理的不计入。")])
    return _area_rows(table, areas, values, _kpi_derive)


def kpi_ranking(kpi_table, key):
    """Ranking of the data rows (areas) of ``kpi_report`` by one KPI; areas without a value last.

    Returns a ``Table``: 名次, 单位, the KPI and its numerator/denominator. Equal values share a rank.
    """
    label = dict(KPI_CHOICES)[key]
    index = {leaf.key: i for i, leaf in enumerate(kpi_table.leaves)}
    rows = [dict(zip(index, row.cells)) for row in kpi_table.rows if row.kind == ROW_DATA]
    lower = key in KPI_LOWER_IS_BETTER
    ranked = sorted([r for r in rows if r[key] is not None], key=lambda r: r[key] if lower else -r[key])
    unranked = [r for r in rows if r[key] is None]
    table = Table(title=str(_("考核指标排名：%(kpi)s")) % {"kpi": label}, subtitle=kpi_table.subtitle,
                  columns=[Column(_("名次"), "rank"), Column(_("单位"), UNIT, "text"), Column(label, key, "pct")],
                  sheet_name="排名", row_header=False,
                  notes=[_("数值相同者名次并列；分母为0的单位不参与排名。")
                         + (str(_("该指标越低越好，按升序排名。")) if lower else "")])
    rank, last = 0, object()
    for position, row in enumerate(ranked, start=1):
        if row[key] != last:
            rank, last = position, row[key]
        table.add({"rank": rank, UNIT: row[UNIT], key: row[key]})
    for row in unranked:
        table.add({"rank": None, UNIT: row[UNIT], key: None})
    return table


# The statistical form block (docs/reports.md §6): each table's own 表号 and 制表机关. The numbering is
# this system's (the six tables, then the KPI table); an office that reports on its province's forms
# puts the province's numbers here.
FORM_AUTHORITY = _("州信访局")


@dataclass(frozen=True)
class ReportDef:
    slug: str
    title: str
    build: object
    description: str
    form_number: str = ""
    form_authority: str = FORM_AUTHORITY


REPORTS = (
    ReportDef("visit-levels", _("上访层次统计表"), visit_level_report,
              _("来访按上访层次（到乡、到县、到州、到省、进京）的批次与人次，含集体访、越级访。"),
              form_number=_("信访统计1表")),
    ReportDef("first-petitions", _("初信初访分类统计表"), first_petition_report,
              _("初信初访按所属问题和信访目的分类，按信访形式分列。"), form_number=_("信访统计2表")),
    ReportDef("bureau-data", _("地方信访工作机构信访数据统计表"), bureau_data_report,
              _("各地区信访总量、信访形式、集体访、初重信访、越级访与办结情况。"), form_number=_("信访统计3表")),
    ReportDef("problem-ranking", _("所属问题内容排行表"), problem_ranking_report,
              _("所属问题按件次排名，含占比、来访批次人次与环比。"), form_number=_("信访统计4表")),
    ReportDef("abnormal-visits", _("群众异常访统计表"), abnormal_visit_report,
              _("有《条例》第二十六条所列行为的信访，按地区和行为类型统计。"), form_number=_("信访统计5表")),
    ReportDef("summary", _("信访数据统计表总表"), summary_report,
              _("全部指标按地区分列的总表。"), form_number=_("信访统计6表")),
)
REPORT_BY_SLUG = {r.slug: r for r in REPORTS}
KPI_FORM = ReportDef("kpi", _("信访工作考核指标"), kpi_report, "", form_number=_("信访统计7表"))
KPI_RANKING_FORM_NUMBER = _("信访统计7表附表")


def form_block(definition, scope, *, signers, report_date, number=None):
    """The form block of ``definition``'s table for ``scope``: 填报单位 is the scope's organization;
    ``signers`` (``selectors.Signers``) the statistician's saved 单位负责人 and 填表人."""
    return FormBlock(number=str(number or definition.form_number), authority=str(definition.form_authority),
                     unit=scope.org.name, unit_head=signers.unit_head, preparer=signers.preparer,
                     report_date=report_date)


# ---------------------------------------------------------------- charts (§5)

@dataclass(frozen=True)
class ChartData:
    slug: str
    title: str
    labels: list
    series: list  # [(name, [values])]
    horizontal: bool = False

    def rows(self):
        """Table beside the chart: (label, value per series)."""
        return [(label, [values[i] for _name, values in self.series]) for i, label in enumerate(self.labels)]

    def totals(self):
        return [sum(values) for _name, values in self.series]


def _single(slug, title, pairs, *, horizontal=False):
    return ChartData(slug, str(title), [p[0] for p in pairs], [(str(_("件次")), [p[1] for p in pairs])], horizontal)


def _visit_nature(groups):
    rows = s.series_by_visit_nature(groups)
    return ChartData("visit-nature", str(_("按来访性质")), [r[0] for r in rows],
                     [(str(_("批次")), [r[1] for r in rows]), (str(_("人次")), [r[2] for r in rows])])


# slug → (query group, builder(groups, scope)). Charts of one group share one query.
CHARTS = {
    "purpose": ("purpose", lambda g, scope: _single("purpose", _("按信访目的"), s.series_by_purpose(g))),
    "channel": ("form", lambda g, scope: _single("channel", _("按信访形式（类型）"), s.series_by_channel(g))),
    "visit-nature": ("form", lambda g, scope: _visit_nature(g)),
    "problem": ("problem", lambda pairs, scope: _single("problem", _("按所属问题（一级分类）"), pairs,
                                                       horizontal=True)),
    "repeat": ("form", lambda g, scope: _single("repeat", _("是否重访"), s.series_by_repeat(g))),
    "area": ("time", lambda g, scope: _single("area", _("按地区（登记机构）"), s.series_by_area(g, scope))),
    "month": ("time", lambda g, scope: _single("month", _("按月份"), s.series_by_month(g, scope.period))),
}


def _entry_counts(figures, user, scope, dim):
    return {pk: row["n"] for pk, row in figures.by_entry(user, scope, dim, {"n": c.cases()}).items()}


CHART_QUERIES = {
    # (信访形式, 集体, 重复) groups with 件次 and 人次
    "form": lambda figures, user, scope: figures.by_form(user, scope),
    "purpose": lambda figures, user, scope: [{"purpose_id": pk, "n": n}
                                             for pk, n in _entry_counts(figures, user, scope, "purpose").items()],
    "problem": lambda figures, user, scope: s.problem_series(_entry_counts(figures, user, scope, "problem")),
    # (登记机构, 月份)
    "time": lambda figures, user, scope: figures.by_month(user, scope),
}


def chart_set(user, scope, slugs=None, *, figures=c.CELLS):
    """``{slug: ChartData}`` for ``slugs`` (default all), running each needed query once."""
    slugs = list(CHARTS) if slugs is None else slugs
    groups = {name: CHART_QUERIES[name](figures, user, scope) for name in {CHARTS[slug][0] for slug in slugs}}
    return {slug: CHARTS[slug][1](groups[CHARTS[slug][0]], scope) for slug in slugs}


def chart_data(user, scope, slug, *, figures=c.CELLS):
    """One chart's numbers (the same for the image and the table beside it)."""
    return chart_set(user, scope, [slug], figures=figures)[slug]
