"""领导包案, warning thresholds, warnings and their acknowledgement: rights, state, the trail and
the audit chain, the collective-visit rule at registration."""
import pytest
from django.urls import reverse

from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog, OrgUnit, Reminder
from cockpit.models import LeaderCharge, Warning, WarningKind, WarningRule
from cockpit.selectors.scope import jurisdiction_for
from cockpit.selectors.charges import open_charges_count
from cockpit.selectors.warnings import effective_rules
from cockpit.services.charges import charge_assign, charge_end
from cockpit.services.warnings import rules_save, warning_acknowledge, warning_raise
from petitions.models import CaseEvent
from tests.factories import make_user

from .conftest import collective_visit, letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_leader(orgs):
    return make_user("county_leader", org_code="53392201", roles=["leader"])


@pytest.fixture
def case(clerk):
    return letter(clerk, "反映龙潭水库扩建工程移民安置补偿款至今未发放到位。", region="533922")


# ---------------------------------------------------------------- 领导包案

def test_leader_takes_charge_recorded_in_trail_audit_and_count(case, leader, statistician):
    charge = charge_assign(actor=leader, case=case, leader=leader, note="一个月内化解，结果报我。")
    assert charge.ended_at is None and charge.since
    event = CaseEvent.objects.get(case=case, action="leader_charge")
    assert event.target_user == leader and event.note == "一个月内化解，结果报我。"
    assert AuditLog.objects.filter(action="case.leader_charge", object_id=str(case.pk)).exists()
    assert open_charges_count(jurisdiction_for(statistician)) == 1
    with pytest.raises(ServiceError) as refused:
        charge_assign(actor=leader, case=case, leader=leader)
    assert refused.value.code == "already_charged"
    charge_end(actor=leader, charge=charge, note="已化解。")
    charge.refresh_from_db()
    assert charge.ended_by == leader and charge.end_note == "已化解。"
    assert CaseEvent.objects.filter(case=case, action="leader_charge_end").exists()
    assert open_charges_count(jurisdiction_for(statistician)) == 0
    charge_assign(actor=leader, case=case, leader=leader)  # a new charge after the old one ended
    assert LeaderCharge.objects.filter(case=case).count() == 2


def test_charge_rights(case, leader, county_leader, triage, township_handler, django_capture_on_commit_callbacks):
    with pytest.raises(NotAllowed):
        charge_assign(actor=triage, case=case, leader=leader)
    with pytest.raises(NotAllowed):  # a county leader does not see a case the prefecture registered
        charge_assign(actor=county_leader, case=case, leader=county_leader)
    with pytest.raises(ServiceError) as refused:  # not a leader
        charge_assign(actor=leader, case=case, leader=township_handler)
    assert refused.value.code == "leader_invalid"
    with pytest.raises(ServiceError):  # a leader who cannot see the case
        charge_assign(actor=leader, case=case, leader=county_leader)
    with django_capture_on_commit_callbacks(execute=True):
        pass
    assert not LeaderCharge.objects.exists()


def test_charging_another_leader_tells_him(case, leader, orgs, django_capture_on_commit_callbacks):
    deputy = make_user("deputy", roles=["leader"])
    with django_capture_on_commit_callbacks(execute=True):
        charge_assign(actor=leader, case=case, leader=deputy, note="请牵头化解")
    assert Reminder.objects.filter(user=deputy, topic="cockpit.leader_charge").exists()


def test_case_page_shows_the_charge_panel(client, case, leader, triage):
    client.force_login(leader)
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert 'id="case-leader-charge"' in page and reverse("cockpit:charge", args=[case.pk]) in page
    response = client.post(reverse("cockpit:charge", args=[case.pk]), {"leader": leader.pk, "note": "限期化解"})
    assert response.status_code == 302
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "限期化解" in page and "解除包案" in page
    client.force_login(triage)  # sees the charge, may not change it
    page = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "限期化解" in page and "解除包案" not in page
    assert client.get(reverse("cockpit:charge", args=[case.pk])).status_code == 403


# ---------------------------------------------------------------- thresholds and warnings

def test_thresholds_by_leader_or_statistician_of_the_jurisdiction(leader, statistician, county_leader, triage):
    prefecture = OrgUnit.objects.get(code="533900")
    assert effective_rules(prefecture)[WarningKind.COLLECTIVE]["threshold"] == 30
    rules_save(actor=statistician, org=prefecture, values={WarningKind.COLLECTIVE: (50, True)})
    assert effective_rules(prefecture)[WarningKind.COLLECTIVE] == {
        "threshold": 50, "enabled": True, "custom": True, "label": WarningKind.COLLECTIVE.label}
    assert AuditLog.objects.filter(action="cockpit.rules", actor=statistician).exists()
    with pytest.raises(ServiceError) as refused:
        rules_save(actor=leader, org=prefecture, values={WarningKind.HOTSPOT: (0, True)})
    assert "hotspot_threshold" in refused.value.message_dict
    for outsider in (county_leader, triage):
        with pytest.raises(NotAllowed):
            rules_save(actor=outsider, org=prefecture, values={WarningKind.HOTSPOT: (9, True)})


