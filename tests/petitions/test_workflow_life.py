"""One case through its whole life, with a fixed clock and the deadlines checked at every step:
register → 上报领导 → 批示 → 交办 to the county bureau → the county 转办 to a township → 受理 →
申请延期 → approved → 上报结果 → county approves → prefecture approves → 已答复 → 复查 →
复查意见 → 复核 → 复核意见 → 办结归档; the audit chain verifies at the end."""
from datetime import timedelta

import pytest

from accounts.audit import verify_chain
from petitions.models import (
    AssignmentStatus, CaseEvent, DictEntry, DictKind, ExtensionStatus, HandlingOpinion, ReviewLevel,
)
from petitions.exceptions import NotAllowed, TransitionNotAllowed
from petitions.workflow import Status
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, make_case, org

pytestmark = pytest.mark.django_db


def d(n):
    return DAY0 + timedelta(days=n)


def test_full_life_of_a_case(cast, clock):
    case = make_case(cast.clerk)
    assert case.status == Status.PENDING
    assert case.acceptance_due == d(15) and case.current_due == d(15)

    case = act(case, "report_leader", cast.triage, leader=cast.leader, deadline=d(3))
    assert case.status == Status.AWAITING_INSTRUCTION and case.current_due == d(3)
    assert case.reported_leader == cast.leader

    clock.day(1)
    case = act(case, "instruct", cast.leader, note="请石门县抓紧核实处理，依法维护劳动者权益。")
    assert case.status == Status.PENDING
    assert case.latest_instruction.startswith("请石门县")
    assert case.current_due == d(15)  # back in the pool: the bureau's 15 days from registration

    clock.day(2)
    county_bureau = org("53392201")
    case = act(case, "assign", cast.triage, targets=[{"org": county_bureau, "deadline": None}])
    assert case.status == Status.AWAITING_ACCEPTANCE
    top = case.assignments.get()
    assert top.org == county_bureau and top.acceptance_due == d(17)
    assert case.current_due == d(17)

    clock.day(3)
    township = org("533922101")
    case = act(case, "transfer", cast.county_triage, targets=[{"org": township}])
    assert case.status == Status.AWAITING_ACCEPTANCE
    child = case.assignments.get(org=township)
    top.refresh_from_db()
    assert child.parent == top and top.status == AssignmentStatus.DELEGATED
    assert child.acceptance_due == d(18) and case.current_due == d(18)

    clock.day(4)
    case = act(case, "accept", cast.township_handler)
    assert case.status == Status.IN_PROGRESS
    child.refresh_from_db()
    assert child.handling_due == d(64) and case.handling_due == d(64) and case.current_due == d(64)

    clock.day(10)
    case = act(case, "request_extension", cast.township_handler, note="需现场调查取证。", days=20)
    assert case.status == Status.IN_PROGRESS and case.current_due == d(64)

    clock.day(11)
    case = act(case, "approve_extension", cast.county_triage)
    child.refresh_from_db()
    assert child.extensions.get().status == ExtensionStatus.APPROVED
    assert child.handling_due == d(84) and case.handling_due == d(84) and case.current_due == d(84)

    clock.day(40)
    case = act(case, "report_result", cast.township_handler, note="经调查，企业已于3月底补发工资。",
               opinion=HandlingOpinion.SUPPORT)
    assert case.status == Status.RESULT_REPORTED and case.current_due == d(84)

    clock.day(41)
    case = act(case, "approve_result", cast.county_triage)
    assert case.status == Status.RESULT_REPORTED  # passed up to the prefecture
    top.refresh_from_db()
    assert top.status == AssignmentStatus.REPORTED and top.result_text.startswith("经调查")

    clock.day(42)
    case = act(case, "approve_result", cast.triage)
    assert case.status == Status.ANSWERED
    assert case.answered_at == clock.now() and case.current_due is None
    assert case.handling_opinion == HandlingOpinion.SUPPORT

    clock.day(50)
    case = act(case, "request_review", cast.clerk, note="对处理意见不服。")
    review = case.reviews.get()
    assert case.status == Status.REVIEWING
    assert review.level == ReviewLevel.REVIEW and review.org == org("533922")  # next level up of 石门镇
    assert review.due == d(80) and case.current_due == d(80)

    clock.day(60)
    with pytest.raises(NotAllowed):
        act(case, "review_decision", cast.triage, conclusion="uphold")  # the prefecture is not the 复查机关
    case = act(case, "review_decision", cast.county_triage, note="维持原处理意见。", conclusion="uphold")
    assert case.status == Status.ANSWERED and case.current_due is None

    clock.day(70)
    case = act(case, "request_recheck", cast.clerk, note="对复查意见仍不服。")
    recheck = case.reviews.get(level=ReviewLevel.RECHECK)
    assert case.status == Status.RECHECKING
    assert recheck.org == org("533900") and recheck.due == d(100) and case.current_due == d(100)

    clock.day(80)
    case = act(case, "recheck_decision", cast.triage, note="维持。", conclusion="uphold")
    assert case.status == Status.ANSWERED

    clock.day(81)
    case = act(case, "close", cast.triage, closure_category=DictEntry.objects.get(kind=DictKind.CLOSURE, code="1"),
               closure_org=township, closure_region=org("533922"),
               problem=DictEntry.objects.get(kind=DictKind.PROBLEM, code="60200601"), archive=True)
    assert case.status == Status.ARCHIVED and case.closed_at == clock.now() and case.archived_at == clock.now()

    assert list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True)) == [
        "register", "report_leader", "instruct", "assign", "transfer", "accept", "request_extension",
        "approve_extension", "report_result", "approve_result", "approve_result", "request_review",
        "review_decision", "request_recheck", "recheck_decision", "close",
    ]

    # After 复核 the same matter can only be 不再受理.
    again = make_case(cast.clerk, first_case=case)
    with pytest.raises(TransitionNotAllowed):
        act(again, "assign", cast.triage, targets=[{"org": county_bureau}])
    again = act(again, "not_reaccept", cast.triage, note="同一事项已经复核终结。")
    assert again.status == Status.NOT_REACCEPTED

    assert verify_chain() is None
