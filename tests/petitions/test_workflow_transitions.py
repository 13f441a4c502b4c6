"""Table-driven tests over every transition of ``TRANSITIONS``: the allowed source writes the
change, one event and one audit row; a disallowed source, a user without the role permission
and a user of the wrong organization are refused with a clear error and change nothing."""
from datetime import timedelta

import pytest

from accounts.models import AuditLog
from petitions.exceptions import NotAllowed, TransitionNotAllowed
from petitions.models import CaseEvent, DictEntry, DictKind, HandlingOpinion
from petitions.permissions import available_actions, can
from petitions.workflow import TRANSITIONS, Status
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org, reject_reason, snapshot

pytestmark = pytest.mark.django_db


# --- states reached through the real services --------------------------------------------------

def pending(c):
    return make_case(c.clerk)


def awaiting_instruction(c):
    case = pending(c)
    return act(case, "report_leader", c.triage, leader=c.leader, deadline=_today() + timedelta(days=3))


def awaiting_acceptance(c):
    return act(pending(c), "assign", c.triage, targets=[{"org": org("533922101")}])


def in_progress(c):
    return act(awaiting_acceptance(c), "accept", c.township_handler)


def extension_pending(c):
    return act(in_progress(c), "request_extension", c.township_handler, days=10)


def result_reported(c):
    return act(in_progress(c), "report_result", c.township_handler, opinion=HandlingOpinion.SUPPORT)


def answered(c):
    return act(result_reported(c), "approve_result", c.triage)


def reviewing(c):
    return act(answered(c), "request_review", c.clerk)


def reviewed(c):
    return act(reviewing(c), "review_decision", c.county_triage, conclusion="uphold")


def rechecking(c):
    return act(reviewed(c), "request_recheck", c.clerk)


def rejected(c):
    return act(pending(c), "reject", c.triage, reason=reject_reason(), channel="向人民法院提起诉讼")


def archived(c):
    return act(rejected(c), "archive", c.triage)


def void_requested(c):
    """A case past the pool whose 作废 was asked for by another triage officer of the bureau."""
    from tests.factories import make_user

    colleague = make_user("triage_colleague", roles=["triage"])
    return act(awaiting_acceptance(c), "request_void", colleague)


def repeat_pending(c):
    return make_case(c.clerk, first_case=pending(c))


def accusation_pending(c):
    return make_case(c.clerk, matter_class="accusation")


def simple_pending(c):
    return act(pending(c), "apply_simple", c.triage, basis="consultation")


def hearing_data():
    from datetime import datetime, time

    from django.utils import timezone

    return {"scheduled_at": timezone.make_aware(datetime.combine(_today() + timedelta(days=3), time(9, 30))),
            "place": "石门镇人民政府三楼会议室", "participants": "信访人张三，镇劳动保障所代表", "chair": "镇党委副书记"}


def hearing_scheduled(c):
    return act(in_progress(c), "schedule_hearing", c.township_handler, **hearing_data())


def supervised(c):
    return act(in_progress(c), "supervise", c.supervisor, deadline=_today() + timedelta(days=7))


def urgent_pending(c):
    return act(pending(c), "mark_urgent", c.triage)


def mediation_data():
    return {"kind": "mediation", "parties": "张三；青峰建安公司", "held_on": _today(), "outcome": "agreed",
            "agreement": "公司于十日内支付拖欠工资4.6万元。"}


def _today():
    from petitions import clock

    return clock.today()


def close_data():
    return {"closure_category": DictEntry.objects.get(kind=DictKind.CLOSURE, code="1"),
            "closure_org": org("533922101"), "closure_region": org("533922"),
            "problem": DictEntry.objects.get(kind=DictKind.PROBLEM, code="602006")}


