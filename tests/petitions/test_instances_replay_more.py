"""The steps of the procedures (docs/domain.md §3.5) and 更正登记 between two instances (docs/architecture.md
§6.2, "Applying"): a step taken on one side of a shared case is taken again on the other through the same
workflow (听证 pausing and resuming both clocks, 调解和解 closing both copies, 简易办理 and its conversion, 重大紧急
alerting the receiver's own duty leaders, routing out and 作废 from the pool, a correction of the
registration), or kept as history on purpose (回避, 签收紧急报告, 作废 after the pool); a step the receiver's
state refuses is a conflict, never an error; copies made during a hearing carry it."""
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Reminder
from petitions.lib import fieldcrypt
from petitions.models import (
    Assignment, AssignmentStatus, Attachment, CaseEvent, CaseOutcome, Hearing, InboundItem, ItemOutcome, MatterClass,
    Mediation, PeerDirection, PeerOutboxItem, Petitioner, Procedure, Recusal, SharedCase, UrgentAlert, VoidRequest,
)
from petitions.selectors.procedures import procedure_panel
from petitions.services.corrections import CORRECTABLE_CASE_FIELDS, CORRECTABLE_PERSON_FIELDS, case_correct
from petitions.services.instance_apply import FLAGGED, HISTORY_ONLY, REPLAY
from petitions.services.instances import peer_deactivate, peer_mark
from petitions.services.transitions import case_record_mediation
from petitions.workflow import TRANSITIONS, Status
from tests.factories import make_user
from tests.petitions.instance_helpers import (  # noqa: F401 (fixtures)
    COUNTY, DAY0, DB, PREFECTURE, act, carry, case_at, instances, org, register, wall,
)

pytestmark = DB
TOWNSHIP = "533922101"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def day(n):
    return DAY0 + timedelta(days=n)


def hearing(n):
    return {"scheduled_at": timezone.make_aware(datetime.combine(day(n), time(9, 30))), "place": "镇政府会议室",
            "participants": "信访人李建华；镇劳动保障所；青峰建安公司", "chair": "镇党委副书记王某"}


def shared_in_progress(prefecture, county, wall):
    """A 申诉求决类 case the prefecture assigned to the county, passed on to 石门镇 and accepted there
    (day 2); both sides have taken every step. Returns its number."""
    with prefecture:
        case = register(prefecture.user("clerk"))
        assert case.matter_class == MatterClass.APPEAL
        act(case, "assign", prefecture.user("triage"), targets=[{"org": org(COUNTY)}])
    wall.day(1)
    carry(prefecture, county)
    with county:
        copy = case_at(case.number)
        top = Assignment.objects.get(case=copy)
        act(copy, "transfer", county.user("county_triage"), targets=[{"org": org(TOWNSHIP)}], parent=top.pk)
        wall.day(2)
        act(copy, "accept", county.user("township_handler"))
    wall.day(3)
    assert carry(county, prefecture).problems == []
    with prefecture:
        assert case_at(case.number).status == Status.IN_PROGRESS
    return case.number


def outcomes(instance, number):
    """[(action, outcome, message)] of the items applied in ``instance`` for the case, in order."""
    with instance:
        return [(i.action, i.outcome, i.message) for i in
                InboundItem.objects.filter(case__number=number, action__gt="").order_by("id")]


def outcome_of(instance, number, action):
    found = [(o, m) for a, o, m in outcomes(instance, number) if a == action]
    assert len(found) == 1, (action, outcomes(instance, number))
    return found[0]


def dues(number):
    """What the clock of the case stands at in the current instance."""
    case = case_at(number)
    return {"case": (case.handling_due, case.current_due, case.paused_since),
            "assignments": sorted((a.org.code, a.status, a.handling_due)
                                  for a in Assignment.objects.filter(case=case).select_related("org"))}


def test_every_workflow_step_is_taken_again_or_kept_as_history_on_purpose():
    # 标记查看 is never sent (each instance's access log); every other step is decided one way or the other.
    assert set(REPLAY) | HISTORY_ONLY == set(TRANSITIONS) - {"mark_viewed"}
    assert not set(REPLAY) & HISTORY_ONLY
    assert set(FLAGGED) <= HISTORY_ONLY


