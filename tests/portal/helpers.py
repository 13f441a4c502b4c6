"""Shared set-up for the portal tests: the citizen's form as the browser posts it, a case that has
gone through the whole staff workflow, and unlocking a case for a client.

Import the fixtures into a test module with ``from tests.portal.helpers import *``.
"""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import OrgUnit
from petitions.domain.idcard import make_id_number
from petitions.models import Case, DictEntry, DictKind, HandlingOpinion
from portal.captcha import challenge_issue, challenge_solve, solution_payload
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import act, org

__all__ = [
    "ANSWER", "CONTENT", "ID_NUMBER", "INTERNAL_NOTES", "PHONE", "answered_online_case", "cast", "clock", "form_post",
    "open_form", "solved", "submit", "unlock",
]

ID_NUMBER = make_id_number("533922", date(1971, 8, 23), 31)  # 石门县, male
PHONE = "13987650123"
CONTENT = "石门县城东安置小区外墙脱落，多次向物业和开发商反映无人处理，请求督促整改。"
# Texts only staff should ever read (used by the full-workflow case and asserted absent).
INTERNAL_NOTES = {
    "report_leader": "内部呈报：开发商为招商引资项目，注意稳妥处置",
    "instruct": "领导批示：请州住建局牵头，三日内核实",
    "assign": "交办意见：请州人社局内部先行研判",
    "approve_result": "审核意见：结果属实，同意答复",
}
ANSWER = "经核查，开发商已于本月完成外墙修复，并承诺加强日常巡查。"


def open_form(client):
    """GET the entry form; returns the submit token this session was given."""
    response = client.get(reverse("portal:submit"))
    assert response.status_code == 200
    return response.context["form"]["submit_token"].value()


def solved(challenge=None):
    """The browser check's answer as the page's script posts it: ``challenge`` (by default a new
    one, as the portal's challenge URL hands out) solved by brute force. The test settings' small
    PORTAL_POW_MAX_NUMBER makes that about a millisecond."""
    challenge = challenge or challenge_issue()
    return solution_payload(challenge, challenge_solve(challenge))


def form_post(token, **overrides):
    bureau = OrgUnit.objects.get(code="53392201")  # 石门县信访局
    data = {
        "submit_token": token, "bureau": str(bureau.pk), "name": "赵大海", "id_number": ID_NUMBER, "phone": PHONE,
        "address": "石门县城东安置小区3栋", "purpose": str(DictEntry.objects.get(kind=DictKind.PURPOSE, code="04").pk),
        "problem": "", "content": CONTENT,
    }
    if "altcha" not in overrides:
        data["altcha"] = solved()
    data.update(overrides)
    return data


def submit(client, **overrides):
    """Open the form and post it with the page's own challenge solved (valid unless overridden);
    returns the response."""
    page = client.get(reverse("portal:submit"))
    assert page.status_code == 200
    overrides.setdefault("altcha", solved(page.context["challenge"]))
    return client.post(reverse("portal:submit"), form_post(page.context["form"]["submit_token"].value(), **overrides))


def unlock(client, case):
    response = client.post(reverse("portal:track"), {"number": case.number, "code": case.query_code})
    assert response.status_code == 302 and response.url == reverse("portal:case"), response
    return response


@pytest.fixture
def answered_online_case(client, cast, clock):
    """An online petition to the prefecture bureau, taken through the staff workflow with internal
    opinions at every step: 上报领导 → 批示 → 交办 州人社局 → 受理 → 上报结果 → 审核通过 (已答复)."""
    response = submit(client, bureau=str(org("53390001").pk))
    assert response.status_code == 302
    case = Case.objects.get()
    clock.day(1)
    act(case, "report_leader", cast.triage, note=INTERNAL_NOTES["report_leader"], leader=cast.leader,
        deadline=clock.today() + timedelta(days=3))
    act(case, "instruct", cast.leader, note=INTERNAL_NOTES["instruct"])
    clock.day(2)
    act(case, "assign", cast.triage, note=INTERNAL_NOTES["assign"], targets=[{"org": org("53390003")}])
    clock.day(3)
    act(case, "accept", cast.dept_handler)
    clock.day(20)
    act(case, "report_result", cast.dept_handler, note=ANSWER, opinion=HandlingOpinion.SUPPORT)
    clock.day(21)
    case = act(case, "approve_result", cast.triage, note=INTERNAL_NOTES["approve_result"])
    case.refresh_from_db()
    return case
