"""Browser journeys of the procedures of docs/domain.md §3.5, one per role and capability:

- the triage officer changes a case's class and handles it by the simple procedure (简易办理);
- a handler withdraws (回避): the buttons go and a crafted address is refused;
- the supervisor orders a 督办 and the handling unit answers it in writing;
- the handling unit holds a hearing: the clock pauses, and resumes with both deadlines shown;
- a leader on the duty roster acknowledges the alert of an urgent matter;
- the triage officer routes pool cases out (转送纪检监察 with its 转送单, 导入法定途径 with its written
  notice) and is refused for a missing opinion and for a 申诉求决类 case sent to 纪检监察;
- the handling unit records a 调解 with an agreement and the case closes as 调解和解结案;
- the statistician writes the 信访情况年度报告 of the year and downloads its PDF and Excel file.
"""
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import AuditLog, OrgUnit, User
from petitions.models import (
    AssignmentStatus, Attachment, Case, CaseEvent, CaseOutcome, Channel, DictEntry, DictKind, HandlingOpinion, Hearing,
    Mediation, Supervision, UrgentAlert,
)
from petitions.services.intake import register_case
from petitions.services.transitions import case_transition
from petitions.workflow import Status
from reports.models import AnnualReport

from .pages import (
    ActionPage, AnnualReportPage, CaseDetailPage, DutyRosterPage, InboxTabsPage, LoginPage, PoolPage,
    ProcedureFormPage, expect, shot,
)

pytestmark = pytest.mark.browser


def _entry(kind, code):
    return DictEntry.objects.get(kind=kind, code=code)


def _register(content, purpose="04", **extra):
    return register_case(
        actor=User.objects.get(username="clerk"), channel=Channel.LETTER,
        data={"purpose": _entry(DictKind.PURPOSE, purpose), "problem_region": OrgUnit.objects.get(code="533922101"),
              "letter_nature": _entry(DictKind.LETTER_NATURE, "1"), "signer_count": 1, "content": content, **extra},
        petitioners=[{"name": "李建华", "phone": "13908871234"}], submit_token=uuid.uuid4().hex)


def _act(case, action, username, **data):
    case.refresh_from_db()
    return case_transition(case=case, action=action, actor=User.objects.get(username=username), version=case.version,
                           note=data.pop("note", "意见"), **data)


def _handled_by_township(content, purpose="04"):
    case = _act(_register(content, purpose), "assign", "triage",
                targets=[{"org": OrgUnit.objects.get(code="533922101")}])
    return _act(case, "accept", "township_handler")


def test_reclassify_and_simple_procedure(page, demo_users):
    case = _register("咨询城乡居民养老保险的缴费档次和年限如何计算。", purpose="04")
    LoginPage(page).open().login("triage")
    case_page = PoolPage(page).open().open_case(case.number)
    assert case_page.value("信访事项类别", "#case-workflow") == "申诉求决类"
    form = case_page.act("调整类别")
    form.select("matter_class", "建议意见类").note("来信实为咨询和对缴费政策的建议")
    case_page = form.submit()
    assert f"已调整类别：{case.number}" in case_page.messages()
    assert case_page.value("信访事项类别", "#case-workflow") == "建议意见类"
    expect(page.locator("#case-trail")).to_contain_text("调整类别")

    form = case_page.act("简易办理")
    expect(page.locator("#simple-preview")).to_contain_text("简易办理期限")
    form.select("basis", "咨询类事项")
    shot(page, "procedures-1-simple-form")
    case_page = form.submit()
    case.refresh_from_db()
    assert case.simple_due is not None
    assert case_page.value("办理程序", "#case-workflow").startswith("简易办理")
    assert case_page.value("简易办理期限", "#case-workflow").startswith(case.simple_due.isoformat())
    expect(page.locator("#case-simple")).to_be_visible()

    answer = case_page.act("直接答复")
    answer.select("opinion", "解释说明").note("已电话答复缴费档次和年限的计算方法，并寄送政策解读。")
    case_page = answer.submit()
    assert case_page.status() == "已答复"
    shot(page, "procedures-2-simple-answered")