def test_a_hearing_on_the_county_pauses_and_resumes_the_prefecture_clock_too(instances, wall):
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(10)
    with county:
        act(case_at(number), "schedule_hearing", county.user("township_handler"), **hearing(15))
        there = Hearing.objects.get(case=case_at(number))
        paused = dues(number)
        assert paused["case"][1:] == (None, day(10))  # no deadline runs while the hearing is pending
    wall.day(11)

    report = carry(county, prefecture)

    assert report.problems == []
    assert outcome_of(prefecture, number, "schedule_hearing")[0] == ItemOutcome.APPLIED
    with prefecture:
        assert dues(number) == paused
        here = Hearing.objects.get(case=case_at(number))
        assert (here.scheduled_at, here.place, here.participants, here.chair, here.paused_on, here.due_before) == (
            there.scheduled_at, there.place, there.participants, there.chair, there.paused_on, there.due_before)
        assert here.org.code == TOWNSHIP and here.created_by.username == f"exchange:{TOWNSHIP}"
        assert CaseEvent.objects.get(case=case_at(number), action="schedule_hearing").created_at == there.created_at

    wall.day(20)
    with county:
        act(case_at(number), "record_hearing", county.user("township_handler"), note="拖欠属实，公司同意分期支付",
            minutes="听证笔录：信访人陈述……")
        resumed = dues(number)
        assert Hearing.objects.get(case=case_at(number)).paused_days == 11  # day 10 to day 20, both included
    wall.day(21)
    assert carry(county, prefecture).problems == []
    with prefecture:
        assert dues(number) == resumed and resumed["case"][2] is None
        here = Hearing.objects.get(case=case_at(number))
        assert (here.paused_days, here.minutes, here.conclusion) == (11, "听证笔录：信访人陈述……", "拖欠属实，公司同意分期支付")
        # the handling deadlines of the case and of both units moved by the hearing's days
        assert resumed["case"][0] == case_at(number).accepted_at.date() + timedelta(days=60 + 11)


def test_a_hearing_the_prefecture_state_refuses_is_a_conflict_not_an_error(instances, wall):
    """Both sides acted at once: the prefecture made the matter a 建议意见类 one while the township scheduled
    a hearing (only for 申诉求决类). The hearing is a conflict at the prefecture, kept as history; its
    conclusion later finds no hearing there; the reclassification is taken at the county."""
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(5)
    with prefecture:
        act(case_at(number), "reclassify", prefecture.user("triage"), note="属于对工作的建议",
            matter_class=MatterClass.SUGGESTION)
    wall.advance(hours=1)
    with county:
        act(case_at(number), "schedule_hearing", county.user("township_handler"), **hearing(8))
    wall.day(6)

    report = carry(county, prefecture)

    assert report.outcome == "applied" and len(report.problems) == 1
    outcome, message = outcome_of(prefecture, number, "schedule_hearing")
    assert outcome == ItemOutcome.CONFLICT and "申诉求决类" in message
    with prefecture:
        case = case_at(number)
        assert case.paused_since is None and not Hearing.objects.filter(case=case).exists()
        entry = CaseEvent.objects.get(case=case, action="schedule_hearing")
        assert entry.actor is None and entry.data["exchange"]["conflict"] == message
    assert carry(prefecture, county).problems == []
    with county:
        assert case_at(number).matter_class == MatterClass.SUGGESTION
        assert CaseEvent.objects.get(case=case_at(number), action="reclassify").actor.username == "exchange:53390001"
        wall.day(9)
        act(case_at(number), "record_hearing", county.user("township_handler"), note="听证结束", minutes="笔录")
    report = carry(county, prefecture)
    assert report.outcome == "applied"
    outcome, message = outcome_of(prefecture, number, "record_hearing")
    assert outcome == ItemOutcome.CONFLICT and "本系统没有对应的记录" in message
    with prefecture:
        assert case_at(number).status == Status.IN_PROGRESS and case_at(number).paused_since is None


