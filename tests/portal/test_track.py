"""Tracking with the case number and query code: one answer for every wrong pair, a limit per
address, nothing internal on the page, nothing personal in a URL."""
import pytest
from django.test import override_settings
from django.urls import reverse

from petitions.models import Case
from portal.models import PortalAttempt
from tests.portal.helpers import *  # noqa: F401,F403
from tests.portal.helpers import ANSWER, CONTENT, ID_NUMBER, INTERNAL_NOTES, PHONE, submit, unlock

pytestmark = pytest.mark.django_db

NOT_FOUND = "未找到该信访件，请核对信访件编号和查询码。"


def lookup(client, number, code, **extra):
    return client.post(reverse("portal:track"), {"number": number, "code": code}, **extra)


def form_errors(response):
    return [str(e) for e in response.context["form"].non_field_errors()]


@pytest.fixture
def online_case(client, orgs):
    submit(client)
    client.cookies.clear()  # the visitor comes back later, in a new session
    return Case.objects.get()


def test_number_and_code_unlock_the_case(client, online_case):
    response = unlock(client, online_case)
    assert "portal_case" in client.session
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert online_case.number in html and "已登记" in html and "石门县信访局" in html
    assert online_case.number not in response.url and online_case.query_code not in response.url


def test_code_is_read_without_spaces_and_case(client, online_case):
    code = online_case.query_code
    response = lookup(client, online_case.number, f" {code[:5].lower()} {code[5:]} ")
    assert response.status_code == 302


def test_wrong_code_and_wrong_number_get_the_same_answer(client, online_case):
    wrong_code = lookup(client, online_case.number, "ABCDEFGHJK")
    wrong_number = lookup(client, online_case.number[:-1] + "9", online_case.query_code)
    unknown = lookup(client, "nonsense", "x")
    assert form_errors(wrong_code) == form_errors(wrong_number) == form_errors(unknown) == [NOT_FOUND]
    for response in (wrong_code, wrong_number, unknown):
        assert response.status_code == 200 and "portal_case" not in client.session
    assert PortalAttempt.objects.filter(kind="track", succeeded=False).count() == 3


def test_both_fields_are_required(client, online_case):
    response = lookup(client, online_case.number, "")
    assert response.context["form"].errors["code"] == ["请填写查询码。"]
    assert not PortalAttempt.objects.filter(kind="track").exists()


@override_settings(PORTAL_TRACK_FAILURE_LIMIT=3)
def test_guessing_is_limited_per_address(client, online_case):
    for _i in range(3):
        assert form_errors(lookup(client, online_case.number, "ABCDEFGHJK")) == [NOT_FOUND]
    blocked = lookup(client, online_case.number, online_case.query_code)  # even the right code
    text = " ".join(form_errors(blocked))
    assert "查询失败次数过多" in text and "分钟后再试" in text
    assert "portal_case" not in client.session
    assert lookup(client, online_case.number, online_case.query_code, REMOTE_ADDR="10.9.8.7").status_code == 302


def test_case_page_without_an_unlocked_case_goes_to_the_form(client, orgs):
    assert client.get(reverse("portal:case")).url == reverse("portal:track")
    assert client.post(reverse("portal:evaluate")).url == reverse("portal:track")
    assert client.post(reverse("portal:review")).url == reverse("portal:track")


def test_leaving_forgets_the_case(client, online_case):
    unlock(client, online_case)
    client.post(reverse("portal:leave"))
    assert client.get(reverse("portal:case")).url == reverse("portal:track")


def test_public_page_shows_no_internal_opinion_name_or_personal_data(client, answered_online_case, cast):
    case = answered_online_case
    client.cookies.clear()
    unlock(client, case)
    html = client.get(reverse("portal:case")).content.decode()
    assert "已答复" in html and ANSWER in html
    assert "州信访局" in html and "州人力资源和社会保障局" in html  # receiving bureau and handling unit
    for note in INTERNAL_NOTES.values():
        assert note not in html
    for user in cast.values():
        assert user.username not in html and user.real_name not in html
    for personal in ("赵大海", ID_NUMBER, PHONE, CONTENT, case.query_code):
        assert personal not in html
    assert "portal:" not in html and "网上信访（" not in html


def test_public_status_follows_the_workflow(client, cast, clock, orgs):
    from tests.petitions.workflow_helpers import act, org

    submit(client, bureau=str(org("53390001").pk))
    case = Case.objects.get()
    client.cookies.clear()
    unlock(client, case)

    def status():
        return client.get(reverse("portal:case")).context["case"].status_label

    assert status() == "已登记"
    act(case, "assign", cast.triage, targets=[{"org": org("53390003")}])
    assert status() == "已受理"
    act(case, "accept", cast.dept_handler)
    assert status() == "办理中"
    assert client.get(reverse("portal:case")).context["case"].handling_unit == "州人力资源和社会保障局"
