"""The document types (文书种类): what each one is, what it is about, which placeholders its template
may use, the wording it starts with and the sample values its preview renders.

Pure data, no database: the models take their choices from here, the services their rules, the
template editor its list of placeholders. The wording follows the 《信访工作条例》 (2022): 受理告知书 and
不予受理告知书 Art.23, 不再受理告知书 Art.36 ¶3, 延长办理期限告知书 Art.34, 处理意见书 Art.32 (request, facts
and reasons, opinion and its basis) with the 30-day 复查 right of Art.35, 复查意见书 Art.35 and 复核意见书
Art.36, 交办单/转送单 Art.22, 督办单 and its written feedback Art.38–40 (docs/domain.md §3); routing out
(docs/domain.md §3.5.2): the 转送单 to the 政法 organ (Art.22 ¶2) or the 纪检监察 organ (Art.22 ¶2, Art.30),
the 转送告知书 telling the petitioner of a 涉法涉诉 matter where it went, and the 导入法定途径告知书 (Art.31).
"""
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("登记回执")
    ACCEPTANCE = "acceptance", _("受理告知书")
    REJECTION = "rejection", _("不予受理告知书")
    NOT_REACCEPTED = "not_reaccepted", _("不再受理告知书")
    EXTENSION = "extension", _("延长办理期限告知书")
    OPINION = "opinion", _("处理意见书")
    REVIEW_OPINION = "review_opinion", _("复查意见书")
    RECHECK_OPINION = "recheck_opinion", _("复核意见书")
    ASSIGNMENT_SLIP = "assignment_slip", _("交办单")
    TRANSFER_SLIP = "transfer_slip", _("转送单")
    SUPERVISION_SLIP = "supervision_slip", _("督办单")
    SUPERVISION_FEEDBACK = "supervision_feedback", _("督办反馈")
    REGISTRATION_FORM = "registration_form", _("信访登记表")
    # Routing out (docs/domain.md §3.5.2). The 转送单 to a 政法 or 纪检监察 organ is a kind of its own, not
    # TRANSFER_SLIP with a case subject: TRANSFER_SLIP is the Art.22 ¶1 转办 of an ``Assignment`` inside
    # the petition procedure (its wording asks the unit to accept within 15 days or return it, its
    # values are the assignment's deadlines), while routing out creates no assignment and the matter
    # leaves the procedure. A kind of its own keeps that wording and its placeholders right, gives the
    # administrator a template of its own, and its own 文号 series (counter per organization, kind and
    # year; default 代字 "转送", so its numbers never collide with the 转字 series of the 转送单 of 转办).
    ROUTING_SLIP = "routing_slip", _("转送单（政法、纪检监察）")
    ROUTING_NOTICE = "routing_notice", _("转送告知书")
    GUIDE_NOTICE = "guide_notice", _("导入法定途径告知书")


class Subject(models.TextChoices):
    """What one document of a kind is about: the case itself or one record of it."""

    CASE = "case", _("信访件")
    ASSIGNMENT = "assignment", _("交办记录")
    EXTENSION = "extension", _("延期申请")
    REVIEW = "review", _("复查复核")
    SUPERVISION = "supervision", _("督办")


# Placeholders every template may use, with what they stand for (shown beside the editor).
COMMON_PLACEHOLDERS = {
    "发文机关": _("出具文书的机关、单位名称"),
    "发文日期": _("出具日期，如2026年3月2日"),
    "文号": _("本文书的文号"),
    "信访件编号": _("信访件编号"),
    "登记日期": _("登记日期"),
    "信访日期": _("信访日期"),
    "信访形式": _("来访、来信、网上信访等"),
    "登记机构": _("登记该件的机构"),
    "概况": _("反映问题概况"),
    "门户网址": _("网上信访平台（查询进度）的网址"),
    "机关地址": _("发文机关的通信地址"),
    "邮政编码": _("发文机关的邮政编码"),
    "联系电话": _("发文机关的联系电话"),
    "接待地址": _("发文机关的来访接待地点"),
    "接待时间": _("发文机关的来访接待时间"),
}
PETITIONER_PLACEHOLDERS = {
    "信访人姓名": _("信访人姓名（多人时为“某某等N人”）"),
}