def test_an_agreement_mediated_on_the_county_closes_the_prefecture_copy(instances, wall):
    """调解和解 concludes the case (条例第三十三条): 已办结 with the agreement as the answer, the units
    concluded, no 复查 window. The prefecture's copy follows the same rule, with the agreement and its signed
    协议书, and the prefecture may archive it at once."""
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(6)
    with county:
        case_record_mediation(case=case_at(number), actor=county.user("township_handler"), note="经镇劳动保障所调解",
                              kind="mediation", outcome="agreed", parties="李建华；青峰建安公司", held_on=day(6),
                              agreement="公司于3月31日前一次性支付拖欠工资4.6万元。",
                              files=[SimpleUploadedFile("调解协议书.pdf", PDF)])
        there = case_at(number)
        assert there.status == Status.CLOSED
    wall.day(7)

    assert carry(county, prefecture).problems == []

    assert outcome_of(prefecture, number, "record_mediation")[0] == ItemOutcome.APPLIED
    with prefecture:
        case = case_at(number)
        assert (case.status, case.outcome, case.answer_text, case.closed_at) == (
            Status.CLOSED, CaseOutcome.SETTLED, there.answer_text, there.closed_at)
        assert set(Assignment.objects.filter(case=case).values_list("status", flat=True)) == {AssignmentStatus.APPROVED}
        mediation = Mediation.objects.get(case=case)
        assert (mediation.kind, mediation.parties, mediation.held_on, mediation.agreement, mediation.org.code) == (
            "mediation", "李建华；青峰建安公司", day(6), "公司于3月31日前一次性支付拖欠工资4.6万元。", TOWNSHIP)
        assert mediation.recorded_by.username == f"exchange:{TOWNSHIP}"
        signed = Attachment.objects.get(case=case)
        assert signed.event.action == "record_mediation" and signed.original_name == "调解协议书.pdf"
        assert procedure_panel(case).mediations[0].files == [signed]  # the 协议书 shown with its mediation
        act(case, "archive", prefecture.user("triage"))
    wall.day(8)
    assert carry(prefecture, county).problems == []
    with county:
        assert case_at(number).status == Status.ARCHIVED


def test_the_simple_procedure_and_its_conversion_travel(instances, wall):
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(3)
    with county:
        act(case_at(number), "apply_simple", county.user("township_handler"), basis="first_clear")
        there = case_at(number)
        assert there.procedure == Procedure.SIMPLE
    wall.day(4)
    assert carry(county, prefecture).problems == []
    with prefecture:
        case = case_at(number)
        assert (case.procedure, case.simple_basis, case.simple_at, case.simple_due, case.current_due) == (
            Procedure.SIMPLE, "first_clear", there.simple_at, there.simple_due, there.current_due)
    wall.day(8)
    with county:
        act(case_at(number), "convert_ordinary", county.user("township_handler"), note="需调取企业账目，10个工作日内不能办结")
        there = case_at(number)
    wall.day(9)
    assert carry(county, prefecture).problems == []
    with prefecture:
        case = case_at(number)
        assert (case.procedure, case.simple_converted_at, case.handling_due, case.current_due) == (
            Procedure.ORDINARY, there.simple_converted_at, there.handling_due, there.current_due)
    assert [o for _a, o, _m in outcomes(prefecture, number)][-2:] == [ItemOutcome.APPLIED, ItemOutcome.APPLIED]


