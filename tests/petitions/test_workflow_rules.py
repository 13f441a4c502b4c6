"""Rules beyond the table: several organizations (主办 / all), returns to whoever assigned,
退回重办, 转办-only chains, review windows, extensions, and whistleblower protection."""
from datetime import timedelta

import pytest
from guardian.shortcuts import get_perms

from accounts.models import Reminder
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import AssignmentStatus, CaseView, HandlingOpinion
from petitions.permissions import available_actions, can
from petitions.selectors.queues import workflow_panel
from petitions.selectors import case_visible_qs
from petitions.workflow import Status
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, make_case, org, snapshot

pytestmark = pytest.mark.django_db

TOWNSHIP, OTHER_TOWNSHIP, DEPT = "533922101", "533923101", "53390003"


def two_org_case(c, *, lead=None):
    case = make_case(c.clerk)
    return act(case, "assign", c.triage, targets=[
        {"org": org(TOWNSHIP), "is_lead": lead == TOWNSHIP},
        {"org": org(DEPT), "is_lead": lead == DEPT},
    ])


def test_without_lead_the_case_waits_for_every_organization(cast):
    case = two_org_case(cast)
    case = act(case, "accept", cast.township_handler)
    case = act(case, "accept", cast.dept_handler)
    case = act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.SUPPORT)
    assert case.status == Status.IN_PROGRESS
    assert not can(cast.triage, case, "approve_result")
    case = act(case, "report_result", cast.dept_handler, opinion=HandlingOpinion.PARTIAL)
    assert case.status == Status.RESULT_REPORTED
    case = act(case, "approve_result", cast.triage)
    assert case.status == Status.ANSWERED
    assert "【石门镇】" in case.answer_text and "【州人力资源和社会保障局】" in case.answer_text


def test_with_lead_the_case_waits_only_for_the_lead(cast):
    case = two_org_case(cast, lead=TOWNSHIP)
    case = act(case, "accept", cast.township_handler)
    case = act(case, "report_result", cast.township_handler, note="已解决。", opinion=HandlingOpinion.SUPPORT)
    assert case.status == Status.RESULT_REPORTED
    case = act(case, "approve_result", cast.triage)
    assert case.status == Status.ANSWERED and case.answer_text == "已解决。"
    dept = case.assignments.get(org__code=DEPT)
    assert dept.status == AssignmentStatus.APPROVED and not dept.is_lead  # 协办 concludes with the lead


def test_only_one_lead(cast):
    case = make_case(cast.clerk)
    with pytest.raises(ServiceError):
        act(case, "assign", cast.triage, targets=[{"org": org(TOWNSHIP), "is_lead": True},
                                                 {"org": org(DEPT), "is_lead": True}])


def test_assignment_only_downwards_and_not_twice(cast):
    case = make_case(cast.clerk)
    for target in ("53390001", "533900"):  # own bureau, own government
        with pytest.raises(ServiceError):
            act(case, "assign", cast.triage, targets=[{"org": org(target)}])
    case = act(case, "assign", cast.triage, targets=[{"org": org("53392201")}])
    with pytest.raises(ServiceError):  # the county may pass it on only below itself
        act(case, "transfer", cast.county_triage, targets=[{"org": org(OTHER_TOWNSHIP)}])


def test_deadline_in_the_past_is_refused(cast, clock):
    case = make_case(cast.clerk)
    before = snapshot(case)
    with pytest.raises(ServiceError) as info:
        act(case, "assign", cast.triage, targets=[{"org": org(TOWNSHIP), "deadline": DAY0}])
    assert "晚于今天" in info.value.message
    assert snapshot(case) == before


def test_handler_return_goes_back_to_the_pool_of_the_assigner(cast, django_capture_on_commit_callbacks):
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org(TOWNSHIP)}])
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, "return", cast.township_handler, note="不属于本镇管辖。")
    assert case.status == Status.PENDING and case.holder_org == org("53390001")
    assert case.assignments.get().status == AssignmentStatus.RETURNED
    assert Reminder.objects.filter(user=cast.triage, title__contains="退回").exists()
    assert not can(cast.township_handler, case, "accept")


