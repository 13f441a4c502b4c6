"""Browser journeys of the procedures of docs/domain.md §3.5, one per role and capability:

- the triage officer changes a case's class and handles it by the simple procedure (简易办理);
- a handler withdraws (回避): the buttons go and a crafted address is refused;
- the supervisor orders a 督办 and the handling unit answers it in writing;
- the handling unit holds a hearing: the clock pauses, and resumes with both deadlines shown;
- a leader on the duty roster acknowledges the alert of an urgent matter.
"""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OrgUnit, User
from petitions.models import Case, Channel, DictEntry, DictKind, Hearing, Supervision, UrgentAlert
from petitions.services.intake import register_case
from petitions.services.transitions import case_transition
from petitions.workflow import Status

from .pages import ActionPage, CaseDetailPage, DutyRosterPage, LoginPage, PoolPage, expect, shot

pytestmark = pytest.mark.browser


def _entry(kind, code):
    return DictEntry.objects.get(kind=kind, code=code)


def _register(content, purpose="04"):
    return register_case(
        actor=User.objects.get(username="clerk"), channel=Channel.LETTER,
        data={"purpose": _entry(DictKind.PURPOSE, purpose), "problem_region": OrgUnit.objects.get(code="533922101"),
              "letter_nature": _entry(DictKind.LETTER_NATURE, "1"), "signer_count": 1, "content": content},
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