def test_recused_handler_is_refused(new_page, demo_users, live_server):
    case = _act(_register("本人与石门镇某企业劳动争议，请求调解。"), "assign", "triage",
                targets=[{"org": OrgUnit.objects.get(code="533922101")}])
    handler = new_page()
    LoginPage(handler).open().login("township_handler")
    case_page = CaseDetailPage(handler).open_case(case.pk)
    assert "受理" in case_page.action_labels()
    form = case_page.act("申请回避")
    form.note("信访人是本人的表兄")
    case_page = form.submit()
    assert f"已申请回避：{case.number}" in case_page.messages()
    assert "受理" not in case_page.action_labels() and "退回" not in case_page.action_labels()
    expect(handler.locator("#case-recusals")).to_contain_text("自行回避")
    # A crafted address is refused, and nothing changes.
    response = handler.goto(f"{live_server.url}/cases/{case.pk}/action/accept/")
    assert response.status == 403
    shot(handler, "procedures-3-recusal-refused")
    case.refresh_from_db()
    assert case.status == Status.AWAITING_ACCEPTANCE


def test_supervision_with_written_feedback(new_page, demo_users):
    case = _handled_by_township("拖欠工资半年未付，多次反映无果。")
    supervisor, handler = new_page(), new_page()
    LoginPage(supervisor).open().login("supervisor")
    order = CaseDetailPage(supervisor).open_case(case.pk).act("督办")
    due = timezone.localdate() + timedelta(days=7)
    order.fill("deadline", due.isoformat()).note("请于期限内查清欠薪情况并书面反馈")
    order.submit()

    LoginPage(handler).open().login("township_handler")
    case_page = CaseDetailPage(handler).open_case(case.pk)
    form = case_page.act("督办反馈")
    form.note("已约谈企业负责人，拖欠工资4.6万元已全部补发。").fill("adopted", "采纳：建立欠薪台账，每周报送进展")
    shot(handler, "procedures-4-feedback-form")
    case_page = form.submit()
    assert f"已督办反馈：{case.number}" in case_page.messages()

    supervisor.reload()
    feedback = supervisor.locator("#case-supervisions")
    expect(feedback).to_contain_text("按期反馈")
    expect(feedback).to_contain_text("采纳：建立欠薪台账")
    assert Supervision.objects.get(case=case).feedback_on_time


def test_hearing_pauses_and_resumes_the_clock(page, demo_users):
    case = _handled_by_township("征地补偿标准争议，请求重新核定。")
    handling_due = Case.objects.get(pk=case.pk).handling_due
    LoginPage(page).open().login("township_handler")
    case_page = CaseDetailPage(page).open_case(case.pk)
    form = case_page.act("安排听证")
    day = timezone.localdate() + timedelta(days=2)
    form.fill("scheduled_on", day.isoformat()).fill("scheduled_time", "09:30").fill("place", "石门镇人民政府三楼会议室")
    form.fill("chair", "镇党委副书记").fill("participants", "信访人李建华；镇自然资源所；村委会代表")
    case_page = form.submit()
    expect(page.locator("#clock-paused")).to_contain_text("听证暂停计时")
    assert case_page.value("当前期限", "#case-workflow") == "—"

    form = case_page.act("听证结论")
    expect(page.locator("#hearing-summary")).to_contain_text("石门镇人民政府三楼会议室")
    form.fill("minutes", "听证笔录：双方陈述……").note("补偿标准适用正确，维持原核定。")
    case_page = form.submit()
    row = page.locator("#case-hearings tbody tr").first
    expect(row.locator(".due-before")).to_have_text(handling_due.isoformat())
    expect(row.locator(".due-after")).to_have_text((handling_due + timedelta(days=1)).isoformat())
    expect(row).to_contain_text("1日不计入")
    shot(page, "procedures-5-hearing")
    assert Hearing.objects.get(case=case).paused_days == 1


