"""个人信息查看记录: the 安全审计员 searches the access log by who, whose data, when and from where;
nobody else opens it, criteria never reach the address, and each search is itself audited."""
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from petitions.models import CaseView
from petitions.services.access_log import case_view_record
from tests.factories import enrol_otp, make_user
from tests.petitions.intake_factories import dicts, person, register

__all__ = ["dicts"]

pytestmark = pytest.mark.usefixtures("dicts")
URL = reverse("accounts:access_log")


@pytest.fixture
def log(clerk, triage):
    """Two cases (李建华's, 王芳's), opened by the clerk and the triage officer from two addresses."""
    li = register(clerk)
    wang = register(clerk, petitioners=[person("王芳", seq=24)])
    office, home = (RequestFactory().get("/", REMOTE_ADDR=ip) for ip in ("10.20.0.15", "203.0.113.9"))
    return {
        "li": li, "wang": wang,
        "rows": [case_view_record(case=li, user=clerk, request=office),
                 case_view_record(case=wang, user=triage, action="download", request=home),
                 case_view_record(case=wang, user=clerk, action="export", request=office)],
    }


def search(client, **criteria):
    response = client.post(URL, criteria)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(URL + "?s=")
    for value in criteria.values():
        assert str(value) not in location  # no criterion, and no name, in the address
    page = client.get(location)
    return page, [row.pk for row in page.context["page"]]


def test_only_the_auditor_may_open_it(client, log, sysadmin, clerk, triage):
    secadmin = make_user("secadmin", roles=["secadmin"])
    enrol_otp(secadmin)
    for user in (sysadmin, secadmin, clerk, triage):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"username": "clerk"}).status_code == 403


def test_the_auditor_sees_every_row_newest_first(client, auditor, log):
    client.force_login(auditor)
    page = client.get(URL)
    assert page.status_code == 200
    assert [row.pk for row in page.context["page"]] == [r.pk for r in reversed(log["rows"])]
    html = page.content.decode()
    assert log["wang"].number in html and "203.0.113.9" in html and "下载附件" in html
    assert "王芳" not in html and "李建华" not in html  # case numbers, never the petitioners


def test_search_by_who(client, auditor, log):
    client.force_login(auditor)
    _page, found = search(client, username="triage")
    assert found == [log["rows"][1].pk]


def test_search_by_whose_data_case_number_or_its_beginning(client, auditor, log):
    client.force_login(auditor)
    assert search(client, subject=log["li"].number)[1] == [log["rows"][0].pk]
    prefix = log["li"].number.rsplit("-", 1)[0]
    assert len(search(client, subject=prefix)[1]) == 3


def test_search_by_petitioner_name_is_exact_and_audited_without_the_name(client, auditor, log):
    client.force_login(auditor)
    assert search(client, person="王芳")[1] == [log["rows"][2].pk, log["rows"][1].pk]
    assert search(client, person="王")[1] == []  # no partial names: no browsing through people
    rows = AuditLog.objects.filter(action="audit.access_search", actor=auditor)
    assert rows.count() == 2 and all(row.data["person"] is True for row in rows)
    assert not any("王" in str(row.data) + row.summary for row in rows)


def test_search_by_where_and_when(client, auditor, log):
    client.force_login(auditor)
    assert search(client, ip_address="203.0.113.9")[1] == [log["rows"][1].pk]
    assert len(search(client, ip_address="10.20.")[1]) == 2
    today = timezone.localdate()
    assert len(search(client, date_from=today.isoformat(), date_to=today.isoformat())[1]) == 3
    assert search(client, date_to=(today - timedelta(days=1)).isoformat())[1] == []


def test_the_criteria_are_audited_once_not_per_page(client, auditor, log):
    client.force_login(auditor)
    response = client.post(URL, {"username": "clerk", "ip_address": "10.20.0.15"})
    client.get(response["Location"] + "&page=1")
    [row] = AuditLog.objects.filter(action="audit.access_search")
    assert row.data == {"username": "clerk", "ip_address": "10.20.0.15", "person": False}
    assert row.ip_address == "127.0.0.1"


def test_a_search_from_another_session_is_not_shown(client, auditor, log):
    client.force_login(auditor)
    location = client.post(URL, {"username": "triage"})["Location"]
    client.logout()
    client.force_login(auditor)
    assert len(client.get(location).context["page"]) == 3  # unknown key: the unfiltered list


def test_invalid_criteria_are_shown_again(client, auditor, log):
    client.force_login(auditor)
    response = client.post(URL, {"ip_address": "x' OR 1=1"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not AuditLog.objects.filter(action="audit.access_search").exists()


def test_the_audit_log_page_links_to_it(client, auditor):
    client.force_login(auditor)
    assert URL in client.get(reverse("accounts:audit_list")).content.decode()
    assert CaseView.objects.count() == 0