def test_an_urgent_flag_alerts_the_receiver_duty_leaders_and_each_side_signs_its_own(instances, wall):
    """重大紧急 (条例第二十五条) flagged by the township: the prefecture's instance alerts its own duty
    leaders (its level's leaders, nobody being on its roster). The prefecture's leader signs that alert; the
    signature stays there: the county's alert is the county's to sign."""
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(4)
    with county:
        act(case_at(number), "mark_urgent", county.user("township_handler"), note="信访人情绪激动，扬言到州政府聚集")
        county_alerts = UrgentAlert.objects.filter(case=case_at(number)).count()
        flagged_at = case_at(number).urgent_at
    wall.advance(minutes=10)
    assert carry(county, prefecture).problems == []
    with prefecture:
        case = case_at(number)
        leader = prefecture.user("leader")
        assert case.is_urgent and case.urgent_at == flagged_at  # at the moment it was flagged there
        alert = UrgentAlert.objects.get(case=case)
        assert alert.org.code == PREFECTURE and list(alert.recipients.all()) == [leader]
        assert Reminder.objects.filter(user=leader, title__startswith="【重大紧急】").exists()
        act(case, "acknowledge_alert", leader, note="立即约谈信访人")
    assert carry(prefecture, county).problems == []
    assert outcome_of(county, number, "acknowledge_alert")[0] == ItemOutcome.HISTORY
    with county:
        assert UrgentAlert.objects.filter(case=case_at(number), acknowledged_at__isnull=True).count() == county_alerts
        entry = CaseEvent.objects.get(case=case_at(number), action="acknowledge_alert")
        assert entry.actor is None and entry.data["exchange"]["actor"] == leader.display_name


def test_both_sides_flagging_urgent_at_once_is_a_conflict_on_each_side(instances, wall):
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(4)
    with prefecture:
        act(case_at(number), "mark_urgent", prefecture.user("triage"), note="集体访苗头")
    with county:
        act(case_at(number), "mark_urgent", county.user("township_handler"), note="扬言聚集")
    wall.day(5)
    carry(county, prefecture)
    carry(prefecture, county)
    for instance in (prefecture, county):
        outcome, message = outcome_of(instance, number, "mark_urgent")
        assert outcome == ItemOutcome.CONFLICT and "已标记为重大紧急" in message
        with instance:
            assert case_at(number).is_urgent


def test_a_recusal_stays_in_its_instance_and_does_not_withdraw_the_exchange_account(instances, wall):
    prefecture, county = instances
    with county:
        colleague = make_user("township_handler2", org_code=TOWNSHIP, roles=["handler"])
    number = shared_in_progress(prefecture, county, wall)
    wall.day(5)
    with county:
        act(case_at(number), "declare_recusal", county.user("township_handler"), note="信访人是本人的亲属")
        wall.day(6)
        act(case_at(number), "report_result", colleague, note="已督促企业支付拖欠工资。", opinion="support")
        assert Recusal.objects.filter(case=case_at(number)).count() == 1
    wall.day(7)
    assert carry(county, prefecture).problems == []
    assert outcome_of(prefecture, number, "declare_recusal")[0] == ItemOutcome.HISTORY
    assert outcome_of(prefecture, number, "report_result")[0] == ItemOutcome.APPLIED
    with prefecture:
        case = case_at(number)
        assert not Recusal.objects.filter(case=case).exists()
        assert CaseEvent.objects.get(case=case, action="report_result").actor.username == f"exchange:{TOWNSHIP}"


@pytest.mark.parametrize("step, inputs, status", [
    ("route_legal", {"org": "53390002"}, Status.ROUTED_OUT),
    ("guide_procedure", {"procedure": "litigation"}, Status.ROUTED_OUT),
    ("void", {}, Status.VOIDED),
])
def test_a_pool_step_after_the_county_returned_the_case_ends_the_county_copy_too(instances, wall, step, inputs,
                                                                               status):
    prefecture, county = instances
    with prefecture:
        case = register(prefecture.user("clerk"))
        number = case.number
        act(case, "assign", prefecture.user("triage"), targets=[{"org": org(COUNTY)}])
    carry(prefecture, county)
    wall.day(1)
    with county:
        top = Assignment.objects.get(case=case_at(number))
        act(case_at(number), "return", county.user("county_triage"), note="不属于本县职责", assignment=top.pk)
    wall.day(2)
    assert carry(county, prefecture).problems == []
    with prefecture:
        assert case_at(number).status == Status.PENDING
        data = {k: org(v) if k == "org" else v for k, v in inputs.items()}
        act(case_at(number), step, prefecture.user("triage"), note="依法处理", **data)
        there = case_at(number)
        # Read here: a related row read later, inside `with county:`, would come from the county's database.
        expected = (status, there.outcome, there.routed_to_id and there.routed_to.code, there.answer_text)
    wall.day(3)

    assert carry(prefecture, county).problems == []

    assert outcome_of(county, number, step)[0] == ItemOutcome.APPLIED
    with county:
        copy = case_at(number)
        assert (copy.status, copy.outcome, copy.routed_to_id and copy.routed_to.code, copy.answer_text) == expected
        assert CaseEvent.objects.get(case=copy, action=step).actor.username == "exchange:53390001"