def test_urgent_alert_acknowledged_by_the_duty_leader(new_page, demo_users):
    triage, leader = new_page(), new_page()
    LoginPage(triage).open().login("triage")
    roster = DutyRosterPage(triage).open()
    expect(triage.locator("#on-duty-now")).to_contain_text("当前无人值班")
    now = timezone.localtime()
    roster.add_shift(person="陈志强", start=now - timedelta(hours=1), end=now + timedelta(hours=8), note="带班领导")
    assert "陈志强" in roster.on_duty_now()

    case = _register("数十名村民因征地补偿问题聚集在州政府门口，情绪激动。")
    form = CaseDetailPage(triage).open_case(case.pk).act("标记重大紧急")
    form.note("约60人聚集，需立即处置")
    case_page = form.submit()
    expect(triage.locator("#case-urgent")).to_be_visible()
    expect(triage.locator("#case-alerts")).to_contain_text("待签收")

    LoginPage(leader).open().login("leader")
    expect(leader.locator("main")).to_contain_text("【重大紧急】")
    case_page = CaseDetailPage(leader).open_case(case.pk)
    form = case_page.act("签收紧急报告")
    expect(leader.locator("#alert-summary")).to_contain_text("青峰州")
    form.note("已通知州公安局、州信访局到场处置")
    case_page = form.submit()
    expect(leader.locator("#case-alerts")).to_contain_text("已签收")
    shot(leader, "procedures-6-urgent-acknowledged")
    alert = UrgentAlert.objects.get(case=case)
    assert alert.acknowledged_by.username == "leader"
    assert case_page.status() == "待分流"


def _trail(case):
    return list(CaseEvent.objects.filter(case=case).order_by("created_at", "id").values_list("action", flat=True))


def test_triage_routes_pool_cases_out(page, demo_users, live_server):
    accusation = _register("反映州某局副局长在工程招标中收受承包商财物，请求查处。", purpose="02")
    appeal = _register("与青峰建安公司的劳务合同纠纷，公司拒付工程款12万元，请求帮助追讨。", purpose="04")
    LoginPage(page).open().login("triage")

    # 转送纪检监察 of a 检举控告类 case: the opinion forgotten first, then given.
    case_page = PoolPage(page).open().open_case(accusation.number)
    assert case_page.value("信访事项类别", "#case-workflow") == "检举控告类"
    form = ProcedureFormPage.of(case_page, "转送纪检监察")
    assert "州纪委监委" in form.org_options()
    form.choose_org("州纪委监委").press()
    assert form.field_error("note") == "这个字段是必填项。"
    expect(page.locator("#action-title")).to_contain_text("转送纪检监察")
    assert Case.objects.get(pk=accusation.pk).status == Status.PENDING
    assert "route_discipline" not in _trail(accusation)
    form.note("反映国家公职人员收受财物问题，按干部管理权限转送州纪委监委。")
    page.check("#id_issue_document")  # 同时出具转送单（政法、纪检监察）
    case_page = form.submit()
    assert f"已转送纪检监察：{accusation.number}" in case_page.messages()
    assert any(m.startswith("已出具信访事项转送单，文号 州信转送字〔") for m in case_page.messages())
    assert case_page.status() == "已转出"
    assert case_page.value("办理方式", "#case-workflow") == "转送纪检监察机关：州纪委监委"
    expect(page.locator("#case-answer")).to_contain_text("检举控告事项，已按干部管理权限转送州纪委监委处理。")
    trail = page.locator("#case-trail")
    expect(trail).to_contain_text("转送纪检监察")
    expect(trail).to_contain_text("待分流 → 已转出")
    expect(trail).to_contain_text("目标机构：州纪委监委")
    assert "转送纪检监察" not in case_page.action_labels()
    shot(page, "procedures-7-routed-discipline")
    accusation.refresh_from_db()
    assert (accusation.status, accusation.outcome, accusation.routed_to.code) == (
        Status.ROUTED_OUT, CaseOutcome.DISCIPLINE, "53390007")
    assert accusation.closed_at is not None
    event = CaseEvent.objects.get(case=accusation, action="route_discipline")
    assert (event.from_status, event.to_status, event.target_org.code) == (
        Status.PENDING, Status.ROUTED_OUT, "53390007")

    # A 申诉求决类 case: no 转送纪检监察 button, and the address typed in is refused in Chinese.
    case_page = PoolPage(page).open().open_case(appeal.number)
    assert case_page.value("信访事项类别", "#case-workflow") == "申诉求决类"
    assert "转送纪检监察" not in case_page.action_labels() and "导入法定途径" in case_page.action_labels()
    response = page.goto(f"{live_server.url}/cases/{appeal.pk}/action/route_discipline/")
    assert response.status == 403
    refused = ProcedureFormPage(page).refusal()
    assert refused.startswith("只有检举控告类事项才能转送纪检监察机关（《信访工作条例》第三十条）")
    expect(page.locator("#action-form")).to_have_count(0)
    shot(page, "procedures-8-route-refused")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.routed_to) == (Status.PENDING, "", None)
    assert "route_discipline" not in _trail(appeal)

    # 导入法定途径: the way (诉讼) and what the petitioner is told in writing.
    case_page = CaseDetailPage(page).open_case(appeal.pk)
    form = ProcedureFormPage.of(case_page, "导入法定途径")
    notice = "属于劳务合同纠纷，请依法向石门县人民法院提起民事诉讼，或申请劳动人事争议仲裁。"
    form.note(notice).press()  # 法定途径 not chosen
    assert form.field_error("procedure") == "这个字段是必填项。"
    assert Case.objects.get(pk=appeal.pk).status == Status.PENDING
    form.select("procedure", "诉讼")
    assert form.value_of("note") == notice  # kept while the form came back
    page.check("#id_issue_document")  # 同时出具导入法定途径告知书
    case_page = form.submit()
    assert f"已导入法定途径：{appeal.number}" in case_page.messages()
    expect(page.locator("#document-list")).to_contain_text("信访事项导入法定途径告知书")
    assert case_page.status() == "已转出"
    assert case_page.value("办理方式", "#case-workflow") == "导入法定途径"
    expect(page.locator("#case-answer")).to_contain_text(f"导入法定途径（诉讼）：{notice}")
    expect(page.locator("#case-trail")).to_contain_text("导入法定途径")
    shot(page, "procedures-9-guided")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.routed_to) == (Status.ROUTED_OUT, CaseOutcome.GUIDED, None)
    assert appeal.answer_text == f"导入法定途径（诉讼）：{notice}"
    event = CaseEvent.objects.get(case=appeal, action="guide_procedure")
    assert (event.to_status, event.data["procedure"], event.note) == (Status.ROUTED_OUT, "litigation", notice)

    # Both have left the pool.
    pool = PoolPage(page).open()
    expect(pool.row_of(accusation.number)).to_have_count(0)
    expect(pool.row_of(appeal.number)).to_have_count(0)