@dataclass(frozen=True)
class KindSpec:
    key: str
    word: str  # the default 文号 word: 州信 + 不受 + 字〔2026〕第12号
    subject: str
    to_petitioner: bool
    # Carries personal data beyond the addressee's own name and address (phones, ID numbers):
    # issued and read only with ``petitions.view_pii``.
    pii: bool = False
    is_form: bool = False  # laid out as a form with a table of the case's data (登记表, 交办单 …)
    qr: bool = False  # a QR code of the portal address beside the body (登记回执)
    compact: bool = False  # the tighter spacing of the forms, so that it fits one page (登记回执)
    placeholders: dict = field(default_factory=dict)
    # Text the issuing user adds at issue time (label, placeholder name, required).
    inputs: tuple = ()
    title: str = ""
    salutation: str = ""
    body: str = ""
    closing_note: str = ""


CONTACT_NOTE = "（联系电话：{{联系电话}}；通信地址：{{机关地址}}，邮政编码：{{邮政编码}}）"
PORTAL_LINE = "你可以凭信访件编号和查询码登录网上信访平台（{{门户网址}}）查询办理进度和结果、下载有关文书。"

SPECS = {spec.key: spec for spec in (
    KindSpec(
        key=DocumentKind.RECEIPT, word="登回", subject=Subject.CASE, to_petitioner=True, qr=True, compact=True,
        placeholders={"查询码": _("查询码（凭编号和查询码在网上查询、评价、申请复查复核）")},
        title="信访事项登记回执",
        salutation="{{信访人姓名}}：",
        body=("你（你们）于{{信访日期}}以{{信访形式}}形式反映的信访事项，本机关已于{{登记日期}}登记。\n"
              "信访件编号：{{信访件编号}}\n查询码：{{查询码}}\n"
              "请妥善保管本回执，不要将查询码告诉他人。凭信访件编号和查询码，可以登录网上信访平台（{{门户网址}}）"
              "或扫描二维码，查询办理进度和结果、下载有关告知书和意见书、进行满意度评价，并可在规定期限内提出复查、复核申请。\n"
              "本机关将自登记之日起15日内告知你是否受理（《信访工作条例》第二十二条、第二十三条）。"),
        closing_note="（来访接待地点：{{接待地址}}；接待时间：{{接待时间}}；联系电话：{{联系电话}}）",
    ),
    KindSpec(
        key=DocumentKind.ACCEPTANCE, word="受告", subject=Subject.ASSIGNMENT, to_petitioner=True,
        placeholders={"受理日期": _("受理日期"), "办理期限": _("办理期限（受理之日起60日）")},
        title="信访事项受理告知书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）于{{信访日期}}反映的“{{概况}}”的信访事项（信访件编号：{{信访件编号}}），本机关已于{{受理日期}}受理。\n"
              "根据《信访工作条例》第二十三条、第三十四条的规定，本机关将自受理之日起60日内（{{办理期限}}前）办结，"
              "并出具书面处理意见；情况复杂需要延长办理期限的，将告知你延期理由。\n" + PORTAL_LINE + "\n特此告知。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.REJECTION, word="不受", subject=Subject.CASE, to_petitioner=True,
        placeholders={"不予受理理由": _("不予受理的理由"), "告知途径": _("告知信访人的法定途径")},
        title="信访事项不予受理告知书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）于{{信访日期}}反映的“{{概况}}”的信访事项（信访件编号：{{信访件编号}}），经审查，"
              "属于“{{不予受理理由}}”的情形。根据《信访工作条例》第二十三条的规定，本机关决定不予受理。\n"
              "请你（你们）{{告知途径}}\n特此告知。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.NOT_REACCEPTED, word="不再受", subject=Subject.CASE, to_petitioner=True,
        placeholders={"不再受理理由": _("不再受理的理由"), "原信访件编号": _("已经复核的原信访件编号")},
        title="信访事项不再受理告知书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）于{{信访日期}}反映的“{{概况}}”的信访事项（信访件编号：{{信访件编号}}），"
              "与你（你们）此前反映、已经复核终结的信访事项（信访件编号：{{原信访件编号}}）属于同一事实和理由提出的同一请求。\n"
              "{{不再受理理由}}\n"
              "根据《信访工作条例》第三十六条第三款的规定，信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，"
              "信访部门和其他机关、单位不再受理。\n特此告知。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.EXTENSION, word="延告", subject=Subject.EXTENSION, to_petitioner=True,
        placeholders={"延期天数": _("延长的天数"), "延期理由": _("延期理由"), "原办理期限": _("延期前的办理期限"),
                      "新办理期限": _("延期后的办理期限")},
        title="延长信访事项办理期限告知书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）于{{信访日期}}反映的“{{概况}}”的信访事项（信访件编号：{{信访件编号}}），原定于{{原办理期限}}前办结。"
              "因{{延期理由}}，情况复杂，经本机关负责人批准，办理期限延长{{延期天数}}日，至{{新办理期限}}。\n"
              "根据《信访工作条例》第三十四条的规定，特此告知。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.OPINION, word="处意", subject=Subject.CASE, to_petitioner=True,
        placeholders={"信访请求": _("信访人的请求"), "事实和理由": _("查明的事实和理由（办理结果）"),
                      "处理意见": _("处理意见：支持、部分支持、不支持或解释说明"), "处理依据": _("处理意见的依据"),
                      "复查机关": _("受理复查申请的机关"), "复查申请截止日": _("可申请复查的最后一天")},
        inputs=(("处理依据", True),),
        title="信访事项处理意见书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）于{{信访日期}}反映的信访事项（信访件编号：{{信访件编号}}）已办理完毕，现将处理意见告知如下：\n"
              "一、信访人的请求\n{{信访请求}}\n"
              "二、事实和理由\n{{事实和理由}}\n"
              "三、处理意见及其依据\n处理意见：{{处理意见}}。依据：{{处理依据}}\n"
              "四、复查权利\n你（你们）对本处理意见不服的，可以自收到本意见书之日起30日内（{{复查申请截止日}}前），"
              "向{{复查机关}}提出复查申请，也可以凭信访件编号和查询码在网上信访平台（{{门户网址}}）提出（《信访工作条例》第三十五条）。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.REVIEW_OPINION, word="复查", subject=Subject.REVIEW, to_petitioner=True,
        placeholders={"复查请求": _("信访人的复查请求"), "原处理意见": _("原处理意见（答复）"),
                      "复查结论": _("维持、变更或撤销原处理意见"), "复查意见": _("复查意见"), "处理依据": _("复查意见的依据"),
                      "复核机关": _("受理复核申请的机关"), "复核申请截止日": _("可申请复核的最后一天")},
        inputs=(("处理依据", True),),
        title="信访事项复查意见书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）不服对信访事项（信访件编号：{{信访件编号}}）的处理意见，提出复查申请。本机关复查意见如下：\n"
              "一、复查请求\n{{复查请求}}\n"
              "二、原处理意见\n{{原处理意见}}\n"
              "三、复查意见及其依据\n复查结论：{{复查结论}}。{{复查意见}}依据：{{处理依据}}\n"
              "四、复核权利\n你（你们）对本复查意见不服的，可以自收到本意见书之日起30日内（{{复核申请截止日}}前），"
              "向{{复核机关}}提出复核申请（《信访工作条例》第三十六条）。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.RECHECK_OPINION, word="复核", subject=Subject.REVIEW, to_petitioner=True,
        placeholders={"复核请求": _("信访人的复核请求"), "复查意见": _("复查意见"), "复核结论": _("维持、变更或撤销"),
                      "复核意见": _("复核意见"), "处理依据": _("复核意见的依据")},
        inputs=(("处理依据", True),),
        title="信访事项复核意见书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）不服对信访事项（信访件编号：{{信访件编号}}）的复查意见，提出复核申请。本机关复核意见如下：\n"
              "一、复核请求\n{{复核请求}}\n"
              "二、复查意见\n{{复查意见}}\n"
              "三、复核意见及其依据\n复核结论：{{复核结论}}。{{复核意见}}依据：{{处理依据}}\n"
              "四、本复核意见为该信访事项的最终意见。根据《信访工作条例》第三十六条第三款的规定，"
              "你（你们）对复核意见不服，仍然以同一事实和理由提出投诉请求的，信访部门和其他机关、单位不再受理。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.ASSIGNMENT_SLIP, word="交", subject=Subject.ASSIGNMENT, to_petitioner=False, pii=True,
        is_form=True,
        placeholders={"承办单位": _("承办单位"), "交办要求": _("交办意见"), "受理期限": _("受理期限"),
                      "办理期限": _("办理期限"), "经办人": _("出具文书的工作人员")},
        title="信访事项交办单",
        salutation="{{承办单位}}：",
        body=("现将信访件{{信访件编号}}交你单位办理。请自收到之日起15日内（{{受理期限}}前）受理并告知信访人，"
              "于{{办理期限}}前办结，并将办理结果和办结报告报送本机关审核。不属于你单位职权范围的，"
              "请自收到之日起5个工作日内说明理由退回（《信访工作条例》第二十二条、第二十三条）。\n交办意见：{{交办要求}}"),
        closing_note="（经办人：{{经办人}}；联系电话：{{联系电话}}）",
    ),
    KindSpec(
        key=DocumentKind.TRANSFER_SLIP, word="转", subject=Subject.ASSIGNMENT, to_petitioner=False, pii=True,
        is_form=True,
        placeholders={"承办单位": _("承办单位"), "交办要求": _("转送意见"), "受理期限": _("受理期限"),
                      "办理期限": _("办理期限"), "经办人": _("出具文书的工作人员")},
        title="信访事项转送单",
        salutation="{{承办单位}}：",
        body=("根据“属地管理、分级负责，谁主管、谁负责”的原则，现将信访件{{信访件编号}}转送你单位依法处理。"
              "请自收到之日起15日内（{{受理期限}}前）受理并书面告知信访人；不属于你单位职权范围的，"
              "请自收到之日起5个工作日内说明理由退回（《信访工作条例》第二十二条、第二十三条）。\n转送意见：{{交办要求}}"),
        closing_note="（经办人：{{经办人}}；联系电话：{{联系电话}}）",
    ),
    KindSpec(
        key=DocumentKind.SUPERVISION_SLIP, word="督", subject=Subject.SUPERVISION, to_petitioner=False, is_form=True,
        placeholders={"被督办单位": _("被督办的单位"), "督办要求": _("督办要求"), "督办期限": _("督办期限"),
                      "经办人": _("出具文书的工作人员")},
        title="信访事项督办单",
        salutation="{{被督办单位}}：",
        body=("信访件{{信访件编号}}（{{概况}}）办理中存在需要督促的问题。根据《信访工作条例》第三十八条至第四十条的规定，"
              "现予督办：\n{{督办要求}}\n请于{{督办期限}}前办理，并将办理情况和是否采纳督办意见书面反馈本机关。"),
        closing_note="（经办人：{{经办人}}；联系电话：{{联系电话}}）",
    ),
    KindSpec(
        key=DocumentKind.SUPERVISION_FEEDBACK, word="督反", subject=Subject.SUPERVISION, to_petitioner=False,
        placeholders={"督办机关": _("发出督办的机关"), "督办要求": _("督办要求"), "督办期限": _("督办期限"),
                      "督办日期": _("督办日期"), "反馈内容": _("办理情况和对督办意见的采纳情况"),
                      "经办人": _("出具文书的工作人员")},
        inputs=(("反馈内容", True),),
        title="关于信访事项督办意见的反馈",
        salutation="{{督办机关}}：",
        body=("你机关于{{督办日期}}对信访件{{信访件编号}}（{{概况}}）的督办意见收悉。督办要求：{{督办要求}}\n"
              "现将办理情况和采纳督办意见的情况反馈如下：\n{{反馈内容}}"),
        closing_note="（经办人：{{经办人}}；联系电话：{{联系电话}}）",
    ),
    KindSpec(
        key=DocumentKind.ROUTING_SLIP, word="转送", subject=Subject.CASE, to_petitioner=False, pii=True,
        is_form=True,
        placeholders={"接收机关": _("接收转送的政法机关或纪检监察机关"), "事项性质": _("涉法涉诉事项或检举控告类事项"),
                      "转送依据": _("转送的依据（《信访工作条例》的条款）"), "转送意见": _("转送意见"),
                      "转送日期": _("转送日期"), "保密要求": _("保密件的保密要求（非保密件为空）"),
                      "经办人": _("出具文书的工作人员")},
        title="信访事项转送单",
        salutation="{{接收机关}}：",
        body=("现将信访件{{信访件编号}}（{{概况}}）转送你单位依法处理。该事项属于{{事项性质}}，根据{{转送依据}}转送，"
              "自{{转送日期}}起不再按信访程序办理。\n转送意见：{{转送意见}}\n{{保密要求}}"),
        closing_note="（经办人：{{经办人}}；联系电话：{{联系电话}}；通信地址：{{机关地址}}）",
    ),
    KindSpec(
        key=DocumentKind.ROUTING_NOTICE, word="转告", subject=Subject.CASE, to_petitioner=True,
        placeholders={"接收机关": _("接收转送的政法机关"), "转送日期": _("转送日期")},
        title="信访事项转送告知书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）于{{信访日期}}反映的“{{概况}}”的信访事项（信访件编号：{{信访件编号}}），属于涉法涉诉事项。"
              "根据《信访工作条例》第二十二条第二款的规定，本机关已于{{转送日期}}将其转送{{接收机关}}依法处理，"
              "不再按信访程序办理。\n"
              "请你（你们）向{{接收机关}}反映，并依照有关法律规定的程序和期限主张权利。\n特此告知。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.GUIDE_NOTICE, word="导告", subject=Subject.CASE, to_petitioner=True,
        placeholders={"法定途径": _("诉讼、仲裁、行政复议或其他法定程序"), "受理机关": _("受理该法定途径的机关"),
                      "告知内容": _("导入法定途径时填写的告知内容"), "导入日期": _("导入法定途径的日期")},
        title="信访事项导入法定途径告知书",
        salutation="{{信访人姓名}}：",
        body=("你（你们）于{{信访日期}}反映的“{{概况}}”的信访事项（信访件编号：{{信访件编号}}），属于应当通过"
              "{{法定途径}}解决的事项。根据《信访工作条例》第三十一条的规定，本机关已于{{导入日期}}将其导入相应的法定途径，"
              "不再按信访程序办理。现告知如下：\n"
              "{{告知内容}}\n"
              "请依照有关法律规定的期限向{{受理机关}}提出，以免影响你（你们）依法享有的权利。\n"
              "特此告知。"),
        closing_note=CONTACT_NOTE,
    ),
    KindSpec(
        key=DocumentKind.REGISTRATION_FORM, word="登", subject=Subject.CASE, to_petitioner=False, pii=True,
        is_form=True,
        title="信访事项登记表",
        body="",
        closing_note="（登记机构：{{登记机构}}；登记日期：{{登记日期}}）",
    ),
)}


