"""The template of the historical import: its columns, the states a case may be imported in and
what each state needs.

The headers are the file format, not interface text: they stay Chinese whatever the interface
language, and a workbook is accepted only with exactly these headers in this order (a trailing
"错误说明" column, which the error workbook adds, is ignored). Changing a column means a new
``TEMPLATE_VERSION``: workbooks of another version are refused with a message to download the
template again.
"""
from dataclasses import dataclass

from petitions.models import Channel, DictKind, HandlingOpinion, IdType, Sex
from petitions.workflow import Status

TEMPLATE_MARK = "xf-history-import"
TEMPLATE_VERSION = "1"
DATA_SHEET = "信访件"
HELP_SHEET = "填写说明"
LISTS_SHEET = "字典"
META_SHEET = "_meta"
ERROR_HEADER = "错误说明"

# Kinds of column: text, longtext (keeps line breaks), date, datetime, int, bool (是/否), dict
# (a DictEntry by code or name), org (an organization by code or name), choice (fixed values).
TEXT, LONGTEXT, DATE, DATETIME, INT, BOOL, DICT, ORG, CHOICE = (
    "text", "longtext", "date", "datetime", "int", "bool", "dict", "org", "choice")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str
    required: bool = False
    source: object = None  # DictKind for dict columns, {value: label} for choice columns
    max_length: int = 0
    help: str = ""
    width: int = 14


IMPORTABLE_STATUSES = (
    Status.PENDING, Status.IN_PROGRESS, Status.ANSWERED, Status.REVIEWING, Status.RECHECKING, Status.CLOSED,
    Status.ARCHIVED, Status.REJECTED, Status.NOT_REACCEPTED,
)
# The Chinese labels are the file format (plain strings, never translated).
STATUS_NAMES = {
    Status.PENDING: "待分流", Status.IN_PROGRESS: "办理中", Status.ANSWERED: "已答复", Status.REVIEWING: "复查中",
    Status.RECHECKING: "复核中", Status.CLOSED: "已办结", Status.ARCHIVED: "已归档", Status.REJECTED: "不予受理",
    Status.NOT_REACCEPTED: "不再受理",
}
CHANNEL_NAMES = {
    Channel.VISIT: "来访", Channel.LETTER: "来信", Channel.PHONE: "电话", Channel.FAX: "传真",
    Channel.EMAIL: "电子邮件", Channel.ONLINE: "网上信访", Channel.REFERRAL: "上级交办", Channel.SMS: "短信",
}
SEX_NAMES = {Sex.MALE: "男", Sex.FEMALE: "女"}
ID_TYPE_NAMES = {IdType.RESIDENT_ID: "居民身份证", IdType.HMT_PERMIT: "港澳台居民居住证", IdType.PASSPORT: "护照",
                 IdType.OTHER: "其他证件"}
OPINION_NAMES = {HandlingOpinion.SUPPORT: "支持", HandlingOpinion.PARTIAL: "部分支持", HandlingOpinion.REJECT: "不支持",
                 HandlingOpinion.EXPLAIN: "解释说明"}
CONCLUSION_NAMES = {"uphold": "维持", "change": "变更", "revoke": "撤销"}
BOOL_NAMES = {True: "是", False: "否"}

