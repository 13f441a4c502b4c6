"""信访查询 and 办结存档 keep what was typed out of the address: the form is posted, the criteria
saved in the session, and the results page is ?s=<key> (docs/architecture.md §9: no PII in URLs or logs)."""
import re
from urllib.parse import parse_qs, urlparse

from django.test import Client
from django.urls import reverse

from petitions.models import Petitioner
from tests.petitions.workflow_helpers import clock, make_case  # noqa: F401 (clock is a fixture)

ID = "11010519491231002X"


def _case_with_person(clerk):
    case = make_case(clerk, channel="visit", content="反映拖欠工资问题，请求督促企业支付。")
    Petitioner.objects.filter(case=case).update(id_number=ID, name="李秀英", phone="13800001111")
    return case


def test_posted_search_redirects_to_a_key_without_the_criteria(client, clerk, triage, clock):
    case = _case_with_person(clerk)
    other = make_case(clerk, channel="visit", content="反映噪音扰民问题。")
    client.force_login(triage)
    response = client.post(reverse("petitions:search"), {"id_number": ID, "name": "李秀英", "phone": "13800001111"})
    assert response.status_code == 302
    location = response["Location"]
    assert ID not in location and "13800001111" not in location and "%E6%9D%8E" not in location
    assert set(parse_qs(urlparse(location).query)) == {"s"}
    page = client.get(location)
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html and other.number not in html
    assert not [href for href in re.findall(r'href="([^"]*)"', html) if ID in href]  # no link carries it either
    # The export of the same saved search carries only the key as well.
    export = client.get(location + "&export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_invalid_criteria_are_shown_on_the_page_not_saved(client, triage, db):
    client.force_login(triage)
    response = client.post(reverse("petitions:search"), {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not client.session.get("xf_saved_searches")


def test_a_saved_search_belongs_to_its_session(client, clerk, triage, clock):
    case = _case_with_person(clerk)
    make_case(clerk, channel="visit", content="另一件")
    client.force_login(triage)
    location = client.post(reverse("petitions:search"), {"id_number": ID})["Location"]
    stranger = Client()
    stranger.force_login(triage)
    html = stranger.get(location).content.decode()
    form = stranger.get(location).context["form"]
    assert not form.data.get("id_number")  # the key means nothing in another session
    assert case.number in html  # an unfiltered list of what this user may see anyway


def test_archive_form_posts_too(client, triage, db):
    client.force_login(triage)
    html = client.get(reverse("petitions:archive")).content.decode()
    assert '<form method="post"' in html and 'method="get"' not in html
    response = client.post(reverse("petitions:archive"), {"name": "李秀英"})
    assert response.status_code == 302 and "%E6%9D%8E" not in response["Location"]
