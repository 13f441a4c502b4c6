"""The petition bureau answers a matter itself, and the approver sees and may edit the reply."""
import pytest
from django.urls import reverse

from petitions.exceptions import NotAllowed, ServiceError
from petitions.models import CaseEvent, HandlingOpinion
from petitions.workflow import Status
from tests.petitions.test_workflow_transitions import close_data, result_reported
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, snapshot

pytestmark = pytest.mark.django_db


def test_the_bureau_answers_a_consultation_from_the_pool_and_closes_it(cast, clock):
    case = act(make_case(cast.clerk, content="咨询低保申请需要哪些材料。"), "answer", cast.triage,
               note="低保申请需提交户口簿、身份证和收入证明，向户籍所在地乡镇提出。", opinion=HandlingOpinion.EXPLAIN)
    assert case.status == Status.ANSWERED
    assert case.answer_text.startswith("低保申请") and case.handling_opinion == HandlingOpinion.EXPLAIN
    assert case.accepted_at is not None and case.answered_at is not None
    assert not case.assignments.exists()  # nobody else was asked to handle it
    event = CaseEvent.objects.get(case=case, action="answer")
    assert event.data["by_bureau"] is True
    case = act(case, "close", cast.triage, **close_data())
    assert case.status == Status.CLOSED


def test_an_answer_needs_its_text_and_opinion_and_the_holding_bureau(cast, clock):
    case = make_case(cast.clerk)
    before = snapshot(case)
    with pytest.raises(ServiceError) as exc:
        act(case, "answer", cast.triage, note="答复", opinion="")
    assert exc.value.field == "opinion"
    with pytest.raises(NotAllowed):
        act(case, "answer", cast.county_triage, note="答复", opinion=HandlingOpinion.SUPPORT)
    assert snapshot(case) == before


def test_the_approval_page_shows_what_is_approved(client, cast, clock):
    case = result_reported(cast)
    client.force_login(cast.triage)
    page = client.get(reverse("petitions:action", args=[case.pk, "approve_result"])).content.decode()
    assert "待审核的办理结果" in page and "意见：report_result" in page  # the handler's result text
    assert str(HandlingOpinion(HandlingOpinion.SUPPORT).label) in page


def test_the_approver_rewrites_the_reply_and_both_versions_stay(cast, clock):
    case = result_reported(cast)
    case = act(case, "approve_result", cast.triage, answer_text="经核查，已督促企业于3月底前支付拖欠工资。")
    assert case.status == Status.ANSWERED
    assert case.answer_text == "经核查，已督促企业于3月底前支付拖欠工资。"
    edited = CaseEvent.objects.get(case=case, action="approve_result").data["answer_edited"]
    assert edited == {"handler": "意见：report_result", "approved": "经核查，已督促企业于3月底前支付拖欠工资。"}
