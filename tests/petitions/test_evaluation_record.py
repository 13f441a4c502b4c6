"""Evaluations for people without the portal (代录 from a 回访 call), the evaluation window and the
states 待评价 / 已评价 / 超期未评价."""
from datetime import timedelta

import pytest
from django.urls import reverse

from petitions.domain.deadlines import EVALUATION_DAYS, evaluation_state
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import CaseEvent, Evaluation, EvaluationSource
from petitions.services.evaluations import case_evaluate, case_evaluation_record
from tests.petitions.test_workflow_transitions import answered
from tests.petitions.workflow_helpers import *  # noqa: F401,F403

pytestmark = pytest.mark.django_db


def test_staff_record_an_evaluation_from_a_call_and_the_trail_says_so(cast, clock):
    case = answered(cast)
    called = clock.now() - timedelta(hours=2)
    rows = case_evaluation_record(case=case, actor=cast.triage, ratings={"bureau": "satisfied", "unit": "basic"},
                                  called_at=called, callee="信访人本人", comment="对处理结果基本满意")
    assert {(r.target, r.value, r.source) for r in rows} == {("bureau", "satisfied", "recorded"),
                                                             ("unit", "basic", "recorded")}
    assert all(r.recorded_by == cast.triage and r.callee == "信访人本人" and r.called_at == called for r in rows)
    event = CaseEvent.objects.get(case=case, action="evaluate")
    assert event.data["source"] == "recorded" and event.data["callee"] == "信访人本人"
    case.refresh_from_db()
    assert evaluation_state(case, True, clock.today()) == "done"


def test_recording_needs_the_call_details_and_the_holding_bureau(cast, clock):
    case = answered(cast)
    with pytest.raises(ServiceError) as exc:
        case_evaluation_record(case=case, actor=cast.triage, ratings={"bureau": "satisfied"},
                               called_at=clock.now(), callee="")
    assert exc.value.field == "callee"
    with pytest.raises(ServiceError) as exc:
        case_evaluation_record(case=case, actor=cast.triage, ratings={"bureau": "satisfied"},
                               called_at=clock.now() + timedelta(hours=1), callee="本人")
    assert exc.value.field == "called_at"
    with pytest.raises(NotAllowed):
        case_evaluation_record(case=case, actor=cast.county_triage, ratings={"bureau": "satisfied"},
                               called_at=clock.now(), callee="本人")
    assert not Evaluation.objects.filter(case=case).exists()


def test_the_evaluation_window_closes_and_the_case_becomes_overdue(cast, clock):
    case = answered(cast)
    assert evaluation_state(case, False, clock.today()) == "pending"
    clock.advance(EVALUATION_DAYS + 1)
    assert evaluation_state(case, False, clock.today()) == "overdue"
    with pytest.raises(TransitionNotAllowed) as exc:
        case_evaluate(case=case, ratings={"bureau": "satisfied"}, actor=cast.clerk)
    assert "评价期限已于" in exc.value.message
    assert not Evaluation.objects.filter(case=case).exists()


def test_the_recording_page(client, cast, clock):
    case = answered(cast)
    client.force_login(cast.triage)
    url = reverse("petitions:evaluation_record", args=[case.pk])
    assert "代录评价" in client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    # A slip in the date is refused with the format, and nothing is recorded.
    response = client.post(url, {"rating_bureau": "satisfied", "called_day": "2026-02-30",
                                 "called_time": "15:30", "callee": "信访人本人"})
    assert response.status_code == 200 and "年-月-日" in response.content.decode()
    assert not Evaluation.objects.filter(case=case).exists()
    response = client.post(url, {"rating_bureau": "satisfied", "rating_unit": "unsatisfied",
                                 "called_day": clock.now().strftime("%Y-%m-%d"),
                                 "called_time": clock.now().strftime("%H:%M"), "callee": "信访人本人"})
    assert response.status_code == 302
    assert Evaluation.objects.filter(case=case, source=EvaluationSource.RECORDED).count() == 2
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "回访代录" in page and "已评价" in page
    client.force_login(cast.township_handler)
    assert client.get(url).status_code == 403
