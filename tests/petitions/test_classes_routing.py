"""The three classes (条例第二十九至三十一条), routing out (第二十二条第二款、第三十条、第三十一条) and
调解/和解 (第三十三条): proposal at registration, 调整类别, the 已转出 outcomes and a settled case."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from petitions.domain.deadlines import review_window
from petitions.domain.procedures import propose_matter_class
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import (
    AssignmentStatus, Attachment, CaseEvent, CaseOutcome, DictEntry, DictKind, MatterClass, Mediation,
)
from petitions.permissions import can
from petitions.selectors import case_visible_qs
from petitions.services.transitions import case_record_mediation
from petitions.workflow import Status
from tests.factories import make_user
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org, snapshot

pytestmark = pytest.mark.django_db


def purpose(code):
    return DictEntry.objects.get(kind=DictKind.PURPOSE, code=code)


def problem(code):
    return DictEntry.objects.get(kind=DictKind.PROBLEM, code=code)


@pytest.mark.parametrize("purpose_code, problem_code, confidential, expected", [
    ("01", None, False, MatterClass.SUGGESTION),
    ("02", None, False, MatterClass.ACCUSATION),
    ("03", None, False, MatterClass.APPEAL),
    ("04", None, False, MatterClass.APPEAL),
    ("05", None, False, MatterClass.APPEAL),  # 咨询: the residual class (docs/domain.md §11)
    ("99", "602004", False, MatterClass.ACCUSATION),  # 其他, filed under 纪检监察
    (None, None, True, MatterClass.ACCUSATION),  # a confidential 检举揭发
    ("01", "602004", True, MatterClass.SUGGESTION),  # 信访目的 decides where it names a class
])
def test_class_proposed_from_purpose_and_problem(purpose_code, problem_code, confidential, expected):
    assert propose_matter_class(purpose_code=purpose_code, problem_top_code=problem_code,
                                is_confidential=confidential) == expected


def test_registration_stores_the_proposed_class(cast):
    assert make_case(cast.clerk, purpose=purpose("01")).matter_class == MatterClass.SUGGESTION
    assert make_case(cast.clerk, purpose=purpose("04")).matter_class == MatterClass.APPEAL
    # A second-level 所属问题 under 纪检监察 counts as 纪检监察.
    under = DictEntry.objects.filter(kind=DictKind.PROBLEM, parent__code="602004").first() or problem("602004")
    assert make_case(cast.clerk, purpose=purpose("05"), problem=under).matter_class == MatterClass.ACCUSATION
    # The clerk's own choice wins.
    assert make_case(cast.clerk, purpose=purpose("01"), matter_class="appeal").matter_class == MatterClass.APPEAL


def test_reclassify_needs_a_new_class_and_a_reason_and_keeps_both_in_the_trail(cast):
    case = make_case(cast.clerk, purpose=purpose("04"))
    before = snapshot(case)
    with pytest.raises(ServiceError) as info:
        act(case, "reclassify", cast.triage, matter_class="appeal")
    assert info.value.field == "matter_class"
    assert snapshot(case) == before
    act(case, "reclassify", cast.triage, note="实为对镇政府工作的建议", matter_class="suggestion")
    case.refresh_from_db()
    assert case.matter_class == MatterClass.SUGGESTION
    event = CaseEvent.objects.get(case=case, action="reclassify")
    assert (event.data["from"], event.data["to"], event.data["to_label"]) == ("appeal", "suggestion", "建议意见类")
    assert event.note == "实为对镇政府工作的建议"


def test_search_filters_by_class(client, cast):
    suggestion = make_case(cast.clerk, purpose=purpose("01"))
    appeal = make_case(cast.clerk, purpose=purpose("04"))
    client.force_login(cast.triage)
    response = client.post(reverse("petitions:search"), {"matter_class": "suggestion"}, follow=True)
    numbers = response.content.decode()
    assert suggestion.number in numbers and appeal.number not in numbers


def test_case_page_shows_the_class(client, cast):
    case = make_case(cast.clerk, purpose=purpose("02"))
    client.force_login(cast.triage)
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert 'id="case-class">检举控告类' in page and 'id="matter-class">检举控告类' in page


# --- routing out ---------------------------------------------------------------------------------

def test_route_legal_only_to_a_department_of_the_same_level(cast):
    case = make_case(cast.clerk)
    with pytest.raises(ServiceError):  # a county's police is not the prefecture's level
        act(case, "route_legal", cast.triage, org=org("53392202"))
    with pytest.raises(ServiceError):  # a bureau is not a 政法 organ
        act(case, "route_legal", cast.triage, org=org("53390001"))
    result = act(case, "route_legal", cast.triage, note="涉及民事纠纷诉讼", org=org("53390002"))
    assert result.status == Status.ROUTED_OUT
    assert (result.outcome, result.routed_to) == (CaseOutcome.LEGAL, org("53390002"))
    assert "州公安局" in result.answer_text and result.closed_at is not None
    assert review_window(result, []) is None
    assert can(cast.triage, result, "archive")


def test_route_discipline_needs_an_accusation_and_keeps_confidentiality(cast):
    appeal = make_case(cast.clerk, purpose=purpose("04"))
    with pytest.raises(TransitionNotAllowed) as info:
        act(appeal, "route_discipline", cast.triage, org=org("53390007"))
    assert "检举控告类" in info.value.message
    accused = org("533922")  # the county government is accused
    case = make_case(cast.clerk, purpose=purpose("02"), confidential=True, accused_org=accused)
    before = snapshot(case)
    with pytest.raises(ServiceError) as info:  # never to the accused or below it
        act(case, "route_discipline", cast.triage, org=org("53392202"))
    assert "被检举单位" in info.value.message and snapshot(case) == before
    discipline_user = make_user("jiwei", org_code="53390007", roles=["handler"])
    assert not case_visible_qs(discipline_user).filter(pk=case.pk).exists()
    result = act(case, "route_discipline", cast.triage, org=org("53390007"))
    assert (result.status, result.outcome) == (Status.ROUTED_OUT, CaseOutcome.DISCIPLINE)
    assert case_visible_qs(discipline_user).filter(pk=case.pk).exists()  # a per-case grant
    assert not case_visible_qs(cast.county_triage).filter(pk=case.pk).exists()


def test_guide_procedure_records_the_way_told(cast):
    case = make_case(cast.clerk)
    with pytest.raises(ServiceError):
        act(case, "guide_procedure", cast.triage, procedure="")
    result = act(case, "guide_procedure", cast.triage, note="请向石门县人民法院提起诉讼", procedure="litigation")
    assert (result.status, result.outcome) == (Status.ROUTED_OUT, CaseOutcome.GUIDED)
    assert result.answer_text.startswith("导入法定途径（诉讼）")


def test_routing_out_only_from_the_pool_and_for_the_holder(cast):
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    with pytest.raises(TransitionNotAllowed):
        act(case, "route_legal", cast.triage, org=org("53390002"))
    other = make_case(cast.clerk)
    with pytest.raises(NotAllowed):
        act(other, "guide_procedure", cast.county_triage, procedure="arbitration")


# --- 调解 / 和解 -------------------------------------------------------------------------------------

def _in_progress(cast, **data):
    case = act(make_case(cast.clerk, **data), "assign", cast.triage, targets=[{"org": org("533922101")}])
    return act(case, "accept", cast.township_handler)


def test_mediation_agreement_closes_the_case_as_its_own_outcome(cast, clock):
    case = _in_progress(cast, purpose=purpose("04"))
    signed = SimpleUploadedFile("调解协议书.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    case.refresh_from_db()
    result = case_record_mediation(
        case=case, actor=cast.township_handler, version=case.version, note="双方当面协商",
        files=[signed], kind="mediation", parties="张三；青峰建安公司", held_on=clock.today(), outcome="agreed",
        agreement="公司于十日内支付拖欠工资4.6万元。")
    assert (result.status, result.outcome) == (Status.CLOSED, CaseOutcome.SETTLED)
    assert result.answered_at is not None and result.answer_text.startswith("达成调解协议书")
    assert set(result.assignments.values_list("status", flat=True)) == {AssignmentStatus.APPROVED}
    mediation = Mediation.objects.get(case=case)
    assert mediation.agreement_title == "调解协议书"
    event = CaseEvent.objects.get(case=case, action="record_mediation")
    assert Attachment.objects.filter(event=event, original_name="调解协议书.pdf").exists()
    # No 复查 of an agreement, and it may be archived at once.
    assert review_window(result, []) is None
    assert not can(cast.clerk, result, "request_review")
    assert act(result, "archive", cast.triage).status == Status.ARCHIVED


def test_failed_mediation_keeps_the_case_in_handling(cast, clock):
    case = _in_progress(cast, purpose=purpose("04"))
    result = act(case, "record_mediation", cast.township_handler, kind="settlement", parties="张三；李四",
                 held_on=clock.today(), outcome="failed")
    assert result.status == Status.IN_PROGRESS and not result.outcome
    assert Mediation.objects.get(case=case).get_outcome_display() == "未达成协议"


def test_mediation_refusals(cast, clock):
    suggestion = _in_progress(cast, purpose=purpose("01"))
    with pytest.raises(TransitionNotAllowed) as info:
        act(suggestion, "record_mediation", cast.township_handler, kind="mediation", parties="张三",
            held_on=clock.today(), outcome="agreed", agreement="x")
    assert "申诉求决类" in info.value.message
    case = _in_progress(cast, purpose=purpose("04"))
    before = snapshot(case)
    with pytest.raises(ServiceError) as info:
        act(case, "record_mediation", cast.township_handler, kind="mediation", parties="张三",
            held_on=clock.today(), outcome="agreed", agreement="")
    assert info.value.field == "agreement" and snapshot(case) == before
    with pytest.raises(ServiceError) as info:
        act(case, "record_mediation", cast.township_handler, kind="mediation", parties="张三",
            held_on=clock.today() + timedelta(days=1), outcome="failed")
    assert info.value.field == "held_on"
    with pytest.raises(NotAllowed):
        act(case, "record_mediation", cast.other_township_handler, kind="mediation", parties="张三",
            held_on=clock.today(), outcome="failed")