# action: (state builder, allowed actor, data factory, out-of-scope actor)
SCENARIOS = {
    "report_leader": (pending, "triage", lambda c: {"leader": c.leader, "deadline": _today() + timedelta(days=5)},
                      "county_triage"),
    "instruct": (awaiting_instruction, "leader", lambda c: {}, "county_leader"),
    "assign": (pending, "triage", lambda c: {"targets": [{"org": org("53392201")}]}, "county_triage"),
    "transfer": (pending, "triage", lambda c: {"targets": [{"org": org("53390003")}]}, "county_triage"),
    "reject": (pending, "triage", lambda c: {"reason": reject_reason(), "channel": "申请劳动仲裁"}, "county_triage"),
    "not_reaccept": (repeat_pending, "triage", lambda c: {}, "county_triage"),
    "answer": (pending, "triage", lambda c: {"opinion": HandlingOpinion.EXPLAIN}, "county_triage"),
    "accept": (awaiting_acceptance, "township_handler", lambda c: {}, "other_township_handler"),
    "return": (awaiting_acceptance, "township_handler", lambda c: {}, "other_township_handler"),
    "request_extension": (in_progress, "township_handler", lambda c: {"days": 15}, "other_township_handler"),
    "approve_extension": (extension_pending, "triage", lambda c: {}, "county_triage"),
    "refuse_extension": (extension_pending, "triage", lambda c: {}, "county_triage"),
    "report_result": (in_progress, "township_handler", lambda c: {"opinion": HandlingOpinion.EXPLAIN},
                      "other_township_handler"),
    "approve_result": (result_reported, "triage", lambda c: {}, "county_triage"),
    "send_back": (result_reported, "triage", lambda c: {}, "county_triage"),
    "request_review": (answered, "clerk", lambda c: {}, "other_county_clerk"),
    "review_decision": (reviewing, "county_triage", lambda c: {"conclusion": "uphold"}, "triage"),
    "request_recheck": (reviewed, "clerk", lambda c: {}, "other_county_clerk"),
    "recheck_decision": (rechecking, "triage", lambda c: {"conclusion": "change"}, "county_triage"),
    "close": (answered, "triage", lambda c: close_data(), "county_triage"),
    "archive": (rejected, "triage", lambda c: {}, "county_triage"),
    "publish_reply": (answered, "triage", lambda c: {}, "county_triage"),
    "supervise": (in_progress, "supervisor", lambda c: {"deadline": _today() + timedelta(days=7)},
                  "other_county_supervisor"),
    "mark_viewed": (pending, "triage", lambda c: {}, "county_triage"),
    "void": (pending, "triage", lambda c: {}, "county_triage"),
    "request_void": (awaiting_acceptance, "triage", lambda c: {}, "county_triage"),
    "approve_void": (void_requested, "triage", lambda c: {}, "county_triage"),
    "refuse_void": (void_requested, "triage", lambda c: {}, "county_triage"),
    "reclassify": (pending, "triage", lambda c: {"matter_class": "suggestion"}, "county_triage"),
    "route_legal": (pending, "triage", lambda c: {"org": org("53390002")}, "county_triage"),
    "route_discipline": (accusation_pending, "triage", lambda c: {"org": org("53390007")}, "county_triage"),
    "guide_procedure": (pending, "triage", lambda c: {"procedure": "litigation"}, "county_triage"),
    "apply_simple": (pending, "triage", lambda c: {"basis": "consultation"}, "county_triage"),
    "convert_ordinary": (simple_pending, "triage", lambda c: {}, "county_triage"),
    "schedule_hearing": (in_progress, "township_handler", lambda c: hearing_data(), "other_township_handler"),
    "record_hearing": (hearing_scheduled, "township_handler", lambda c: {"minutes": "听证笔录全文"},
                       "other_township_handler"),
    "record_mediation": (in_progress, "township_handler", lambda c: mediation_data(), "other_township_handler"),
    "declare_recusal": (pending, "triage", lambda c: {}, "county_triage"),
    "order_recusal": (pending, "leader", lambda c: {"user": c.triage}, "county_leader"),
    "supervision_feedback": (supervised, "township_handler", lambda c: {"adopted": "采纳督办建议，已约谈企业负责人"},
                             "other_township_handler"),
    "mark_urgent": (pending, "triage", lambda c: {}, "county_triage"),
    "acknowledge_alert": (urgent_pending, "leader", lambda c: {}, "county_leader"),
}


def test_every_transition_has_a_scenario():
    assert set(SCENARIOS) == set(TRANSITIONS)


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_allowed_transition_writes_state_event_and_audit(action, cast):
    build, actor_name, data, _oos = SCENARIOS[action]
    case = build(cast)
    actor = cast[actor_name]
    transition = TRANSITIONS[action]
    assert can(actor, case, action)
    assert action in [a["name"] for a in available_actions(actor, case)]
    before_status, before_version = case.status, case.version
    events, audit = CaseEvent.objects.filter(case=case).count(), AuditLog.objects.count()

    result = act(case, action, actor, **data(cast))

    assert result.status in transition.possible_targets()
    if transition.target is None:
        assert result.status == before_status
    assert result.version == before_version + 1
    assert CaseEvent.objects.filter(case=case).count() == events + 1
    assert AuditLog.objects.count() == audit + 1
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        action, actor, before_status, result.status)
    assert event.audit.action == f"case.{action}"


def disallowed_source(action):
    return pending if Status.PENDING not in TRANSITIONS[action].sources else archived


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_disallowed_source_is_refused_and_changes_nothing(action, cast):
    _build, actor_name, data, _oos = SCENARIOS[action]
    case = disallowed_source(action)(cast)
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed) as info:
        act(case, action, cast[actor_name], **data(cast))
    assert "不能" in info.value.message
    assert snapshot(case) == before


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_user_without_role_permission_is_refused(action, cast):
    build, _actor, data, _oos = SCENARIOS[action]
    case = build(cast)
    before = snapshot(case)
    assert not can(cast.statistician, case, action)
    with pytest.raises(NotAllowed) as info:
        act(case, action, cast.statistician, **data(cast))
    assert "权限" in info.value.message
    assert snapshot(case) == before


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_user_of_wrong_organization_is_refused(action, cast):
    build, _actor, data, oos_name = SCENARIOS[action]
    case = build(cast)
    outsider = cast[oos_name]
    before = snapshot(case)
    assert not can(outsider, case, action)
    with pytest.raises(NotAllowed) as info:
        act(case, action, outsider, **data(cast))
    assert info.value.message
    assert snapshot(case) == before


@pytest.mark.parametrize("action", ["instruct", "return", "request_review", "supervise", "publish_reply"])
def test_missing_required_text_is_refused(action, cast):
    build, actor_name, data, _oos = SCENARIOS[action]
    case = build(cast)
    before = snapshot(case)
    from petitions.services.transitions import case_transition
    from petitions.exceptions import ServiceError

    with pytest.raises(ServiceError) as info:
        case_transition(case=case, action=action, actor=cast[actor_name], version=case.version, note="  ",
                        **data(cast))
    assert info.value.field == "note"
    assert snapshot(case) == before