def test_handler_settles_a_case_by_mediation(page, demo_users):
    case = _handled_by_township("与邻居因宅基地界址发生纠纷，对方砌墙占用通道，请求镇政府调处。")
    LoginPage(page).open().login("township_handler")
    inbox = InboxTabsPage(page).open().show("in_progress")
    case_page = inbox.open_case(case.number)
    assert case_page.status() == "办理中"
    form = ProcedureFormPage.of(case_page, "调解和解")
    today = timezone.localdate()
    parties = "信访人李建华；邻居王德明；石门镇司法所调解员"
    agreement = "王德明于2026年12月20日前拆除占用通道的围墙，恢复1.5米通道；双方不再就界址发生争议。"
    form.select("kind", "调解").fill("held_on", today.isoformat()).fill("parties", parties)
    form.select("outcome", "达成协议").note("在镇司法所主持下双方当面协商，自愿达成协议。")
    form.press()  # the agreement's text forgotten: refused, nothing recorded
    assert form.field_error("agreement") == "请填写协议内容。"
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    assert not Mediation.objects.filter(case=case).exists()
    form.fill("agreement", agreement).attach("files", "调解协议书.pdf", b"%PDF-1.4\n%%EOF\n")
    shot(page, "procedures-10-mediation-form")
    case_page = form.submit()

    assert f"已调解和解：{case.number}" in case_page.messages()
    assert case_page.status() == "已办结"
    assert case_page.value("办理方式", "#case-workflow") == "调解和解结案"
    mediations = page.locator("#case-mediations")
    expect(mediations).to_contain_text(f"{today.isoformat()} 调解（石门镇）")
    expect(mediations).to_contain_text(parties)
    expect(mediations).to_contain_text("达成协议")
    expect(mediations).to_contain_text(f"调解协议书：{agreement}")
    expect(mediations.get_by_role("link", name="调解协议书.pdf")).to_be_visible()
    expect(page.locator("#case-answer")).to_contain_text(f"达成调解协议书：{agreement}")
    step = page.locator("#case-trail li").filter(has_text="调解和解")
    expect(step).to_contain_text("办理中 → 已办结")
    expect(step).to_contain_text("郑伟")
    assert "调解和解" not in case_page.action_labels()
    shot(page, "procedures-11-mediation-settled")

    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, CaseOutcome.SETTLED)
    assert case.closed_at is not None and case.answered_at is not None
    assert set(case.assignments.values_list("status", flat=True)) == {AssignmentStatus.APPROVED}
    mediation = Mediation.objects.get(case=case)
    assert (mediation.kind, mediation.outcome, mediation.held_on, mediation.org.code) == (
        "mediation", "agreed", today, "533922101")
    assert (mediation.parties, mediation.agreement, mediation.recorded_by.username) == (
        parties, agreement, "township_handler")
    event = CaseEvent.objects.get(case=case, action="record_mediation")
    assert (event.from_status, event.to_status) == (Status.IN_PROGRESS, Status.CLOSED)
    assert Attachment.objects.filter(event=event, original_name="调解协议书.pdf").exists()