def test_a_void_approved_at_the_prefecture_is_listed_as_a_conflict_at_the_county(instances, wall):
    """Voiding a case past the pool is the holding bureau's decision by two people; the county keeps the
    request and the approval as history, does not void its copy, and lists the approval as 未能办理 for the
    two offices to settle."""
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(5)
    with prefecture:
        act(case_at(number), "request_void", prefecture.user("triage"), note="与第一件重复登记")
        act(case_at(number), "approve_void", prefecture.user("leader"), note="")
        assert case_at(number).status == Status.VOIDED
    wall.day(6)

    report = carry(prefecture, county)

    assert report.outcome == "applied" and len(report.problems) == 1
    assert outcome_of(county, number, "request_void")[0] == ItemOutcome.HISTORY
    outcome, message = outcome_of(county, number, "approve_void")
    assert outcome == ItemOutcome.CONFLICT and message == str(FLAGGED["approve_void"])
    with county:
        copy = case_at(number)
        assert copy.status == Status.IN_PROGRESS and not VoidRequest.objects.filter(case=copy).exists()
        assert CaseEvent.objects.get(case=copy, action="approve_void").data["exchange"]["conflict"] == message


def _correct(instance, number, reason, case_changes=None, person_changes=None):
    """更正登记 as the form sends it: every correctable field, some of them changed."""
    case = case_at(number)
    data = {name: getattr(case, name) for name in CORRECTABLE_CASE_FIELDS}
    data.update(case_changes or {})
    people = [{name: getattr(p, name) for name in CORRECTABLE_PERSON_FIELDS}
              for p in Petitioner.objects.filter(case=case).order_by("position")]
    people[0].update(person_changes or {})
    return case_correct(case=case, actor=instance.user("triage"), data=data, petitioners=people, reason=reason,
                        version=case.version)


def test_a_correction_at_the_prefecture_appears_on_the_county_copy(instances, wall):
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(4)
    with prefecture:
        _correct(prefecture, number, "登记时电话和地址记错",
                 case_changes={"content": "反映某公司拖欠工资四个月，请求督促企业支付。", "summary": "反映拖欠工资四个月"},
                 person_changes={"phone": "13908875678", "address": "青峰州石门县石门镇人民路18号"})
        sent = CaseEvent.objects.get(case=case_at(number), action="correct").data["changes"]
    wall.day(5)

    assert carry(prefecture, county).problems == []

    assert outcome_of(county, number, "correct")[0] == ItemOutcome.APPLIED
    with county:
        copy = case_at(number)
        assert (copy.content, copy.summary) == ("反映某公司拖欠工资四个月，请求督促企业支付。", "反映拖欠工资四个月")
        person = Petitioner.objects.get(case=copy)
        assert (person.phone, person.address, person.name) == ("13908875678", "青峰州石门县石门镇人民路18号", "李建华")
        event = CaseEvent.objects.get(case=copy, action="correct")
        assert event.actor.username == "exchange:53390001" and event.note == "登记时电话和地址记错"
        assert set(event.data["changes"]) == set(sent) == {"content", "summary", "petitioners.1.phone",
                                                           "petitioners.1.address"}
        # the trail keeps the county's own tokens, never the number in clear
        assert fieldcrypt.decrypt(event.data["changes"]["petitioners.1.phone"][1]) == "13908875678"
        assert event.data["changes"]["petitioners.1.phone"][1] != sent["petitioners.1.phone"][1]
    with prefecture:
        # nothing in the outbox in clear: the phone number is added when the package is written
        queued = PeerOutboxItem.objects.get(event__action="correct")
        assert "13908875678" not in str(queued.payload)