COLUMNS = (
    Column("source_number", "原编号", TEXT, True, max_length=60, width=18,
           help="原系统或纸质台账中的编号，同一登记机构内不得重复；导入后可在信访查询中按此编号查到。再次导入时已有此编号的行跳过。"),
    Column("registered_org", "登记机构", ORG, width=16,
           help="登记该件的机构代码或名称，须在本人（或命令行 --org）管辖范围内；不填则为导入时选定的机构。"),
    Column("channel", "信访形式", CHOICE, True, CHANNEL_NAMES, width=10),
    Column("petition_date", "信访日期", DATE, True, help="如 2021-03-15。不得晚于今天。", width=12),
    Column("registered_at", "登记时间", DATETIME, help="不填则为信访日期；新编号的年度取登记时间的年份。", width=16),
    Column("status", "办理状态", CHOICE, True, STATUS_NAMES, width=10,
           help="待分流、办理中、已答复、复查中、复核中、已办结、已归档、不予受理、不再受理；各状态须填的列见下表。"),
    Column("purpose", "信访目的", DICT, source=DictKind.PURPOSE),
    Column("problem", "所属问题", DICT, source=DictKind.PROBLEM, width=16),
    Column("problem_region", "问题属地", ORG, width=16),
    Column("content", "反映问题及诉求", LONGTEXT, True, width=40),
    Column("summary", "概况", TEXT, max_length=200, width=24, help="不填则取反映问题的前60个字。"),
    Column("visit_nature", "来访性质", DICT, source=DictKind.VISIT_NATURE),
    Column("visitor_count", "来访人数", INT, width=8),
    Column("visit_level", "上访层次", DICT, source=DictKind.VISIT_LEVEL),
    Column("letter_nature", "来信性质", DICT, source=DictKind.LETTER_NATURE),
    Column("signer_count", "来信人数", INT, width=8),
    Column("registration_source", "登记来源", DICT, source=DictKind.REG_SOURCE),
    Column("referral_number", "上级交办号", TEXT, max_length=50),
    Column("first_case", "初访编号", TEXT, max_length=60, width=18,
           help="重复信访时填写初次信访的原编号（本文件或已导入的）或本系统编号。"),
    Column("is_skip_level", "是否越级", BOOL, width=8),
    Column("name", "信访人姓名", TEXT, max_length=50, width=10, help="匿名信可不填，其余必填。"),
    Column("sex", "性别", CHOICE, source=SEX_NAMES, width=6),
    Column("id_type", "证件类型", CHOICE, source=ID_TYPE_NAMES, width=12, help="不填为居民身份证。"),
    Column("id_number", "证件号码", TEXT, max_length=40, width=20,
           help="居民身份证按 GB 11643 校验（含校验位）；请以文本格式填写，勿让 Excel 转成数字。"),
    Column("ethnicity", "民族", DICT, source=DictKind.ETHNICITY, width=8),
    Column("phone", "联系电话", TEXT, max_length=30, width=14),
    Column("address", "地址", TEXT, max_length=200, width=24),
    Column("workplace", "工作单位", TEXT, max_length=100, width=16),
    Column("other_names", "其他信访人", TEXT, max_length=300, width=16,
           help="集体访代表或联名人的姓名，以顿号、逗号或分号分隔，最多4人。"),
    Column("handling_org", "承办单位", ORG, width=16, help="办理中的件必填；已答复及以后的件可填。"),
    Column("accepted_at", "受理日期", DATE, width=12),
    Column("handling_due", "办理期限", DATE, width=12, help="不填为受理日期后60日。"),
    Column("handling_opinion", "处理意见", CHOICE, source=OPINION_NAMES, width=10),
    Column("answer_text", "答复意见", LONGTEXT, width=30),
    Column("answered_at", "答复日期", DATE, width=12),
    Column("review_org", "复查机关", ORG, width=16, help="不填为承办单位（或登记机构）的上一级。"),
    Column("review_requested_at", "复查申请日期", DATE, width=12),
    Column("review_opinion", "复查意见", LONGTEXT, width=24),
    Column("review_conclusion", "复查结论", CHOICE, source=CONCLUSION_NAMES, width=8),
    Column("review_decided_at", "复查答复日期", DATE, width=12),
    Column("recheck_org", "复核机关", ORG, width=16, help="不填为复查机关的上一级。"),
    Column("recheck_requested_at", "复核申请日期", DATE, width=12),
    Column("recheck_opinion", "复核意见", LONGTEXT, width=24),
    Column("recheck_conclusion", "复核结论", CHOICE, source=CONCLUSION_NAMES, width=8),
    Column("recheck_decided_at", "复核答复日期", DATE, width=12),
    Column("closure_category", "办结分类", DICT, source=DictKind.CLOSURE),
    Column("closed_at", "办结日期", DATE, width=12, help="已办结、已归档、不予受理、不再受理的件必填。"),
    Column("archived_at", "归档日期", DATE, width=12),
    Column("reject_reason", "不予受理理由", DICT, source=DictKind.REJECT_REASON, width=20),
    Column("reject_channel", "告知途径", TEXT, max_length=200, width=20,
           help="不予受理时告知信访人的法定途径。"),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = tuple(c.header for c in COLUMNS)

ANSWER = ("answer_text", "answered_at", "handling_opinion")
REVIEW = ("review_requested_at", "review_opinion", "review_conclusion", "review_decided_at")
RECHECK = ("recheck_requested_at", "recheck_opinion", "recheck_conclusion", "recheck_decided_at")
# Columns each state requires (beyond the always-required ones), and the state-dependent columns it
# may carry at all: a 待分流 case with an answer date is a mistake in the file, not something to keep.
REQUIRED = {
    Status.PENDING: (),
    Status.IN_PROGRESS: ("handling_org", "accepted_at"),
    Status.ANSWERED: ANSWER,
    Status.REVIEWING: ANSWER + ("review_requested_at",),
    Status.RECHECKING: ANSWER + REVIEW + ("recheck_requested_at",),
    Status.CLOSED: ("answer_text", "closure_category", "closed_at"),
    Status.ARCHIVED: ("answer_text", "closure_category", "closed_at", "archived_at"),
    Status.REJECTED: ("reject_reason", "reject_channel", "closed_at"),
    Status.NOT_REACCEPTED: ("answer_text", "closed_at"),
}
HANDLING = ("handling_org", "accepted_at", "handling_due")
ALLOWED = {
    Status.PENDING: (),
    Status.IN_PROGRESS: HANDLING,
    Status.ANSWERED: HANDLING + ANSWER,
    Status.REVIEWING: HANDLING + ANSWER + ("review_org", "review_requested_at"),
    Status.RECHECKING: HANDLING + ANSWER + REVIEW + ("review_org", "recheck_org", "recheck_requested_at"),
    Status.CLOSED: HANDLING + ANSWER + REVIEW + RECHECK + ("review_org", "recheck_org", "closure_category",
                                                           "closed_at"),
    Status.ARCHIVED: HANDLING + ANSWER + REVIEW + RECHECK + ("review_org", "recheck_org", "closure_category",
                                                             "closed_at", "archived_at"),
    Status.REJECTED: ("reject_reason", "reject_channel", "closed_at"),
    Status.NOT_REACCEPTED: ("answer_text", "closed_at"),
}
STATE_COLUMNS = frozenset(HANDLING + ANSWER + REVIEW + RECHECK + (
    "review_org", "recheck_org", "closure_category", "closed_at", "archived_at", "reject_reason", "reject_channel"))
# Dates that must not go backwards, in the order a case lives them.
DATE_ORDER = ("petition_date", "registered_at", "accepted_at", "answered_at", "review_requested_at",
              "review_decided_at", "recheck_requested_at", "recheck_decided_at", "closed_at", "archived_at")

EXAMPLE = {
    "source_number": "SM2021-0815", "registered_org": "53392201", "channel": "来访", "petition_date": "2021-08-15",
    "registered_at": "2021-08-15 09:30", "status": "已办结", "purpose": "求决", "problem": "劳动社保",
    "problem_region": "石门县", "content": "反映某建筑工地拖欠农民工工资3万元，要求督促支付。",
    "visit_nature": "个体访", "visitor_count": "1", "visit_level": "到县", "is_skip_level": "否", "name": "张三",
    "sex": "男", "id_type": "居民身份证", "id_number": "110101199003071233", "ethnicity": "汉族",
    "phone": "13912345678", "address": "石门县石门镇某村", "handling_org": "533922101", "accepted_at": "2021-08-20",
    "handling_opinion": "支持", "answer_text": "经协调，工地已于9月10日支付全部工资。", "answered_at": "2021-09-12",
    "closure_category": "解决", "closed_at": "2021-10-20",
}
