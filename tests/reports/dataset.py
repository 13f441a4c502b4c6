"""The known data set of the report tests: 60 cases across the prefecture and its 3 counties.

Every case is registered with ``register_case`` at a chosen instant (Asia/Shanghai) and moved
to its state by ``case_transition`` with the workflow clock fixed at chosen instants, as users
of the registering bureau (分流员) and of the handling unit (承办人), and evaluated through the
portal's service (``case_evaluate``) at chosen instants.

The expected numbers in test_reports.py / test_kpi.py are worked out by hand from the table
below; keep the two in step.

Period of the report tests: March 2025. Outside it: Q00 (2025-02-28 23:59:59, the previous
period), Y00 (2025-02-10), W00 (2025-01-15) and S11 (2025-04-01 00:00:00). Inside at the edges:
P01 (2025-03-01 00:00:00) and S10 (2025-03-31 23:59:00).
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

from django.utils import timezone

from accounts.models import OrgUnit
from petitions import clock
from petitions.domain.idcard import make_id_number
from petitions.models import Case, DictEntry, DictKind
from petitions.services.evaluations import case_evaluate
from petitions.services.intake import register_case
from petitions.services.transitions import case_assign, case_transition
from tests.factories import make_user

# Registering bureau → (area, handling unit the bureau assigns to).
BUREAUS = {
    "PREF": ("53390001", "53390003"),  # 州信访局 → 州人社局
    "QF": ("53390101", "53390103"),  # 青峰市信访局 → 市人社局
    "SM": ("53392201", "53392203"),  # 石门县信访局 → 县人社局
    "SMT": ("53392210101", "53392210105"),  # 石门镇综治信访办 → 劳动保障所
    "YX": ("53392301", "53392303"),  # 云溪县信访局 → 县人社局
    "YXT": ("53392310101", "53392310105"),  # 云溪镇综治信访办 → 劳动保障所
}


@dataclass
class Spec:
    key: str
    bureau: str
    channel: str
    when: str  # "YYYY-MM-DD HH:MM[:SS]" local time
    purpose: str  # 信访目的 code
    problem: str | None  # 所属问题 code
    level: str | None = None  # 上访层次 code (visits)
    collective: int = 0  # visitor count of a collective visit (0 = individual)
    reps: int = 1
    repeat_of: str | None = None
    skip: bool = False
    abnormal: tuple = ()
    letter: str = "1"  # 来信性质: 1 署名, 2 联名, 3 匿名
    source: str | None = None  # 登记来源 code for letters (2 = 上级交办)
    confidential: bool = False
    content: str = ""
    person: int | None = None  # petitioner number (same number = same person)
    flow: str = "pending"  # pending f2f reject reject_archived assigned accepted answered closed archived transfer
    accept_after: int = 5  # days from registration to acceptance
    answer_after: int = 20  # days from acceptance to the answer
    extension: int = 0  # approved extension days
    evaluations: tuple = ()  # (target, value, days after the answer)


V, L, O, P, F, E, R = "visit", "letter", "online", "phone", "fax", "email", "referral"

SPECS = [
    # 青峰州本级 (州信访局): 12 in March
    Spec("P01", "PREF", V, "2025-03-01 00:00:00", "04", "60200601", level="3", person=1, flow="f2f",
         content="单位拖欠工资三个月未发放"),
    Spec("P02", "PREF", V, "2025-03-03 09:30", "04", "60201501", level="3", collective=30, reps=5, abnormal=("01",),
         person=2, flow="answered", evaluations=(("bureau", "satisfied", 3), ("unit", "basic", 3)),
         content="房屋拆迁补偿标准过低，群众集体上访"),
    Spec("P03", "PREF", V, "2025-03-05 10:00", "03", "60200501", level="3", skip=True, person=3, flow="reject",
         content="不服法院判决要求再审"),
    Spec("P04", "PREF", L, "2025-03-06 14:00", "01", "602011", person=4, content="+86 建议增设城区至新区的公交线路"),
    Spec("P05", "PREF", L, "2025-03-08 11:00", "02", "60200401", letter="3", confidential=True,
         content="检举某局干部作风问题"),
    Spec("P06", "PREF", O, "2025-03-10 08:00", "05", "60200602", person=6, flow="transfer",
         content="咨询社会保险转移接续办法"),
    Spec("P07", "PREF", P, "2025-03-12 16:00", "04", "60201502", person=7, flow="accepted", content="小区物业管理混乱"),
    Spec("P08", "PREF", R, "2025-03-15 10:00", "04", "60201401", person=8, flow="closed",
         evaluations=(("bureau", "unsatisfied", 2),), content="征地补偿款至今未到位"),
    Spec("P09", "PREF", V, "2025-03-18 09:00", "04", "60200601", level="3", repeat_of="P01", person=1,
         content="再次反映拖欠工资问题"),
    Spec("P10", "PREF", L, "2025-03-20 10:00", "99", None, person=10,
         content='=HYPERLINK("http://example.invalid","点击") 其他问题'),
    Spec("P11", "PREF", V, "2025-03-25 15:00", "04", "60201103", level="3", skip=True, abnormal=("04", "06"),
         person=11, content="工厂夜间噪音扰民"),
    Spec("P12", "PREF", E, "2025-03-28 09:00", "01", "60201301", person=12, content="建议规范土地承包经营权流转"),
    # 青峰市: 10 in March, Q00 in the previous period
    Spec("Q00", "QF", L, "2025-02-28 23:59:59", "04", "60201501", person=20, flow="answered", accept_after=18,
         content="拆迁安置房迟迟未交付"),
    Spec("Q01", "QF", V, "2025-03-02 10:00", "04", "60201501", level="2", person=21, flow="answered",
         evaluations=(("bureau", "satisfied", 5), ("unit", "satisfied", 5)), content="拆迁补偿协议未履行"),
    Spec("Q02", "QF", V, "2025-03-04 09:00", "04", "60200601", level="2", collective=12, reps=3,
         abnormal=("01", "03"), person=22, flow="accepted", content="农民工工资被拖欠"),
    Spec("Q03", "QF", L, "2025-03-06 09:00", "03", "60201401", letter="2", person=23, flow="answered",
         evaluations=(("unit", "basic", 4),), content="联名反映征地程序不合法"),
    Spec("Q04", "QF", O, "2025-03-09 09:00", "04", "60201502", person=24, content="物业费收费不透明"),
    Spec("Q05", "QF", O, "2025-03-11 09:00", "01", "602006", person=25, flow="transfer", content="建议提高最低工资标准"),
    Spec("Q06", "QF", V, "2025-03-13 09:00", "04", "60201501", level="2", repeat_of="Q00", person=20,
         content="安置房仍未交付"),
    Spec("Q07", "QF", P, "2025-03-17 09:00", "05", "60200602", person=27, flow="f2f", content="咨询医保报销比例"),
    Spec("Q08", "QF", L, "2025-03-21 09:00", "04", "60201401", source="2", person=28, content="上级转来征地补偿问题"),
    Spec("Q09", "QF", R, "2025-03-24 09:00", "02", "60200402", person=29, content="反映村干部违纪问题"),
    Spec("Q10", "QF", V, "2025-03-31 18:00", "04", "60200601", level="2", person=30, content="讨要工程款"),
    # 石门县 county bureau: 10 in March (S10 at 23:59 on the last day), S11 in April
    Spec("S01", "SM", V, "2025-03-01 08:30", "04", "60200601", level="2", person=40, flow="answered",
         accept_after=3, answer_after=75, extension=30,
         evaluations=(("bureau", "satisfied", 2), ("unit", "satisfied", 2)), content="追讨拖欠工资"),
    Spec("S02", "SM", V, "2025-03-03 09:00", "04", "60201501", level="2", collective=50, reps=5, abnormal=("01",),
         person=41, flow="answered", answer_after=65, content="拆迁补偿分配不公"),
    Spec("S03", "SM", V, "2025-03-05 09:00", "03", "60200501", level="2", person=42, flow="reject",
         content="不服行政处罚决定"),
    Spec("S04", "SM", L, "2025-03-07 09:00", "04", "60201101", person=43, flow="archived",
         content="化工厂排放废水污染环境"),
    Spec("S05", "SM", L, "2025-03-10 09:00", "02", "60200401", letter="3", content="匿名反映干部作风问题"),
    Spec("S06", "SM", O, "2025-03-12 09:00", "04", "60200601", person=45, flow="accepted", accept_after=20,
         content="工地老板拖欠工资"),
    Spec("S07", "SM", R, "2025-03-14 09:00", "04", "60201401", person=46, flow="answered",
         evaluations=(("unit", "unsatisfied", 6),), content="征地补偿标准偏低"),
    Spec("S08", "SM", V, "2025-03-20 09:00", "04", "60200601", level="2", repeat_of="S01", person=40,
         content="工资仍未结清"),
    Spec("S09", "SM", F, "2025-03-26 09:00", "01", "60201502", person=48, content="建议加强物业监管"),
    Spec("S10", "SM", V, "2025-03-31 23:59", "04", "60201501", level="2", person=49,
         content="拆迁补偿不到位，拆迁安置房质量差，拆迁过程中存在强拆"),
    Spec("S11", "SM", V, "2025-04-01 00:00:00", "04", "60201501", level="2", person=50, content="房屋征收补偿问题"),
    # 石门镇: 6 in March
    Spec("T01", "SMT", V, "2025-03-02 09:00", "04", "60201301", level="1", person=60, flow="f2f",
         content="土地承包合同纠纷"),
    Spec("T02", "SMT", V, "2025-03-06 09:00", "04", "60201302", level="1", collective=8, reps=2, person=61,
         flow="answered", evaluations=(("bureau", "basic", 1), ("unit", "basic", 1)), content="集体资产处置不公开"),
    Spec("T03", "SMT", L, "2025-03-09 09:00", "04", "60201303", person=62, content="惠农补贴未发放"),
    Spec("T04", "SMT", V, "2025-03-16 09:00", "05", "60201301", level="1", person=63, flow="f2f",
         content="咨询土地确权"),
    Spec("T05", "SMT", P, "2025-03-22 09:00", "04", "60200601", person=64, content="砖厂拖欠工资"),
    Spec("T06", "SMT", V, "2025-03-29 09:00", "04", "60201301", level="1", repeat_of="T01", abnormal=("04",),
         person=60, content="土地承包纠纷未解决"),
    # 云溪县 county bureau: 10 in March, Y00 in February
    Spec("Y00", "YX", V, "2025-02-10 10:00", "04", "60201401", level="2", person=80, flow="answered",
         accept_after=4, answer_after=30, content="征地补偿款被截留"),
    Spec("Y01", "YX", V, "2025-03-02 10:00", "04", "60201401", level="2", repeat_of="Y00", person=80,
         content="征地补偿款仍未到位"),
    Spec("Y02", "YX", V, "2025-03-04 10:00", "04", "60201401", level="5", collective=6, reps=3, skip=True,
         abnormal=("02",), person=82, content="进京反映征地问题"),
    Spec("Y03", "YX", V, "2025-03-08 10:00", "03", "60200501", level="4", skip=True, person=83,
         content="赴省反映案件执行问题"),
    Spec("Y04", "YX", L, "2025-03-10 10:00", "04", "60201103", person=84, flow="answered",
         evaluations=(("bureau", "satisfied", 3), ("unit", "unsatisfied", 3)), content="夜市噪音扰民"),
    Spec("Y05", "YX", O, "2025-03-12 10:00", "01", "60201501", person=85, flow="transfer",
         content="建议公开拆迁补偿标准"),
    Spec("Y06", "YX", O, "2025-03-15 10:00", "04", "60200601", person=86, flow="accepted", content="公司拖欠工资"),
    Spec("Y07", "YX", R, "2025-03-18 10:00", "04", "60201501", person=87, flow="reject_archived",
         content="拆迁纠纷已起诉"),
    Spec("Y08", "YX", P, "2025-03-23 10:00", "05", "602018", person=88, flow="f2f", content="咨询办事流程"),
    Spec("Y09", "YX", L, "2025-03-27 10:00", "04", "60200603", person=89, content="@管理员 劳动关系纠纷"),
    Spec("Y10", "YX", V, "2025-03-30 10:00", "04", "60200601", level="2", person=90, content="讨薪"),
    # 云溪镇: 8 in March, W00 in January
    Spec("W00", "YXT", L, "2025-01-15 10:00", "04", "60201301", person=100, flow="answered",
         evaluations=(("bureau", "satisfied", 2), ("unit", "satisfied", 2)), content="土地承包费未退还"),
    Spec("W01", "YXT", V, "2025-03-03 10:00", "04", "60201301", level="1", person=101, flow="f2f",
         content="承包地边界纠纷"),
    Spec("W02", "YXT", V, "2025-03-05 10:00", "04", "60201302", level="1", collective=20, reps=5,
         abnormal=("01", "05"), person=102, content="集体资产收益分配"),
    Spec("W03", "YXT", V, "2025-03-07 10:00", "04", "60200601", level="1", person=103, flow="answered",
         content="养殖场拖欠工资"),
    Spec("W04", "YXT", L, "2025-03-11 10:00", "03", "60201303", person=104, content="补贴发放有误"),
    Spec("W05", "YXT", P, "2025-03-14 10:00", "05", "60200602", person=105, flow="f2f", content="咨询养老保险"),
    Spec("W06", "YXT", O, "2025-03-19 10:00", "04", "60201301", person=106, flow="accepted", content="土地流转纠纷"),
    Spec("W07", "YXT", V, "2025-03-24 10:00", "04", "60201301", level="1", repeat_of="W00", person=100,
         content="再次反映承包费问题"),
    Spec("W08", "YXT", L, "2025-03-28 10:00", "01", "602013", person=108, content="建议发展特色农业"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def person_data(number, *, representative_index=0):
    """A petitioner: name, a valid ID number (GB 11643) and a phone, stable per number."""
    n = number * 7 + representative_index
    region = "533922" if number % 2 else "533923"
    return {
        # Unique per (number, representative): the number's two base-20 digits and the index.
        "name": SURNAMES[representative_index] + GIVEN[number % 20] + GIVEN[number // 20],
        "id_number": make_id_number(region, datetime(1960 + number % 40, 1 + n % 12, 1 + n % 28), 100 + n % 800),
        "phone": f"139{number:04d}{representative_index:04d}",
    }


def local(text):
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return timezone.make_aware(datetime.strptime(text, fmt), timezone.get_default_timezone())


@contextmanager
def at(moment):
    """Fix the workflow clock at ``moment`` (and Django's, which stamps the trail events)."""
    with mock.patch.object(clock, "now", return_value=moment), \
            mock.patch.object(timezone, "now", return_value=moment):
        yield


def entry(kind, code):
    return DictEntry.objects.get(kind=kind, code=code) if code else None


@dataclass
class Dataset:
    cases: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def case(self, key):
        return Case.objects.get(pk=self.cases[key].pk)


def build_dataset():
    """Register and move every case of ``SPECS``; return a ``Dataset`` (cases by key, users)."""
    ds = Dataset()
    for name, (bureau_code, unit_code) in BUREAUS.items():
        ds.users[name] = make_user(f"triage_{name.lower()}", org_code=bureau_code, roles=["triage"])
        ds.users[name + "_handler"] = make_user(f"handler_{name.lower()}", org_code=unit_code, roles=["handler"])
    for spec in sorted(SPECS, key=lambda s: local(s.when)):
        ds.cases[spec.key] = _register(spec, ds)
    for spec in SPECS:
        _move(spec, ds)
    return ds


def _register(spec, ds):
    actor = ds.users[spec.bureau]
    data = {"purpose": entry(DictKind.PURPOSE, spec.purpose), "problem": entry(DictKind.PROBLEM, spec.problem),
            "content": spec.content, "is_skip_level": spec.skip}
    if spec.channel == V:
        data["visit_nature"] = entry(DictKind.VISIT_NATURE, "2" if spec.collective else "1")
        data["visitor_count"] = spec.collective or 1
        data["visit_level"] = entry(DictKind.VISIT_LEVEL, spec.level)
        data["abnormal_behaviors"] = [entry(DictKind.ABNORMAL, code) for code in spec.abnormal]
    else:
        data["letter_nature"] = entry(DictKind.LETTER_NATURE, spec.letter)
        if spec.source:
            data["registration_source"] = entry(DictKind.REG_SOURCE, spec.source)
    if spec.repeat_of:
        data["first_case"] = ds.cases[spec.repeat_of]
        data["is_repeat"] = True
    if spec.confidential:
        data["is_confidential"] = True
        data["accused_org"] = OrgUnit.objects.get(code="53390005")
    people = []
    if spec.person is not None:
        count = spec.reps if spec.collective else 1
        people = [person_data(spec.person, representative_index=i) for i in range(count)]
    when = local(spec.when)
    with at(when):
        return register_case(actor=actor, channel=spec.channel, data=data, petitioners=people,
                             submit_token=f"ds-{spec.key}", registered_at=when,
                             answer_face_to_face="当场解释说明，信访人表示接受" if spec.flow == "f2f" else None)


def _move(spec, ds):
    if spec.flow in ("pending", "f2f"):
        return
    case = ds.cases[spec.key]
    triage = ds.users[spec.bureau]
    handler = ds.users[spec.bureau + "_handler"]
    unit = handler.organization
    start = local(spec.when)
    if spec.flow in ("reject", "reject_archived"):
        with at(start + timedelta(days=3)):
            case_transition(case=case, action="reject", actor=triage,
                            reason=entry(DictKind.REJECT_REASON, "1"), channel="向人民法院提起诉讼")
        if spec.flow == "reject_archived":
            with at(start + timedelta(days=40)):
                case_transition(case=case, action="archive", actor=triage)
        return
    transfer = spec.flow == "transfer"
    with at(start + timedelta(days=1)):
        case_assign(case=case, actor=triage, targets=[{"org": unit}], transfer=transfer)
    if spec.flow == "assigned":
        return
    accepted = start + timedelta(days=spec.accept_after)
    with at(accepted):
        case_transition(case=case, action="accept", actor=handler)
    if spec.extension:
        with at(accepted + timedelta(days=10)):
            case_transition(case=case, action="request_extension", actor=handler, note="情况复杂需延期",
                            days=spec.extension)
        ext = case.assignments.get().extensions.get()
        with at(accepted + timedelta(days=11)):
            case_transition(case=case, action="approve_extension", actor=triage, extension=ext.pk)
    if spec.flow == "accepted":
        return
    answered = accepted + timedelta(days=spec.answer_after)
    with at(answered - timedelta(days=1) if not transfer else answered):
        case_transition(case=case, action="report_result", actor=handler, note="已调查核实并答复信访人",
                        opinion="explain")
    if not transfer:
        with at(answered):
            case_transition(case=case, action="approve_result", actor=triage)
    for target, value, days in spec.evaluations:
        with at(answered + timedelta(days=days)):
            case_evaluate(case=case, ratings={target: value}, actor=triage)
    if spec.flow in ("closed", "archived"):
        with at(answered + timedelta(days=1)):
            case_transition(case=case, action="close", actor=triage, closure_category=entry(DictKind.CLOSURE, "3"),
                            closure_org=unit, closure_region=triage.organization.parent,
                            problem=Case.objects.get(pk=case.pk).problem)
    if spec.flow == "archived":
        with at(answered + timedelta(days=40)):
            case_transition(case=case, action="archive", actor=triage)
