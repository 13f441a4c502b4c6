"""信访统计8表 and 9表 (docs/reports.md §3.7–3.8) against a small history made through the real
services with a fixed clock: classes, routing out, 调解和解, 听证, 简易办理 (rate and in-time rate),
督办 feedback, 重大紧急 alerts and 回避, per area."""
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrgUnit
from petitions.models import DictEntry, DictKind, HandlingOpinion
from petitions.services.deadlines import deadlines_scan
from reports.procedure_reports import class_procedure_report, supervision_urgent_report
from reports.selectors import Period, Scope
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, make_case, org

pytestmark = pytest.mark.django_db

MON = date(2026, 3, 2)


def purpose(code):
    return DictEntry.objects.get(kind=DictKind.PURPOSE, code=code)


@pytest.fixture
def history(cast, clock):
    """Eleven prefecture cases and one of 石门县, all registered in March 2026."""
    clock.set(MON)
    c = {}
    c["suggestion"] = act(make_case(cast.clerk, purpose=purpose("01")), "answer", cast.triage, note="感谢建议",
                          opinion=HandlingOpinion.SUPPORT)
    c["discipline"] = act(make_case(cast.clerk, purpose=purpose("02")), "route_discipline", cast.triage,
                          org=org("53390007"))
    c["legal"] = act(make_case(cast.clerk, purpose=purpose("03")), "route_legal", cast.triage, org=org("53390002"))
    c["guided"] = act(make_case(cast.clerk, purpose=purpose("04")), "guide_procedure", cast.triage, note="请申请仲裁",
                      procedure="arbitration")
    mediated = act(act(make_case(cast.clerk, purpose=purpose("04")), "assign", cast.triage,
                       targets=[{"org": org("533922101")}]), "accept", cast.township_handler)
    mediated = act(mediated, "schedule_hearing", cast.township_handler, scheduled_at=timezone.make_aware(
        datetime.combine(MON + timedelta(days=2), time(9))), place="镇政府", participants="双方", chair="王某")
    mediated = act(mediated, "record_hearing", cast.township_handler, note="同意调解", minutes="笔录")
    c["mediated"] = act(mediated, "record_mediation", cast.township_handler, kind="mediation", parties="张三；公司",
                        held_on=MON, outcome="agreed", agreement="公司付清工资")
    c["simple_ok"] = act(act(make_case(cast.clerk, purpose=purpose("05")), "apply_simple", cast.triage,
                             basis="consultation"), "answer", cast.triage, note="已答复", opinion=HandlingOpinion.EXPLAIN)
    c["simple_converted"] = act(act(make_case(cast.clerk), "apply_simple", cast.triage, basis="first_clear"),
                                "convert_ordinary", cast.triage, note="需调查")
    c["simple_late"] = act(make_case(cast.clerk), "apply_simple", cast.triage, basis="daily_urgent")  # due 16 March
    supervised = act(make_case(cast.clerk), "supervise", cast.supervisor, deadline=MON + timedelta(days=5))
    c["supervised_ok"] = act(supervised, "supervision_feedback", cast.triage, note="已办理", adopted="无")
    c["supervised_late"] = act(make_case(cast.clerk), "supervise", cast.supervisor, deadline=MON + timedelta(days=3))
    urgent = act(make_case(cast.clerk), "mark_urgent", cast.triage, note="聚集")
    c["urgent"] = act(urgent, "acknowledge_alert", cast.leader)
    act(c["urgent"], "declare_recusal", cast.clerk, note="亲属")
    c["county"] = make_case(cast.county_clerk, purpose=purpose("02"))
    clock.set(MON + timedelta(days=20))  # the late 督办 and the 简易办理 deadline have passed
    deadlines_scan()
    return c


def scope(code="533900"):
    return Scope(org=OrgUnit.objects.get(code=code), period=Period(date(2026, 3, 1), date(2026, 3, 31)))


def test_class_and_procedure_figures(history, statistician, clock):
    table = class_procedure_report(statistician, scope(), today=clock.today())
    total = table.row_by_label("合计")
    assert total["total"] == 12
    assert (total["cl_suggestion"], total["cl_accusation"], total["cl_appeal"], total["cl_none"]) == (1, 2, 9, 0)
    assert (total["out_legal"], total["out_discipline"], total["out_guided"]) == (1, 1, 1)
    assert (total["mediation"], total["out_settled"], total["hearing"]) == (1, 1, 1)
    # 简易办理: applied to 3 of the 6 accepted (answered directly, mediated, 3 simple); on time 1 of 2 due.
    assert (total["accepted"], total["simple"], total["simple_converted"]) == (5, 3, 1)
    assert (total["sm_due"], total["sm_ok"]) == (2, 1)
    assert (total["simple_pct"], total["simple_ok_pct"]) == (0.6, 0.5)
    county = table.row_by_label("石门县")
    assert (county["total"], county["cl_accusation"]) == (1, 1)


def test_supervision_and_urgent_figures(history, statistician, clock):
    table = supervision_urgent_report(statistician, scope(), today=clock.today())
    total = table.row_by_label("合计")
    assert (total["sv_issued"], total["sv_on_time"], total["sv_late"], total["sv_overdue"]) == (2, 1, 0, 1)
    assert (total["sv_waiting"], total["sv_escalated"], total["sv_on_time_pct"]) == (0, 1, 0.5)
    assert (total["ur_cases"], total["ur_alerts"], total["ur_ack_on_time"], total["ur_escalated"]) == (1, 1, 1, 0)
    assert (total["ur_on_time_pct"], total["recusals"]) == (1.0, 1)


def test_routed_cases_are_their_own_group_in_the_summary(history, statistician):
    from reports.definitions import summary_report

    table = summary_report(statistician, scope())
    assert table.row_by_label("转出其他途径")["all"] == 3
    assert table.row_by_label("不予受理/不再受理")["all"] == 0


def test_report_pages_and_refusals(client, history, statistician, township_handler):
    client.force_login(statistician)
    index = client.get(reverse("reports:index")).content.decode()
    assert "信访统计8表" in index and "信访统计9表" in index
    params = {"start": "2026-03-01", "end": "2026-03-31", "source": "all",
              "org": OrgUnit.objects.get(code="533900").pk}
    for slug in ("classes-procedures", "supervision-urgent"):
        response = client.get(reverse("reports:report", args=[slug]), params)
        assert response.status_code == 200 and response.context["table"].form.number.startswith("信访统计")
        assert client.get(reverse("reports:report", args=[slug]), {**params, "export": "xlsx"}).status_code == 200
    client.force_login(township_handler)
    assert client.get(reverse("reports:report", args=["classes-procedures"]), params).status_code == 403
