"""复查 (and 复核) asked for on the portal: the staff workflow's own rule and records."""
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Reminder
from petitions.models import Case, CaseEvent, ReviewLevel, ReviewRequest
from petitions.workflow import Status
from tests.petitions.workflow_helpers import act, org
from tests.portal.helpers import *  # noqa: F401,F403
from tests.portal.helpers import unlock

pytestmark = pytest.mark.django_db


def ask(client, reason="答复认定的事实有误，请求复查。"):
    response = client.post(reverse("portal:review"), {"reason": reason})
    assert response.status_code == 302
    return client.get(response.url)


def page_messages(response):
    return [str(m) for m in response.context["messages"]]


def test_review_within_the_window_lands_with_the_upper_level(client, answered_online_case, clock):
    case = answered_online_case
    answered = clock.today()
    client.cookies.clear()
    unlock(client, case)
    page = client.get(reverse("portal:case"))
    assert page.context["review_form"] is not None
    assert page.context["case"].review_until == answered + timedelta(days=30)

    clock.advance(30)  # the last day of the 30
    response = ask(client)
    assert "申请已提交，上一级机关将自收到申请之日起30日内答复。" in page_messages(response)
    case.refresh_from_db()
    assert case.status == Status.REVIEWING
    review = ReviewRequest.objects.get(case=case)
    # The next level up of the handling unit (州人社局 → 青峰州), decided within 30 days.
    assert (review.level, review.org.code, review.due) == (ReviewLevel.REVIEW, "533900",
                                                           clock.today() + timedelta(days=30))
    assert review.reason == "答复认定的事实有误，请求复查。"
    event = CaseEvent.objects.get(case=case, action="request_review")
    assert event.actor.username == "portal:53390001" and event.target_org.code == "533900"
    assert event.audit.action == "case.request_review"
    html = response.content.decode()
    assert "复查中" in html and "青峰州" in html
    assert response.context["review_form"] is None


def test_portal_request_equals_a_clerks_recording(client, answered_online_case, cast, clock,
                                                 django_capture_on_commit_callbacks):
    """Two cases in the same state: the portal's request and a clerk's give the same rows."""
    case = answered_online_case
    client.cookies.clear()
    unlock(client, case)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, reason="不服")
    portal = ReviewRequest.objects.get(case=case)
    staff_case = Case.objects.get(pk=case.pk)
    twin = _twin_answered_case(client, cast, clock)
    act(twin, "request_review", cast.clerk, note="不服")
    staff = ReviewRequest.objects.get(case=twin)
    assert (portal.level, portal.org, portal.due) == (staff.level, staff.org, staff.due)
    assert staff_case.status == Case.objects.get(pk=twin.pk).status == Status.REVIEWING
    # The reviewing level's triage officers were told, as for a clerk's recording.
    assert Reminder.objects.filter(user=cast.triage, title__startswith=f"复查申请待办理：{case.number}").exists()


def _twin_answered_case(client, cast, clock):
    from tests.portal.helpers import submit

    submit(client, bureau=str(org("53390001").pk))
    twin = Case.objects.order_by("-id").first()
    act(twin, "assign", cast.triage, targets=[{"org": org("53390003")}])
    act(twin, "accept", cast.dept_handler)
    act(twin, "report_result", cast.dept_handler, note="结果", opinion="support")
    act(twin, "approve_result", cast.triage)
    return Case.objects.get(pk=twin.pk)


def test_review_after_the_window_is_refused(client, answered_online_case, clock):
    case = answered_online_case
    answered = clock.today()
    client.cookies.clear()
    unlock(client, case)
    clock.advance(31)
    assert client.get(reverse("portal:case")).context["review_form"] is None
    response = ask(client)
    end = (answered + timedelta(days=30)).isoformat()
    assert page_messages(response) == [f"复查申请期限已于{end}届满（答复之日起30日内）。"]
    assert not ReviewRequest.objects.exists()
    case.refresh_from_db()
    assert case.status == Status.ANSWERED


def test_review_needs_a_reason(client, answered_online_case):
    client.cookies.clear()
    unlock(client, answered_online_case)
    response = ask(client, reason="")
    assert page_messages(response) == ["请填写请求理由。"]
    assert not ReviewRequest.objects.exists()


def test_recheck_after_the_review_decision(client, cast, clock, orgs):
    """A county case: 复查 by the county (上一级 of its 公安局), then 复核 by the prefecture."""
    from tests.factories import make_user
    from tests.portal.helpers import submit

    police_handler = make_user("police_handler", org_code="53392202", roles=["handler"])
    submit(client)  # to 石门县信访局
    case = Case.objects.get()
    act(case, "assign", cast.county_triage, targets=[{"org": org("53392202")}])
    act(case, "accept", police_handler)
    act(case, "report_result", police_handler, note="经调查，已依法处理。", opinion="explain")
    act(case, "approve_result", cast.county_triage)
    client.cookies.clear()
    unlock(client, case)
    ask(client)
    assert ReviewRequest.objects.get(case=case).org.code == "533922"
    clock.advance(5)
    act(case, "review_decision", cast.county_triage, note="经复查，维持原处理意见。", conclusion="uphold")
    page = client.get(reverse("portal:case"))
    assert page.context["case"].review_label == "复核"
    assert "经复查，维持原处理意见。" in page.content.decode()  # the 复查意见 is the petitioner's
    ask(client, reason="对复查意见不服。")
    case.refresh_from_db()
    assert case.status == Status.RECHECKING
    recheck = ReviewRequest.objects.get(case=case, level=ReviewLevel.RECHECK)
    assert recheck.org.code == "533900" and recheck.reason == "对复查意见不服。"
    assert CaseEvent.objects.get(case=case, action="request_recheck").actor.username == "portal:53392201"


def test_no_review_before_an_answer(client, orgs):
    from tests.portal.helpers import submit

    submit(client)
    case = Case.objects.get()
    client.cookies.clear()
    unlock(client, case)
    response = ask(client)
    assert page_messages(response) == ["该信访件当前状态为“待分流”，不能复查申请。"]
    assert not ReviewRequest.objects.exists()
