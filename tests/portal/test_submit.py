"""网上信访 on the portal: the form, the limits and the registration it leads to (the browser check:
test_challenge.py)."""
import pytest
from django.contrib.auth import authenticate
from django.test import override_settings
from django.urls import reverse

from accounts.audit import verify_chain
from accounts.models import AuditLog, User
from petitions.models import Case, CaseEvent, Channel, Petitioner
from portal.models import PortalAttempt
from petitions.selectors.pool import pool_qs
from portal.services import portal_actor_for
from petitions.workflow import Status
from tests.factories import PASSWORD
from tests.portal.helpers import *  # noqa: F401,F403
from tests.portal.helpers import CONTENT, ID_NUMBER, PHONE, form_post, open_form, submit

pytestmark = pytest.mark.django_db


def counts():
    return {"cases": Case.objects.count(), "petitioners": Petitioner.objects.count(),
            "events": CaseEvent.objects.count(), "audit": AuditLog.objects.count()}


def errors_of(response):
    form = response.context["form"]
    return {name: [str(e) for e in errs] for name, errs in form.errors.items()}


def test_form_needs_no_login_and_is_chinese(client, orgs):
    response = client.get(reverse("portal:submit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html and "我要信访" in html
    assert "nav class=\"sidenav" not in html and "退出" not in html  # no staff navigation
    # The receiving bureau is chosen among the petition bureaus of the prefecture and the counties.
    bureaus = [label for value, label in response.context["form"].fields["bureau"].choices if value]
    assert bureaus == ["州信访局", "青峰市信访局", "石门县信访局", "云溪县信访局"]
    assert "js/idcard.js" in html and 'class="js-idcard"' in html  # the registration form's live ID check


def test_submission_lands_in_the_chosen_bureaus_pool(client, orgs, county_triage, triage):
    response = submit(client)
    assert response.status_code == 302 and response.url == reverse("portal:receipt")
    case = Case.objects.get()
    assert case.channel == Channel.ONLINE and case.status == Status.PENDING
    assert case.registered_org.code == "53392201" and case.holder_org.code == "53392201"
    assert case.problem_region.code == "533922" and case.content == CONTENT
    person = case.petitioners.get()
    assert (person.name, person.id_number, person.phone, person.sex) == ("赵大海", ID_NUMBER, PHONE, "M")
    assert person.age is not None  # sex and age come from the ID number, as at the window
    assert pool_qs(county_triage).filter(pk=case.pk).exists()
    assert pool_qs(triage).filter(pk=case.pk).exists()  # the prefecture bureau sees its counties' pools

    actor = User.objects.get(username="portal:53392201")
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.to_status, event.actor, event.actor_org.code) == (
        "register", Status.PENDING, actor, "53392201")
    assert event.data["channel"] == Channel.ONLINE
    audit = AuditLog.objects.get(action="case.register")
    assert audit.actor_username == "portal:53392201" and audit.ip_address == "127.0.0.1"
    assert ID_NUMBER not in audit.summary + str(audit.data) and PHONE not in audit.summary + str(audit.data)
    assert verify_chain() is None

    receipt = client.get(response.url).content.decode()
    assert case.number in receipt and case.query_code in receipt
    again = client.get(response.url).content.decode()  # shown once only
    assert case.query_code not in again and "回执已显示过" in again
    assert PortalAttempt.objects.filter(kind="submit", succeeded=True).count() == 1


def test_portal_account_cannot_log_in(client, orgs):
    submit(client)
    actor = User.objects.get(username="portal:53392201")
    assert actor.is_locked and not actor.has_usable_password()
    assert set(actor.get_all_permissions()) == {"petitions.register_case"}
    assert authenticate(username=actor.username, password="") is None
    response = client.post(reverse("accounts:login"), {"username": actor.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session and response.status_code == 200


def test_portal_account_is_locked_again_on_next_use(orgs):
    actor = portal_actor_for(orgs["53392201"])
    actor.set_password(PASSWORD)
    actor.is_locked = False
    actor.save()
    actor = portal_actor_for(orgs["53392201"])
    assert actor.is_locked and not actor.has_usable_password()
    assert authenticate(username=actor.username, password=PASSWORD) is None


@pytest.mark.parametrize("overrides, field, message", [
    ({"id_number": ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")}, "id_number", "身份证号校验位不正确，请核对。"),
    ({"id_number": "53392219710823"}, "id_number", "身份证号应为18位。"),
    ({"id_number": ""}, "id_number", "请填写身份证号。"),
    ({"content": "   "}, "content", "反映问题及诉求不能为空。"),
    ({"name": ""}, "name", "请填写信访人姓名。"),
    ({"phone": "abc"}, "phone", "联系电话格式不正确：请填写11位手机号，或带区号的固定电话（如0871-65123456）。"),
    ({"bureau": ""}, "bureau", "请选择受理机构。"),
    ({"altcha": "WRONG"}, "altcha", "人机校验结果无效，未予提交。请重新提交。"),
])
def test_bad_input_gives_a_chinese_error_and_saves_nothing(client, orgs, overrides, field, message):
    before = counts()
    response = submit(client, **overrides)
    assert response.status_code == 200
    assert message in errors_of(response)[field]
    assert counts() == before
    assert response.context["form"]["altcha"].value() == ""  # no solution carried over ...
    assert response.context["challenge"]["salt"]  # ... and a new challenge to solve


def test_a_department_is_not_a_receiving_bureau(client, orgs):
    response = submit(client, bureau=str(orgs["53390003"].pk))  # 州人社局
    assert "请选择受理机构。" in errors_of(response)["bureau"]
    assert not Case.objects.exists()


def test_double_post_makes_one_case(client, orgs):
    token = open_form(client)
    data = form_post(token)
    first = client.post(reverse("portal:submit"), data)
    second = client.post(reverse("portal:submit"), data)  # the check is used up: the token decides
    assert first.status_code == second.status_code == 302
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1
    receipt = client.get(second.url).content.decode()
    assert Case.objects.get().query_code in receipt
    assert PortalAttempt.objects.filter(kind="submit").count() == 1  # a replay is not counted


def test_a_token_from_another_session_is_refused(client, orgs):
    from django.test import Client

    token = open_form(Client())
    response = client.post(reverse("portal:submit"), form_post(token))
    assert response.status_code == 200
    assert "表单已失效，请刷新页面后重新提交。" in [str(e) for e in response.context["form"].non_field_errors()]
    assert not Case.objects.exists()


@override_settings(PORTAL_SUBMIT_LIMIT=2)
def test_submissions_are_limited_per_address(client, orgs):
    for _i in range(2):
        assert submit(client).status_code == 302
    before = counts()
    response = submit(client)
    assert response.status_code == 200
    text = " ".join(str(e) for e in response.context["form"].non_field_errors())
    assert "同一网络地址提交过于频繁" in text and "分钟后再试" in text
    assert counts() == before
    # Another address is not affected.
    token = open_form(client)
    other = client.post(reverse("portal:submit"), form_post(token), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302 and Case.objects.count() == 3
