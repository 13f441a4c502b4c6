"""Demo cases for ``manage.py load_demo`` (called from ``accounts.demo.load_demo``).

Thirteen varied registrations made through ``register_case`` by the demo clerks ``clerk``
(州信访局) and ``county_clerk`` (石门县信访局): visits (one collective with three
representatives, one repeat of an earlier visit, one answered face to face), letters
(signed, joint, confidential 检举), a phone call, an e-mail, a fax and a superior referral.
Registration dates are spread over the last three weeks so the pool shows due-soon and
overdue cases. All people are invented; ID numbers are built by ``make_id_number``.

Idempotent: each demo case carries a fixed ``submit_token`` ("demo-NN"), and a second run
finds them and creates nothing.
"""
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import OrgUnit, User

from petitions import clock
from petitions.domain.idcard import make_id_number
from petitions.models import Case, Channel, DictEntry
from petitions.services.intake import register_case

TOKEN_PREFIX = "demo-"


def _entry(kind, code):
    return DictEntry.objects.get(kind=kind, code=code)


def _org(code):
    return OrgUnit.objects.get(code=code)


def _person(name, sex, born, region, seq, phone, address, **extra):
    """A petitioner dict; ``seq`` odd for men and even for women (GB 11643 顺序码)."""
    return {"name": name, "sex": sex, "id_number": make_id_number(region, born, seq), "phone": phone,
            "address": address, "ethnicity": _entry("ethnicity", "01"), **extra}