def test_a_correction_from_an_earlier_release_without_its_values_is_a_conflict(instances, wall):
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(4)
    with prefecture:
        _correct(prefecture, number, "内容笔误", case_changes={"content": "反映某公司拖欠工资五个月。"})
        queued = PeerOutboxItem.objects.get(event__action="correct")
        queued.payload.pop("rows")  # as a sender of an earlier release queues it
        queued.save(update_fields=["payload"])
    report = carry(prefecture, county)
    assert report.outcome == "applied"
    outcome, message = outcome_of(county, number, "correct")
    assert outcome == ItemOutcome.CONFLICT and "缺少更正内容" in message
    with county:
        assert case_at(number).content == "反映某公司拖欠工资三个月，请求督促企业支付。"


def test_a_replayed_step_that_leaves_another_state_is_reported_as_diverged(instances, wall):
    """The state check after a replayed step covers the new steps too (here the sender's state is altered
    in its outbox to stand for a difference the two workflows would make)."""
    prefecture, county = instances
    number = shared_in_progress(prefecture, county, wall)
    wall.day(4)
    with county:
        act(case_at(number), "apply_simple", county.user("township_handler"), basis="first_clear")
        queued = PeerOutboxItem.objects.get(event__action="apply_simple")
        queued.payload["state"]["status"] = Status.RESULT_REPORTED
        queued.save(update_fields=["payload"])
    carry(county, prefecture)
    outcome, message = outcome_of(prefecture, number, "apply_simple")
    assert outcome == ItemOutcome.DIVERGED and "result_reported" in message
    with prefecture:
        assert case_at(number).procedure == Procedure.SIMPLE  # taken all the same


def test_a_copy_made_during_a_hearing_carries_it_and_the_conclusion_travels_back(instances, wall):
    """A case assigned into the county before its instance was marked as a peer is copied at its next step:
    an open hearing (and the paused clock) comes with it, so the conclusion recorded at the county resumes
    both clocks."""
    prefecture, county = instances
    with prefecture:
        # before the county ran its own instance, its people worked in the prefecture's
        handler = make_user("shimen_handler", org_code=TOWNSHIP, roles=["handler"])
        peer_deactivate(actor=None, peer=prefecture.peer(COUNTY))
        case = register(prefecture.user("clerk"))
        number = case.number
        act(case, "assign", prefecture.user("triage"), targets=[{"org": org(TOWNSHIP)}])
        wall.day(1)
        act(case_at(number), "accept", handler)
        wall.day(3)
        act(case_at(number), "schedule_hearing", handler, **hearing(6))
        assert not SharedCase.objects.exists()
        peer_mark(actor=None, org=org(COUNTY), direction=PeerDirection.LOWER, public_key=county.public)
        wall.day(4)
        act(case_at(number), "supervise", prefecture.user("supervisor"), note="请按期办结", deadline=day(30))
        assert SharedCase.objects.filter(case__number=number).exists()
    report = carry(prefecture, county)
    assert report.counts == {ItemOutcome.COPIED: 1}
    with county:
        copy = case_at(number)
        assert copy.paused_since == day(3)
        open_ = Hearing.objects.get(case=copy, resumed_on__isnull=True)
        assert (open_.place, open_.org.code, open_.created_by.username) == ("镇政府会议室", TOWNSHIP, f"exchange:{TOWNSHIP}")
        # the history entry of the hearing names the hearing here
        assert CaseEvent.objects.get(case=copy, action="schedule_hearing").data["hearing"] == open_.pk
        wall.day(8)
        act(copy, "record_hearing", county.user("township_handler"), note="事实清楚", minutes="笔录")
        resumed = dues(number)
    assert carry(county, prefecture).problems == []
    with prefecture:
        assert dues(number) == resumed
        assert Hearing.objects.get(case=case_at(number)).paused_days == 6  # day 3 to day 8