def test_collective_visit_warns_each_jurisdiction_whose_threshold_it_reaches(
        county_clerk, leader, county_leader, statistician, django_capture_on_commit_callbacks):
    county = OrgUnit.objects.get(code="533922")
    prefecture = OrgUnit.objects.get(code="533900")
    rules_save(actor=county_leader, org=county, values={WarningKind.COLLECTIVE: (20, True)})
    with django_capture_on_commit_callbacks(execute=True):
        small = collective_visit(county_clerk, 12)
        middle = collective_visit(county_clerk, 25)
        large = collective_visit(county_clerk, 40)
    assert not Warning.objects.filter(case=small).exists()
    assert list(Warning.objects.filter(case=middle).values_list("org__code", flat=True)) == ["533922"]
    assert set(Warning.objects.filter(case=large).values_list("org__code", flat=True)) == {"533922", "533900"}
    # in the app, for the leaders of each jurisdiction only
    assert Reminder.objects.filter(user=county_leader, topic="cockpit.warning").count() == 2
    assert Reminder.objects.filter(user=leader, topic="cockpit.warning").count() == 1
    assert not Reminder.objects.filter(user=statistician, topic="cockpit.warning").exists()
    # switched off for the prefecture: nothing more there
    rules_save(actor=leader, org=prefecture, values={WarningKind.COLLECTIVE: (30, False)})
    collective_visit(county_clerk, 60)
    assert Warning.objects.filter(org=prefecture).count() == 1


def test_acknowledgement_is_recorded_once_and_closes_the_reminders(
        leader, statistician, county_leader, django_capture_on_commit_callbacks):
    prefecture = OrgUnit.objects.get(code="533900")
    with django_capture_on_commit_callbacks(execute=True):
        warning = warning_raise(org=prefecture, kind=WarningKind.UNIT_OVERDUE, key="unit_overdue:1:2026-W49",
                                title="石门镇超期未办12件")
        assert warning_raise(org=prefecture, kind=WarningKind.UNIT_OVERDUE, key="unit_overdue:1:2026-W49",
                             title="石门镇超期未办12件") is None
    assert Reminder.objects.filter(user=leader, target=f"warning:{warning.pk}", is_read=False).exists()
    with pytest.raises(NotAllowed):
        warning_acknowledge(actor=county_leader, warning=warning, note="")
    acked = warning_acknowledge(actor=statistician, warning=warning, note="已转督查室督办")
    assert acked.acknowledged_by == statistician and acked.acknowledged_at and acked.ack_note == "已转督查室督办"
    assert AuditLog.objects.filter(action="cockpit.warning_ack", actor=statistician).exists()
    assert not Reminder.objects.filter(user=leader, target=f"warning:{warning.pk}", is_read=False).exists()
    with pytest.raises(ServiceError) as refused:
        warning_acknowledge(actor=leader, warning=warning, note="")
    assert refused.value.code == "already_acknowledged"


def test_warning_pages(client, leader, county_leader, triage):
    prefecture = OrgUnit.objects.get(code="533900")
    warning = warning_raise(org=prefecture, kind=WarningKind.HOTSPOT, key="hotspot:x", title="热点：石门县 拖欠工资")
    client.force_login(leader)
    assert "热点：石门县 拖欠工资" in client.get(reverse("cockpit:warnings")).content.decode()
    response = client.post(reverse("cockpit:warning", args=[warning.pk]), {"note": "请人社局核查"})
    assert response.status_code == 302
    warning.refresh_from_db()
    assert warning.acknowledged_by == leader
    again = client.post(reverse("cockpit:warning", args=[warning.pk]), {"note": ""})
    assert again.status_code == 200 and "签收" in again.content.decode()
    client.force_login(county_leader)  # another jurisdiction's warning does not exist for him
    assert client.get(reverse("cockpit:warning", args=[warning.pk])).status_code == 404
    client.force_login(triage)
    assert client.get(reverse("cockpit:warnings")).status_code == 403
    assert client.get(reverse("cockpit:rules")).status_code == 403


def test_rules_page_saves(client, leader):
    client.force_login(leader)
    data = {f"{k}_threshold": v for k, v in (("hotspot", 6), ("cluster", 5), ("collective", 40), ("unit_overdue", 10))}
    data.update({f"{k}_enabled": "on" for k in ("hotspot", "cluster", "collective")})
    assert client.post(reverse("cockpit:rules"), data).status_code == 302
    rules = {r.kind: (r.threshold, r.enabled) for r in WarningRule.objects.all()}
    assert rules == {"hotspot": (6, True), "collective": (40, True), "unit_overdue": (10, False)}
    bad = client.post(reverse("cockpit:rules"), {**data, "hotspot_threshold": "0"})
    assert bad.status_code == 200 and bad.context["form"].errors