def _cases():
    """(token, username, days ago, channel, data, petitioners, face-to-face answer)."""
    li = _person("李建华", "M", date(1978, 5, 12), "533901", 13, "13908871234", "青峰市东城街道幸福路12号",
                 education=_entry("education", "70"), political=_entry("political", "13"), workplace="青峰建安公司")
    return [
        ("01", "clerk", 21, Channel.VISIT, {
            "purpose": _entry("purpose", "04"), "problem": _entry("problem", "60200601"),
            "problem_region": _org("533901"), "visit_nature": _entry("visit_nature", "1"), "visitor_count": 1,
            "visit_level": _entry("visit_level", "3"), "responsible_unit": "青峰建安公司",
            "content": "本人在青峰建安公司承建的东城安置房项目务工，2025年5月至10月工资共计4.6万元至今未发放，"
                       "多次找项目经理讨要无果，请求帮助追讨拖欠的工资。"}, [li], None),
        ("02", "clerk", 19, Channel.VISIT, {
            "purpose": _entry("purpose", "04"), "problem": _entry("problem", "60201401"),
            "problem_region": _org("533922"), "visit_nature": _entry("visit_nature", "2"), "visitor_count": 23,
            "visit_level": _entry("visit_level", "3"), "responsible_unit": "石门县自然资源局",
            "abnormal_behaviors": [_entry("abnormal", "04")],
            "content": "石门镇红星村23户村民反映，2024年县城扩建征收我村集体土地120亩，征地补偿款至今只发放一半，"
                       "安置方案未经村民代表大会讨论，请求公开补偿标准并足额发放补偿款。"}, [
            _person("王德顺", "M", date(1962, 3, 8), "533922", 21, "13887650001", "石门县石门镇红星村三组",
                    is_representative=True),
            _person("赵秀英", "F", date(1968, 11, 23), "533922", 42, "13887650002", "石门县石门镇红星村五组",
                    is_representative=True),
            _person("陈永福", "M", date(1959, 7, 1), "533922", 17, "13887650003", "石门县石门镇红星村一组",
                    is_representative=True),
        ], None),
        ("03", "clerk", 16, Channel.LETTER, {
            "purpose": _entry("purpose", "04"), "problem": _entry("problem", "60201103"),
            "problem_region": _org("533923"), "letter_nature": _entry("letter_nature", "1"), "signer_count": 1,
            "attachment_kind": _entry("attachment_kind", "4"), "registration_source": _entry("reg_source", "1"),
            "content": "云溪县城南工业园一家石材加工厂夜间作业，噪音和粉尘严重影响周边居民休息，"
                       "多次向园区反映未见整改，请求依法查处。"}, [
            _person("张晓燕", "F", date(1990, 9, 17), "533923", 26, "13577120088", "云溪县云溪镇南苑小区6栋"),
        ], None),
        ("04", "clerk", 14, Channel.PHONE, {
            "purpose": _entry("purpose", "05"), "problem": _entry("problem", "60201502"),
            "problem_region": _org("533901"), "letter_nature": _entry("letter_nature", "1"),
            "registration_source": _entry("reg_source", "1"),
            "content": "来电咨询：小区物业公司合同到期后拒不退出，业主委员会重新选聘物业需要办理哪些手续。"}, [
            _person("刘国强", "M", date(1971, 2, 14), "533901", 35, "13698745210", "青峰市西城街道锦绣花园"),
        ], None),
        ("05", "clerk", 12, Channel.REFERRAL, {
            "purpose": _entry("purpose", "04"), "problem": _entry("problem", "60201501"),
            "problem_region": _org("533901"), "letter_nature": _entry("letter_nature", "1"), "signer_count": 1,
            "registration_source": _entry("reg_source", "2"), "attachment_kind": _entry("attachment_kind", "3"),
            "referral_number": "省信交〔2026〕118号", "referrer_name": "马文斌", "referrer_title": "督查处处长",
            "referrer_org": "省信访局", "responsible_unit": "青峰市住房和城乡建设局",
            "content": "信访人反映青峰市老城区改造中其房屋被强制拆除，评估价格明显低于市场价，"
                       "请求重新评估并依法补偿。省信访局交办，请查处并反馈办理结果。"}, [
            _person("孙桂兰", "F", date(1956, 12, 2), "533901", 64, "13759981234", "青峰市东城街道老街37号"),
        ], None),
        ("06", "clerk", 10, Channel.LETTER, {
            "purpose": _entry("purpose", "02"), "problem": _entry("problem", "60200401"),
            "problem_region": _org("533923101"), "letter_nature": _entry("letter_nature", "1"), "signer_count": 1,
            "registration_source": _entry("reg_source", "1"), "is_confidential": True,
            "accused_org": _org("533923101"),
            "content": "检举云溪镇某干部在危房改造补助发放中优亲厚友，将补助名额给予不符合条件的亲属，"
                       "附有关人员名单和照片。"}, [
            _person("周明", "M", date(1984, 6, 30), "533923", 51, "15087001122", "云溪县云溪镇河西村"),
        ], None),
        ("07", "clerk", 8, Channel.EMAIL, {
            "purpose": _entry("purpose", "01"), "problem": _entry("problem", "60200701"),
            "problem_region": _org("533901"), "letter_nature": _entry("letter_nature", "1"),
            "registration_source": _entry("reg_source", "1"),
            "content": "建议青峰市在东城新区增设一所公办小学，目前片区适龄儿童入学需跨区就读，上学路途远、交通不便。"}, [
            _person("何丽萍", "F", date(1988, 4, 5), "533901", 28, "18988762345", "青峰市东城新区阳光小区"),
        ], None),
        ("08", "clerk", 5, Channel.VISIT, {
            "purpose": _entry("purpose", "04"), "problem": _entry("problem", "60200601"),
            "problem_region": _org("533901"), "visit_nature": _entry("visit_nature", "1"), "visitor_count": 1,
            "visit_level": _entry("visit_level", "3"), "responsible_unit": "青峰建安公司", "is_repeat": True,
            "first_case": "01",
            "content": "再次反映青峰建安公司拖欠东城安置房项目务工工资4.6万元的问题，上次来访后仍未发放，"
                       "请求尽快督促解决。"}, [li], None),
        ("09", "clerk", 3, Channel.VISIT, {
            "purpose": _entry("purpose", "05"), "problem": _entry("problem", "60200602"),
            "problem_region": _org("533901"), "visit_nature": _entry("visit_nature", "1"), "visitor_count": 1,
            "visit_level": _entry("visit_level", "3"),
            "content": "咨询灵活就业人员如何参加城镇职工养老保险以及缴费档次如何选择。"}, [
            _person("吴海燕", "F", date(1979, 10, 19), "533901", 86, "13312348765", "青峰市西城街道"),
        ], "已当场讲解灵活就业人员参保政策：持身份证到市社保服务大厅或通过网上平台办理参保登记，"
           "缴费基数可在上年度全省平均工资的60%至300%之间自选。信访人表示清楚、满意。"),
        ("10", "county_clerk", 20, Channel.VISIT, {
            "purpose": _entry("purpose", "04"), "problem": _entry("problem", "60201301"),
            "problem_region": _org("533922101"), "visit_nature": _entry("visit_nature", "1"), "visitor_count": 2,
            "visit_level": _entry("visit_level", "2"), "responsible_unit": "石门镇人民政府",
            "content": "反映石门镇青龙村二轮土地承包中，本户6.5亩承包地被村小组调整给他人耕种，"
                       "请求恢复土地承包经营权。"}, [
            _person("杨光明", "M", date(1966, 8, 21), "533922", 33, "13987012345", "石门县石门镇青龙村"),
        ], None),
        ("11", "county_clerk", 13, Channel.LETTER, {
            "purpose": _entry("purpose", "02"), "problem": _entry("problem", "60201302"),
            "problem_region": _org("533922201"), "letter_nature": _entry("letter_nature", "2"), "signer_count": 15,
            "attachment_kind": _entry("attachment_kind", "3"), "registration_source": _entry("reg_source", "1"),
            "content": "龙潭乡龙潭村15户村民联名反映，村集体林地出租收入多年未公开，村民分红不知去向，"
                       "请求审计村集体资产收支。"}, [
            _person("罗正清", "M", date(1958, 1, 30), "533922", 15, "13608711111", "石门县龙潭乡龙潭村"),
            _person("段玉芬", "F", date(1963, 5, 16), "533922", 24, "13608712222", "石门县龙潭乡龙潭村"),
        ], None),
        ("12", "county_clerk", 6, Channel.FAX, {
            "purpose": _entry("purpose", "04"), "problem": _entry("problem", "60201303"),
            "problem_region": _org("533922"), "letter_nature": _entry("letter_nature", "3"),
            "registration_source": _entry("reg_source", "1"),
            "content": "匿名传真反映石门县部分乡镇耕地地力保护补贴发放不及时，个别村组存在截留现象。"}, [], None),
        ("13", "county_clerk", 1, Channel.VISIT, {
            "purpose": _entry("purpose", "04"), "problem": _entry("problem", "60200801"),
            "problem_region": _org("533922"), "visit_nature": _entry("visit_nature", "1"), "visitor_count": 1,
            "visit_level": _entry("visit_level", "2"), "responsible_unit": "石门县人民医院",
            "content": "反映其父在石门县人民医院手术后出现严重并发症，认为医院存在过错，医患协商未果，请求组织调解。"}, [
            _person("黄志刚", "M", date(1982, 12, 9), "533922", 57, "13887001234", "石门县石门镇建设路"),
        ], None),
    ]


def load_demo_cases():
    """Register the demo cases that are not there yet; return how many were created."""
    users = {u.username: u for u in User.objects.filter(username__in=["clerk", "county_clerk"])}
    if len(users) < 2:
        return 0
    created = 0
    now = clock.now()
    for token, username, days_ago, channel, data, people, answer in _cases():
        submit_token = TOKEN_PREFIX + token
        if Case.objects.filter(submit_token=submit_token).exists():
            continue
        data = dict(data)
        if "first_case" in data:
            data["first_case"] = Case.objects.get(submit_token=TOKEN_PREFIX + data["first_case"])
        registered_at = now - timedelta(days=days_ago, hours=days_ago % 5)
        if "letter_nature" in data and channel != Channel.REFERRAL:
            data.setdefault("received_at", timezone.localdate(registered_at) - timedelta(days=2))
        register_case(actor=users[username], channel=channel, data=data, petitioners=people,
                      submit_token=submit_token, answer_face_to_face=answer, registered_at=registered_at)
        created += 1
    return created
