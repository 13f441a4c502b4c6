"""Who gets which cockpit, and the lists behind its figures stay inside what the user may open."""
import pytest
from django.urls import reverse

from tests.factories import make_user

from .conftest import letter

pytestmark = pytest.mark.django_db


def test_each_role_gets_its_sections(client, leader, statistician, triage, township_handler, sysadmin, clerk):
    expected = {leader: ["situation"], statistician: ["situation"], triage: ["intake"],
                township_handler: ["deadlines"]}
    for user, roles in expected.items():
        client.force_login(user)
        response = client.get(reverse("cockpit:index"))
        assert response.status_code == 200
        assert response.context["roles"] == roles
        home = client.get(reverse("home")).content.decode()
        assert 'id="home-cockpit"' in home and "echarts.common.min.js" in home
    client.force_login(clerk)  # a clerk's home page has no cockpit
    assert 'id="home-cockpit"' not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("cockpit:index")).status_code == 403
    client.force_login(sysadmin)
    assert client.get(reverse("cockpit:index")).status_code == 403
    assert client.get(reverse("cockpit:cases")).status_code == 403


def test_wall_and_leader_pages_need_the_statistics_right(client, triage, township_handler):
    for user in (triage, township_handler):
        client.force_login(user)
        for name in ("cockpit:wall", "cockpit:hotspots", "cockpit:backlog"):
            assert client.get(reverse(name)).status_code == 403


def test_lists_never_leave_the_users_scope(client, clerk, county_clerk, orgs, township_handler):
    prefecture_case = letter(clerk, "反映州体育中心建设项目拖欠工程款。", region="533901")
    county_case = letter(county_clerk, "反映石门县石门镇大营村道路损毁。", region="533922")
    county_leader = make_user("county_leader", org_code="53392201", roles=["leader"])
    client.force_login(county_leader)
    today = county_case.registered_at.date().isoformat()
    page = client.get(reverse("cockpit:cases"), {"from": today, "to": today}).content.decode()
    assert county_case.number in page and prefecture_case.number not in page
    # a hand-made filter naming the prefecture's area does not widen it
    page = client.get(reverse("cockpit:cases"), {"area": orgs["533901"].path}).content.decode()
    assert prefecture_case.number not in page
    client.force_login(township_handler)  # his own assignments only
    page = client.get(reverse("cockpit:cases"), {"mine": 1}).content.decode()
    assert county_case.number not in page


def test_malformed_filter_is_a_404(client, leader):
    client.force_login(leader)
    assert client.get(reverse("cockpit:cases"), {"from": "yesterday"}).status_code == 404
    assert client.get(reverse("cockpit:cases"), {"unit": "x"}).status_code == 404


def test_window_choice(client, leader):
    client.force_login(leader)
    for days in (7, 28, 91):
        response = client.get(reverse("cockpit:index"), {"days": days})
        assert response.context["situation"]["days"] == days
    assert client.get(reverse("cockpit:index"), {"days": 5}).context["situation"]["days"] == 28
