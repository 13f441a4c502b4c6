"""回避 (条例第二十八条第三款): a staff member who declares it, or whom a leader withdraws, can neither be
chosen for the case nor act on it by any path, and is told nothing more about it."""
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Reminder
from petitions import permissions
from petitions.exceptions import NotAllowed, ServiceError
from petitions.models import CaseEvent, HandlingOpinion, Recusal, RecusalKind
from petitions.permissions import available_actions, can, can_correct, can_record_evaluation
from petitions.selectors.orgs import leader_choices
from petitions.workflow import TRANSITIONS
from tests.factories import make_user
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org, snapshot

pytestmark = pytest.mark.django_db


def test_declared_recusal_blocks_every_action_and_every_path(cast, client):
    case = make_case(cast.clerk)
    before = {name for name in TRANSITIONS if can(cast.triage, case, name)}
    assert {"assign", "reject", "void", "declare_recusal"} <= before
    act(case, "declare_recusal", cast.triage, note="信访人是本人的亲属")
    case.refresh_from_db()
    recusal = Recusal.objects.get(case=case, user=cast.triage)
    assert recusal.kind == RecusalKind.DECLARED
    event = CaseEvent.objects.get(case=case, action="declare_recusal")
    assert event.target_user == cast.triage and event.note == "信访人是本人的亲属"

    # No transition, no button, no correction, no document (the facts act for no organization).
    assert not [name for name in TRANSITIONS if can(cast.triage, case, name)]
    assert [a["name"] for a in available_actions(cast.triage, case)] in ([], ["export"])
    assert not can_correct(cast.triage, case)
    facts = permissions.Facts(cast.triage, case)
    assert facts.recused and not facts.org_ids and not facts.jurisdiction
    for name in before:
        with pytest.raises(NotAllowed) as info:
            permissions.require(cast.triage, case, name)
        assert "回避" in info.value.message

    # A crafted request is refused: 403 on the page, nothing changes on a POST.
    client.force_login(cast.triage)
    assert client.get(reverse("petitions:detail", args=[case.pk])).status_code == 200  # he may still read it
    assert client.get(reverse("petitions:action", args=[case.pk, "assign"])).status_code == 403
    unchanged = snapshot(case)
    response = client.post(reverse("petitions:action", args=[case.pk, "reject"]),
                           {"version": case.version, "reason": "1", "channel": "起诉"})
    assert response.status_code in (403, 200)
    assert snapshot(case) == unchanged
    assert client.get(reverse("petitions:correct", args=[case.pk])).status_code in (403, 404)


def test_recused_user_is_never_offered_nor_told(cast, clock, django_capture_on_commit_callbacks):
    case = make_case(cast.clerk)
    act(case, "declare_recusal", cast.leader, note="与被反映人有利害关系")
    case.refresh_from_db()
    assert cast.leader not in leader_choices(cast.triage, case)
    assert cast.leader in leader_choices(cast.triage)
    with pytest.raises(ServiceError) as info:
        act(case, "report_leader", cast.triage, leader=cast.leader, deadline=clock.today() + timedelta(days=3))
    assert info.value.field == "leader"
    # Notices of the case skip him: a 督办 order in the pool tells the holding bureau's triage officers.
    colleague = make_user("colleague_triage", roles=["triage"])
    act(case, "declare_recusal", colleague, note="曾参与该事项的处理")
    with django_capture_on_commit_callbacks(execute=True):
        act(case, "supervise", cast.supervisor, deadline=clock.today() + timedelta(days=5))
    reminders = Reminder.objects.filter(target=f"case:{case.pk}", title__contains="督办")
    assert reminders.filter(user=cast.triage).exists()
    assert not reminders.filter(user=colleague).exists()


def test_leader_orders_a_recusal_and_the_handler_can_no_longer_act(cast, django_capture_on_commit_callbacks):
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    assert can(cast.township_handler, case, "accept")
    with pytest.raises(ServiceError):  # himself: use 申请回避
        act(case, "order_recusal", cast.leader, user=cast.leader)
    with pytest.raises(NotAllowed):  # a triage officer is no leader
        act(case, "order_recusal", cast.triage, user=cast.township_handler)
    with django_capture_on_commit_callbacks(execute=True):
        act(case, "order_recusal", cast.leader, note="承办人是信访人的近亲属", user=cast.township_handler)
    case.refresh_from_db()
    recusal = Recusal.objects.get(case=case, user=cast.township_handler)
    assert (recusal.kind, recusal.recorded_by) == (RecusalKind.ORDERED, cast.leader)
    assert not can(cast.township_handler, case, "accept")
    assert not can(cast.township_handler, case, "return")
    assert Reminder.objects.filter(user=cast.township_handler, title__contains="责令回避").exists()
    # Another handler of the same unit still can.
    other = make_user("township_handler_2", org_code="533922101", roles=["handler"])
    assert can(other, case, "accept")
    with pytest.raises(ServiceError):  # not twice
        act(case, "order_recusal", cast.leader, note="x", user=cast.township_handler)


def test_recused_staff_cannot_record_an_evaluation(cast):
    case = act(act(act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}]),
                   "accept", cast.township_handler), "report_result", cast.township_handler,
               opinion=HandlingOpinion.SUPPORT)
    case = act(case, "approve_result", cast.triage)
    assert can_record_evaluation(cast.clerk, case)
    act(case, "declare_recusal", cast.clerk, note="利害关系")
    assert not can_record_evaluation(cast.clerk, case)
