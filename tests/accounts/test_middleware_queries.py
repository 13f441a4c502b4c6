"""SecurityPolicyMiddleware runs on every request: its two-factor enrolment check must cost no
query of its own (the permission lookup is the one the page's navigation makes anyway)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def _home_queries(client):
    client.get(reverse("home"))  # first request stamps the session; measure the second
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_otp_enrolment_check_adds_no_query_on_home_page(client, clerk, settings):
    client.force_login(clerk)
    with_policy = _home_queries(client)
    settings.OTP_REQUIRED_PERMISSIONS = ()
    without_policy = _home_queries(client)
    assert with_policy == without_policy