def spec(kind):
    return SPECS[kind]


def allowed_placeholders(kind):
    """{name: description} of every placeholder a template of ``kind`` may use."""
    s = SPECS[kind]
    names = dict(COMMON_PLACEHOLDERS)
    if s.to_petitioner:
        names.update(PETITIONER_PLACEHOLDERS)
    names.update(s.placeholders)
    return names


TEMPLATE_FIELDS = ("letterhead", "title", "salutation", "body", "closing_note")
DEFAULT_LETTERHEAD = "{{发文机关}}"


def default_texts(kind):
    """The wording a kind starts with, before an administrator changes it."""
    s = SPECS[kind]
    return {"letterhead": DEFAULT_LETTERHEAD, "title": s.title, "salutation": s.salutation, "body": s.body,
            "closing_note": s.closing_note, "number_word": s.word}


SAMPLE_VALUES = {
    "发文机关": "青峰州信访局", "发文日期": "2026年3月2日", "文号": "州信示字〔2026〕第1号",
    "信访件编号": "53390001-2026-000123", "登记日期": "2026年3月2日", "信访日期": "2026年3月2日", "信访形式": "来信",
    "登记机构": "青峰州信访局", "概况": "反映某公司拖欠工资问题", "门户网址": "https://xf.example.gov.cn/portal/track/",
    "机关地址": "青峰州青峰市人民路1号", "邮政编码": "533900", "联系电话": "0871-65123456",
    "接待地址": "青峰州人民来访接待中心（人民路1号）", "接待时间": "工作日9:00—17:00",
    "信访人姓名": "张三", "查询码": "ABCDE23456",
    "受理日期": "2026年3月5日", "办理期限": "2026年5月4日",
    "不予受理理由": "应通过诉讼、仲裁、行政复议等法定途径解决", "告知途径": "依法向人民法院提起诉讼或者申请劳动仲裁。",
    "不再受理理由": "经审查，该事项已于2025年12月1日复核终结。", "原信访件编号": "53390001-2025-000077",
    "延期天数": "30", "延期理由": "需要调取的证据材料较多", "原办理期限": "2026年5月4日", "新办理期限": "2026年6月3日",
    "信访请求": "请求督促某公司支付拖欠的工资。", "事实和理由": "经调查核实，某公司拖欠你3个月工资共计12000元属实。",
    "处理意见": "支持", "处理依据": "《中华人民共和国劳动合同法》第三十条",
    "复查机关": "青峰州人民政府", "复查申请截止日": "2026年4月1日",
    "复查请求": "请求撤销原处理意见。", "原处理意见": "不支持。", "复查结论": "维持原处理意见", "复查意见": "原处理意见事实清楚。",
    "复核机关": "云南省人民政府", "复核申请截止日": "2026年5月1日",
    "复核请求": "请求撤销复查意见。", "复核结论": "维持原处理意见", "复核意见": "复查意见事实清楚、适用依据正确。",
    "承办单位": "石门县人民政府", "交办要求": "请依法处理并答复信访人。", "受理期限": "2026年3月17日",
    "经办人": "刘洋", "被督办单位": "石门县人民政府", "督办要求": "请加快办理进度，按期答复信访人。", "督办期限": "2026年4月1日",
    "督办机关": "青峰州信访局", "督办日期": "2026年3月10日", "反馈内容": "已约谈企业负责人，工资已于3月20日全部支付。",
    "接收机关": "青峰州公安局", "事项性质": "涉法涉诉事项",
    "转送依据": "《信访工作条例》第二十二条第二款的规定", "转送意见": "涉及刑事案件的报案，请依法处理。",
    "转送日期": "2026年3月5日", "保密要求": "",
    "法定途径": "诉讼", "受理机关": "有管辖权的人民法院", "导入日期": "2026年3月5日",
    "告知内容": "你反映的事项属于劳务合同纠纷，请依法向石门县人民法院提起民事诉讼。",
}
