"""Correct and void a registration, never delete: the trail keeps before and after, a voided case
keeps its number and leaves the lists and statistics."""
import pytest
from django.urls import reverse

from accounts.models import AuditLog
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.lib import fieldcrypt
from petitions.models import Case, CaseEvent, Petitioner
from petitions.selectors import case_statistics_qs
from petitions.selectors.pool import pool_qs
from petitions.services.corrections import case_correct
from petitions.workflow import Status
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.factories import make_user
from tests.petitions.workflow_helpers import act, make_case, org

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


def person(**overrides):
    return {"name": "张三", "id_type": "resident_id", "id_number": ID, "sex": "", "age": None, "phone": "13800001111",
            "address": "石门镇", **overrides}


def test_a_correction_rechecks_the_id_number_and_keeps_before_and_after(cast, clock):
    case = make_case(cast.clerk)
    before_content = case.content
    with pytest.raises(ServiceError) as exc:
        case_correct(case=case, actor=cast.triage, data={"content": "更正后的内容"}, reason="登记笔误",
                     petitioners=[person(id_number="110105194912310021")])
    assert "petitioners.0.id_number" in exc.value.message_dict
    assert Case.objects.get(pk=case.pk).content == before_content  # nothing half-saved
    case = case_correct(case=case, actor=cast.triage, data={"content": "反映拖欠工资三个月的问题。"},
                        petitioners=[person()], reason="登记笔误")
    assert case.content == "反映拖欠工资三个月的问题。"
    assert Petitioner.objects.get(case=case).id_number == ID
    event = CaseEvent.objects.get(case=case, action="correct")
    changes = event.data["changes"]
    assert changes["content"] == [before_content, "反映拖欠工资三个月的问题。"]
    old, new = changes["petitioners.1.id_number"]
    assert old in (None, "") and new.startswith("s1:") and fieldcrypt.decrypt(new) == ID  # no plaintext in the trail
    assert event.note == "登记笔误" and AuditLog.objects.filter(action="case.correct").exists()


def test_a_correction_needs_a_reason_the_right_person_and_a_change(cast, clock):
    case = make_case(cast.clerk)
    with pytest.raises(ServiceError):
        case_correct(case=case, actor=cast.triage, data={"content": "新内容"}, petitioners=[person()], reason="")
    with pytest.raises(NotAllowed):
        case_correct(case=case, actor=cast.county_triage, data={"content": "新内容"}, petitioners=[person()],
                     reason="笔误")
    with pytest.raises(ServiceError) as exc:
        case_correct(case=case, actor=cast.triage, data={"content": case.content},
                     petitioners=[{"name": "张三"}], reason="笔误")
    assert exc.value.code == "nothing_changed"


def test_voiding_from_the_pool_keeps_the_number_and_leaves_lists_and_statistics(cast, clock, client):
    case = make_case(cast.clerk)
    assert pool_qs(cast.triage).filter(pk=case.pk).exists()
    case = act(case, "void", cast.triage, note="重复登记")
    assert case.status == Status.VOIDED and Case.objects.filter(number=case.number).exists()
    assert not pool_qs(cast.triage).filter(pk=case.pk).exists()
    assert not case_statistics_qs(cast.statistician, org("533900")).filter(pk=case.pk).exists()
    client.force_login(cast.triage)
    detail = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    assert "已作废" in detail and "重复登记" in detail
    found = client.get(client.post(reverse("petitions:search"), {"number": case.number})["Location"])
    assert case.number in found.content.decode()  # found by its number, shown as voided
    listed = client.get(client.post(reverse("petitions:search"), {})["Location"])
    assert case.number not in listed.content.decode()


def test_a_case_past_the_pool_needs_a_second_person_to_void_it(cast, clock):
    case = act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org("533922101")}])
    second = make_user("triage2", roles=["triage"])
    with pytest.raises(TransitionNotAllowed):
        act(case, "void", cast.triage, note="登记有误")
    act(case, "request_void", cast.triage, note="登记有误，信访人实为咨询")
    with pytest.raises(NotAllowed):  # not the one who asked
        act(case, "approve_void", cast.triage)
    case = act(case, "approve_void", second)
    assert case.status == Status.VOIDED
    assert not case.assignments.filter(status__in=["pending", "accepted"]).exists()
    assert CaseEvent.objects.filter(case=case, action="approve_void").exists()
    with pytest.raises(TransitionNotAllowed):
        act(case, "accept", cast.township_handler)


def test_no_hard_delete_path_exists_for_a_case(cast, clock):
    """The trail protects its case: even a direct delete is refused (events are PROTECT)."""
    from django.db.models import ProtectedError

    case = make_case(cast.clerk)
    with pytest.raises(ProtectedError):
        case.delete()
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_correction_page_shows_the_registration_and_saves_a_change(cast, clock, client):
    from bench.htmlform import find_form, with_values

    case = make_case(cast.clerk, channel="visit")
    client.force_login(cast.triage)
    url = reverse("petitions:correct", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200 and case.content in page.content.decode()
    form = find_form(page.content.decode(), has_field="reason")
    from petitions.models import DictEntry

    def entry(kind, code):
        return str(DictEntry.objects.get(kind=kind, code=code).pk)

    data = with_values(form["fields"], content="反映拖欠工资问题，已欠三个月，请求督促支付。", reason="补充欠薪月数",
                       purpose=entry("purpose", "04"), problem=entry("problem", "602006"),
                       problem_region=str(org("533922").pk), visit_nature=entry("visit_nature", "1"),
                       visitor_count="1", visit_level=entry("visit_level", "3"))
    response = client.post(url, data)
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).content == "反映拖欠工资问题，已欠三个月，请求督促支付。"
    assert CaseEvent.objects.filter(case=case, action="correct", note="补充欠薪月数").exists()
    client.force_login(cast.township_handler)
    assert client.get(url).status_code == 404  # not his case at all