def test_return_to_an_intermediate_bureau_reopens_its_share(cast):
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("53392201")}])
    case = act(case, "transfer", cast.county_triage, targets=[{"org": org(TOWNSHIP)}])
    case = act(case, "return", cast.township_handler, note="应由龙潭乡办理。")
    county = case.assignments.get(org__code="53392201")
    assert county.status == AssignmentStatus.PENDING
    assert case.status == Status.AWAITING_ACCEPTANCE
    case = act(case, "transfer", cast.county_triage, targets=[{"org": org("533922201")}])
    assert case.assignments.filter(status=AssignmentStatus.PENDING, org__code="533922201").exists()


def test_send_back_reopens_the_handler_even_two_levels_down(cast):
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("53392201")}])
    case = act(case, "transfer", cast.county_triage, targets=[{"org": org(TOWNSHIP)}])
    case = act(case, "accept", cast.township_handler)
    case = act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.SUPPORT)
    case = act(case, "approve_result", cast.county_triage)
    case = act(case, "send_back", cast.triage, note="事实不清，请补充调查。")
    assert case.status == Status.IN_PROGRESS
    assert case.assignments.get(org__code=TOWNSHIP).status == AssignmentStatus.ACCEPTED
    assert case.assignments.get(org__code="53392201").status == AssignmentStatus.DELEGATED
    assert can(cast.township_handler, case, "report_result")


def test_transfer_only_chain_is_answered_by_the_handler(cast):
    case = act(make_case(cast.clerk), "transfer", cast.triage, targets=[{"org": org(DEPT)}])
    case = act(case, "accept", cast.dept_handler)
    case = act(case, "report_result", cast.dept_handler, note="已答复信访人。", opinion=HandlingOpinion.EXPLAIN)
    assert case.status == Status.ANSWERED and case.answered_at is not None


def test_extension_at_most_30_days_and_only_once(cast):
    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org(TOWNSHIP)}]),
               "accept", cast.township_handler)
    with pytest.raises(ServiceError) as info:
        act(case, "request_extension", cast.township_handler, days=31)
    assert info.value.field == "days"
    case = act(case, "request_extension", cast.township_handler, days=30)
    assert not can(cast.township_handler, case, "request_extension")  # one pending at a time
    case = act(case, "refuse_extension", cast.triage, note="理由不充分。")
    case = act(case, "request_extension", cast.township_handler, days=10)
    case = act(case, "approve_extension", cast.triage)
    with pytest.raises(TransitionNotAllowed):
        act(case, "request_extension", cast.township_handler, days=5)


def test_review_window_is_30_days_from_the_answer(cast, clock):
    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org(TOWNSHIP)}]),
               "accept", cast.township_handler)
    case = act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.SUPPORT)
    case = act(case, "approve_result", cast.triage)
    clock.day(31)
    assert not can(cast.clerk, case, "request_review")
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed) as info:
        act(case, "request_review", cast.clerk)
    assert "届满" in info.value.message and "2026-04-01" in info.value.message
    assert snapshot(case) == before
    clock.day(30)
    assert can(cast.clerk, case, "request_review")


def test_archive_waits_for_the_review_window(cast, clock):
    from tests.petitions.test_workflow_transitions import close_data

    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org(TOWNSHIP)}]),
               "accept", cast.township_handler)
    case = act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.SUPPORT)
    case = act(case, "approve_result", cast.triage)
    with pytest.raises(ServiceError) as info:
        act(case, "close", cast.triage, archive=True, **close_data())
    assert info.value.field == "archive"
    case = act(case, "close", cast.triage, **close_data())
    assert case.status == Status.CLOSED
    assert not can(cast.triage, case, "archive")
    case = act(case, "request_review", cast.clerk)  # still possible after 办结
    assert case.status == Status.REVIEWING and case.closed_at is None
    case = act(case, "review_decision", cast.county_triage, conclusion="uphold")
    clock.day(31)
    case = act(case, "close", cast.triage, archive=True, **close_data())
    assert case.status == Status.ARCHIVED


def test_not_reaccept_needs_a_linked_earlier_case(cast):
    case = make_case(cast.clerk)
    with pytest.raises(TransitionNotAllowed):
        act(case, "not_reaccept", cast.triage)


