"""Standard dictionary lists (docs/domain.md §5, §8; GB 3304 民族, GB/T 4658 文化程度, GB/T 4762 政治面貌).

``seed_dictionaries`` only inserts entries that are missing, so it is safe to run from the
migration and again after a test flush; it never overwrites what an administrator edited.
"""

PURPOSE = [("01", "建议意见"), ("02", "检举控告"), ("03", "申诉"), ("04", "求决"), ("05", "咨询"), ("99", "其他")]

# 18 first-level categories (Suining codes, docs/domain.md §8.2) with common second-level entries.
PROBLEM = [
    ("602001", "政治综合", []),
    ("602002", "经济综合", [("01", "企业改制"), ("02", "金融借贷"), ("03", "市场监管")]),
    ("602003", "宣传舆论", []),
    ("602004", "纪检监察", [("01", "干部作风"), ("02", "违纪违法")]),
    ("602005", "政法", [("01", "涉法涉诉"), ("02", "治安问题"), ("03", "司法行政")]),
    ("602006", "劳动社保", [("01", "拖欠工资"), ("02", "社会保险"), ("03", "劳动关系")]),
    ("602007", "教育", [("01", "入学就学"), ("02", "教师待遇")]),
    ("602008", "卫生计生", [("01", "医疗纠纷"), ("02", "医疗保障")]),
    ("602009", "科技文体", []),
    ("602010", "组织人事", [("01", "人事管理"), ("02", "退役安置")]),
    ("602011", "交通能源环保", [("01", "环境污染"), ("02", "交通运输"), ("03", "噪音扰民")]),
    ("602012", "民政", [("01", "社会救助"), ("02", "优抚安置")]),
    ("602013", "农村农业", [("01", "土地承包"), ("02", "农村集体资产"), ("03", "惠农补贴")]),
    ("602014", "国土资源水利林业", [("01", "征地补偿"), ("02", "土地权属"), ("03", "林权纠纷"), ("04", "水利")]),
    ("602015", "城乡建设", [("01", "房屋拆迁"), ("02", "物业管理"), ("03", "住房保障"), ("04", "城市管理")]),
    ("602016", "信息产业", []),
    ("602017", "商贸旅游", []),
    ("602018", "其他", []),
]

ABNORMAL = [
    ("01", "非法聚集、围堵冲击机关、拦截公务车辆、堵塞交通"),
    ("02", "携带危险物品、管制器具"),
    ("03", "侮辱、殴打、威胁工作人员，限制他人人身自由，毁坏财物"),
    ("04", "在接待场所滞留、滋事，或弃留生活不能自理的人"),
    ("05", "煽动、串联、胁迫、诱使、操纵他人信访或借机敛财"),
    ("06", "其他扰乱公共秩序、妨害国家和公共安全的行为"),
]

VISIT_NATURE = [("1", "个体访"), ("2", "集体访")]
LETTER_NATURE = [("1", "署名信"), ("2", "联名信"), ("3", "匿名信")]
ATTACHMENT_KIND = [("0", "无"), ("1", "包裹"), ("2", "判决书"), ("3", "证明材料"), ("4", "照片"), ("9", "其他")]
REG_SOURCE = [("1", "本单位接待"), ("2", "上级交办"), ("3", "摘报"), ("4", "网上信访")]
VISIT_LEVEL = [("1", "到乡"), ("2", "到县"), ("3", "到州"), ("4", "到省"), ("5", "进京")]

ETHNICITY = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族",
    "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族",
    "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族",
    "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]

EDUCATION = [("10", "研究生"), ("20", "大学本科"), ("30", "大学专科"), ("40", "中专/中技"), ("60", "高中"),
             ("70", "初中"), ("80", "小学"), ("90", "其他")]
POLITICAL = [("01", "中共党员"), ("02", "中共预备党员"), ("03", "共青团员"), ("04", "民革会员"), ("05", "民盟盟员"),
             ("06", "民建会员"), ("07", "民进会员"), ("08", "农工党党员"), ("09", "致公党党员"),
             ("10", "九三学社社员"), ("11", "台盟盟员"), ("12", "无党派人士"), ("13", "群众")]
CLOSURE = [("1", "解决"), ("2", "部分解决"), ("3", "解释疏导"), ("4", "不予支持"), ("5", "导入法定途径"),
           ("9", "其他")]
# 系统外责任单位: the office adds its own (企业、医院、学校 ...); these catch what is not listed yet.
OUTSIDE_UNIT = [("01", "企业"), ("02", "事业单位（医院、学校等）"), ("03", "社会组织"), ("04", "村（居）民委员会"),
                ("99", "其他")]
REJECT_REASON = [
    ("1", "应通过诉讼、仲裁、行政复议等法定途径解决"),
    ("2", "不属于本机关职权范围，已告知向有权机关提出"),
    ("3", "已经受理或正在办理，在规定期限内向上级重复提出"),
    ("4", "信访人姓名（名称）、住址不清，无法告知"),
    ("9", "其他"),
]


def standard_entries():
    """Yield (kind, code, name, parent_code, sort_order) for every standard entry."""
    flat = [
        ("purpose", PURPOSE), ("abnormal", ABNORMAL), ("visit_nature", VISIT_NATURE),
        ("letter_nature", LETTER_NATURE), ("attachment_kind", ATTACHMENT_KIND), ("reg_source", REG_SOURCE),
        ("visit_level", VISIT_LEVEL), ("education", EDUCATION), ("political", POLITICAL), ("closure", CLOSURE),
        ("reject_reason", REJECT_REASON), ("outside_unit", OUTSIDE_UNIT),
    ]
    for kind, rows in flat:
        for i, (code, name) in enumerate(rows, start=1):
            yield kind, code, name, None, i
    for i, name in enumerate(ETHNICITY, start=1):
        yield "ethnicity", f"{i:02d}", name, None, i
    for i, (code, name, children) in enumerate(PROBLEM, start=1):
        yield "problem", code, name, None, i
        for j, (sub, sub_name) in enumerate(children, start=1):
            yield "problem", code + sub, sub_name, code, j


def seed_dictionaries(DictEntry):
    """Insert the missing standard entries. ``DictEntry`` may be the historical model."""
    existing = set(DictEntry.objects.values_list("kind", "code"))
    created = 0
    by_code = {}
    for kind, code, name, parent_code, sort_order in standard_entries():
        if (kind, code) in existing:
            continue
        parent = None
        if parent_code:
            parent = by_code.get((kind, parent_code)) or DictEntry.objects.get(kind=kind, code=parent_code)
        entry = DictEntry.objects.create(kind=kind, code=code, name=name, parent=parent,
                                         level=2 if parent else 1, sort_order=sort_order)
        by_code[(kind, code)] = entry
        created += 1
    return created