def test_statistician_writes_and_exports_the_annual_report(page, demo_users, tmp_path):
    year = timezone.localdate().year
    suggestion = _register("建议在州城新区增设公交线路。", purpose="01", responsible_unit="州住房和城乡建设局")
    _act(suggestion, "answer", "triage", note="建议已采纳，明年一季度开通。", opinion=HandlingOpinion.SUPPORT)
    accusation = _register("反映某局工作人员收受好处费。", purpose="02")
    _act(accusation, "route_discipline", "triage", org=OrgUnit.objects.get(code="53390007"))
    _act(_register("小区供暖不达标，请求整改。", purpose="04", responsible_unit="州住房和城乡建设局"), "assign",
         "triage", targets=[{"org": OrgUnit.objects.get(code="533922101")}])

    LoginPage(page).open().login("statistician")
    report = AnnualReportPage(page).open_from_reports()
    assert report.heading() == "信访情况年度报告"
    report = report.choose(org="青峰州", year=year)
    assert report.title() == f"青峰州{year}年信访情况年度报告"
    assert report.status().startswith("尚未保存")
    assert report.figure("信访总量与形式", "信访总量（件次）") == "3"
    assert [report.figure("信访总量与形式", f"{c}（件）") for c in ("建议意见类", "检举控告类", "申诉求决类")] == ["1"] * 3
    assert report.figure("转送、交办、督办情况", "转送纪检监察机关（件）") == "1"
    assert report.figure("转送、交办、督办情况", "交办（单位次）") == "1"
    assert report.figure("被反映较多的机关、单位", "州住房和城乡建设局") == "2"
    assert report.figure("意见建议及采纳情况", "全部或部分采纳（件）") == "1"

    overview = f"{year}年全州共登记信访事项3件，建议意见类、检举控告类、申诉求决类各1件，总体平稳。"
    routing = "检举控告事项1件已按干部管理权限转送州纪委监委。"
    report.write("一、信访总体情况", overview).write("四、转送、交办、督办情况", routing).save()
    [saved] = [m for m in report.messages() if m.startswith("年度报告已保存")]
    assert saved.startswith("年度报告已保存（统计数据截至")
    assert report.status().startswith("已保存：孙晓")
    expect(report.section("一、信访总体情况")).to_have_value(overview)
    expect(report.section("四、转送、交办、督办情况")).to_have_value(routing)
    assert report.figure("信访总量与形式", "信访总量（件次）") == "3"
    shot(page, "procedures-12-annual-report")
    saved_report = AnnualReport.objects.get(org__code="533900", year=year)
    assert (saved_report.overview, saved_report.routing_text, saved_report.updated_by.username) == (
        overview, routing, "statistician")
    assert saved_report.figures["volume"]["total"] == 3 and saved_report.figures["volume"]["discipline"] == 1

    pdf = report.download("导出PDF", tmp_path / "annual.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "annual.pdf").pages)
    flat = re.sub(r"\s", "", text)  # lines wrap inside the text sections
    assert f"青峰州{year}年信访情况年度报告" in flat
    assert overview in flat and routing in flat and "州住房和城乡建设局2" in flat

    xlsx = report.download("导出Excel", tmp_path / "annual.xlsx")
    assert xlsx.status == 200
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(tmp_path / "annual.xlsx")
    assert book.sheetnames == ["总体情况", "涉及领域", "被反映单位", "转送交办督办", "意见建议"]
    rows = [[c for c in row if c is not None] for row in book["总体情况"].iter_rows(values_only=True)]
    assert ["信访总量（件次）", 3] in rows
    assert any(isinstance(c, str) and c.startswith("青峰州") for row in rows for c in row)
    assert AuditLog.objects.filter(action="export", summary__contains="年度报告").count() == 2