def test_supervision_flags_the_case_and_tells_the_handler(cast, clock, django_capture_on_commit_callbacks):
    case = act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org(TOWNSHIP)}]),
               "accept", cast.township_handler)
    with django_capture_on_commit_callbacks(execute=True):
        case = act(case, "supervise", cast.leader, note="请加快办理。", deadline=DAY0 + timedelta(days=5))
    assert case.is_supervised
    assert Reminder.objects.filter(user=cast.township_handler, title__startswith="督办").exists()
    case = act(case, "report_result", cast.township_handler, opinion=HandlingOpinion.SUPPORT)
    case = act(case, "approve_result", cast.triage)
    assert not case.is_supervised and case.supervisions.get().resolved_at is not None


def test_notifications_wait_for_commit(cast, clock, django_capture_on_commit_callbacks):
    case = make_case(cast.clerk)
    with django_capture_on_commit_callbacks() as callbacks:
        act(case, "report_leader", cast.triage, leader=cast.leader, deadline=DAY0 + timedelta(days=3))
        assert not Reminder.objects.filter(user=cast.leader).exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert Reminder.objects.filter(user=cast.leader, title__contains=case.number).exists()


def test_leader_direct_assignment(cast, clock):
    case = act(make_case(cast.clerk), "report_leader", cast.triage, leader=cast.leader,
               deadline=DAY0 + timedelta(days=3))
    case = act(case, "instruct", cast.leader, note="请人社局直接办理。", targets=[{"org": org(DEPT)}])
    assert case.status == Status.AWAITING_ACCEPTANCE
    assert case.assignments.get().assigned_by_org == org("53390001")


# --- whistleblower protection ----------------------------------------------------------------------

def confidential_case(c):
    # The triage officer registers it, so the bureau that holds it has the grant.
    return make_case(c.triage, content="检举石门镇某干部收受贿赂。", confidential=True, accused_org=org(TOWNSHIP))


def test_confidential_case_cannot_go_to_the_accused_or_below(cast):
    case = confidential_case(cast)
    for target in (TOWNSHIP, "53392210104"):  # the township, and its 自然资源所
        before = snapshot(case)
        with pytest.raises(ServiceError) as info:
            act(case, "assign", cast.triage, targets=[{"org": org(target)}])
        assert "被检举单位" in info.value.message
        assert snapshot(case) == before


def test_confidential_case_is_visible_only_to_granted_users(cast):
    case = confidential_case(cast)
    assert not case_visible_qs(cast.clerk).filter(pk=case.pk).exists()
    assert not case_visible_qs(cast.county_triage).filter(pk=case.pk).exists()
    assert available_actions(cast.clerk, case) == []
    discipline = make_user_at("53390007")
    case = act(case, "assign", cast.triage, targets=[{"org": org("53390007")}])  # 州纪委监委
    assert "view_case" in get_perms(discipline, case)
    assert case_visible_qs(discipline).filter(pk=case.pk).exists()
    assert not case_visible_qs(cast.township_handler).filter(pk=case.pk).exists()
    with pytest.raises(NotAllowed):
        act(case, "mark_viewed", cast.county_triage)


def test_confidential_case_trail_shows_who_viewed_it(cast, client):
    case = confidential_case(cast)
    client.force_login(cast.triage)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert CaseView.objects.filter(case=case, user=cast.triage).exists()
    panel = workflow_panel(cast.triage, case)
    assert [v.user for v in panel.views] == [cast.triage]
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-viewers"' in page


def test_confidential_case_is_never_published(cast):
    case = confidential_case(cast)
    handler = make_user_at("53390007")
    case = act(case, "transfer", cast.triage, targets=[{"org": org("53390007")}])
    case = act(case, "accept", handler)
    case = act(case, "report_result", handler, opinion=HandlingOpinion.SUPPORT)
    assert case.status == Status.ANSWERED
    assert not can(cast.triage, case, "publish_reply")
    with pytest.raises(TransitionNotAllowed):
        act(case, "publish_reply", cast.triage, note="公开")


def make_user_at(code):
    from tests.factories import make_user

    return make_user(f"handler_{code}", org_code=code, roles=["handler"])
