from django.urls import reverse

from tests.factories import PASSWORD


def test_login_page_is_chinese(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "信访信息业务处理系统" in response.content.decode()


def test_clerk_logs_in_and_sees_home(client, clerk):
    response = client.post(reverse("accounts:login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
