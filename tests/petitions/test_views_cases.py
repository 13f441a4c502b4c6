"""Triage pool (filters, masking, order, pagination, scope, query count), case detail page
(content, masking, trail, access log, actions block), home-page card and demo cases."""
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.demo import load_demo_users
from petitions.selectors.dashboards import widgets_for
from petitions.demo import load_demo_cases
from petitions.domain.idcard import mask_id_number, mask_phone
from petitions.models import Case, CaseView, Channel
from petitions.selectors.pool import pool_qs
from tests.factories import make_user
from tests.petitions.intake_factories import (
    d, dicts, id_number, letter_data, org, person, register, visit_data,
)

__all__ = ["dicts"]
pytestmark = pytest.mark.usefixtures("dicts")


def pool_numbers(client, **params):
    response = client.get(reverse("petitions:pool"), params)
    assert response.status_code == 200
    return [c.number for c in response.context["page"]]


@pytest.fixture
def mixed(clerk, county_clerk):
    """A small spread of cases: two visits (one repeat, one collective), a letter, an answered
    visit, an overdue visit, and a county case."""
    now = timezone.now()
    first = register(clerk, registered_at=now - timedelta(days=20),
                     data=visit_data(petition_date=timezone.localdate(now - timedelta(days=20))))
    repeat = register(clerk, data=visit_data(first_case=first))
    collective = register(clerk, data=visit_data(visit_nature=d("visit_nature", "2"), visitor_count=9,
                                                 problem=d("problem", "60201401"), purpose=d("purpose", "02")),
                          petitioners=[person("王德顺", seq=21, phone="13800000001"), person("赵秀英", seq=42, phone="13800000002")])
    letter = register(clerk, channel=Channel.LETTER, data=letter_data())
    answered = register(clerk, answer="已当场答复。")
    county = register(county_clerk, petitioners=[person("杨光明", region="533922", seq=33, phone="13800000003")])
    return {"first": first, "repeat": repeat, "collective": collective, "letter": letter, "answered": answered,
            "county": county}


def test_pool_is_newest_first_and_holds_only_pending_cases_in_jurisdiction(client, clerk, county_clerk, mixed):
    client.force_login(clerk)
    expected = [mixed[k].number for k in ("county", "letter", "collective", "repeat", "first")]
    assert pool_numbers(client) == expected  # prefecture bureau sees its county's pool too
    client.force_login(county_clerk)
    assert pool_numbers(client) == [mixed["county"].number]


@pytest.mark.parametrize("params,keys", [
    ({"channel": "letter"}, ["letter"]),
    ({"is_repeat": "1"}, ["repeat"]),
    ({"is_repeat": "0", "channel": "visit"}, ["county", "collective", "first"]),
    ({"is_collective": "1"}, ["collective"]),
    ({"overdue": "on"}, ["first"]),
    ({"org": "53392201"}, ["county"]),
])
def test_pool_filters(client, clerk, mixed, params, keys):
    if "org" in params:
        params = {"org": str(org(params["org"]).pk)}
    client.force_login(clerk)
    assert pool_numbers(client, **params) == [mixed[k].number for k in keys]


def test_pool_filters_by_purpose_problem_tree_and_dates(client, clerk, mixed):
    client.force_login(clerk)
    assert pool_numbers(client, purpose=d("purpose", "02").pk) == [mixed["collective"].number]
    # a first-level problem matches its second-level entries
    assert pool_numbers(client, problem=d("problem", "602014").pk) == [mixed["collective"].number]
    today = timezone.localdate()
    assert mixed["first"].number not in pool_numbers(client, date_from=(today - timedelta(days=1)).isoformat())
    assert pool_numbers(client, date_to=(today - timedelta(days=10)).isoformat()) == [mixed["first"].number]
    # a malformed filter value is ignored rather than failing the page
    assert len(pool_numbers(client, date_from="not-a-date")) == 5


def test_pool_masks_identity_and_shows_due_labels(client, clerk, mixed):
    client.force_login(clerk)  # a clerk holds view_pii, the pool still masks
    page = client.get(reverse("petitions:pool")).content.decode()
    assert id_number() not in page and mask_id_number(id_number()) in page
    assert 'class="overdue">已超期' in page
    assert "等2人" in page


def test_pool_due_soon_label(client, clerk):
    register(clerk, registered_at=timezone.now() - timedelta(days=13),
             data=visit_data(petition_date=timezone.localdate() - timedelta(days=13)))
    client.force_login(clerk)
    assert 'class="due-soon">即将到期' in client.get(reverse("petitions:pool")).content.decode()


def test_pool_pages_by_twenty_without_per_row_queries(client, clerk, django_assert_max_num_queries):
    for _ in range(25):
        register(clerk, petitioners=[person(), person("王芳", seq=24, phone="13800000002")], data=visit_data(visitor_count=2))
    client.force_login(clerk)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("petitions:pool"))
    assert len(response.context["page"].object_list) == 20
    assert response.context["page"].paginator.count == 25
    assert len(client.get(reverse("petitions:pool"), {"page": 2}).context["page"].object_list) == 5


def test_pool_is_for_clerks_and_triage_only(client, township_handler, leader):
    for user in (township_handler, leader):
        client.force_login(user)
        assert client.get(reverse("petitions:pool")).status_code == 403


def test_confidential_case_stays_out_of_other_pools(clerk, triage, county_triage):
    secret = register(clerk, data=visit_data(is_confidential=True, purpose=d("purpose", "02")))
    assert pool_qs(clerk).filter(pk=secret.pk).exists()
    # the registering bureau's triage officer is granted (he must route it); nobody else is
    assert pool_qs(triage).filter(pk=secret.pk).exists()
    assert not pool_qs(county_triage).filter(pk=secret.pk).exists()


# --- detail ----------------------------------------------------------------------------------------

def test_detail_shows_everything_registered_and_the_trail(client, clerk, mixed):
    case = mixed["collective"]
    client.force_login(clerk)
    response = client.get(case.get_absolute_url())
    page = response.content.decode()
    for text in (case.number, "待分流", "来访", "集体访", "9", "王德顺", "赵秀英", "代表", id_number(seq=21),
                 "国土资源水利林业 / 征地补偿", "检举控告", "青峰市", case.content, case.query_code,
                 "登记", "— → 待分流", clerk.display_name, "州信访局"):
        assert text in page, text
    assert CaseView.objects.filter(case=case, user=clerk, action="view").count() == 1


def test_detail_masks_identity_without_pii_permission(client, leader, clerk):
    case = register(clerk)
    client.force_login(leader)  # sees the bureau's cases, holds no view_pii
    page = client.get(case.get_absolute_url()).content.decode()
    assert id_number() not in page and mask_id_number(id_number()) in page
    assert "13908871234" not in page and mask_phone("13908871234") in page
    assert case.query_code not in page


def test_detail_of_answered_repeat_and_files(client, clerk, mixed):
    client.force_login(clerk)
    page = client.get(mixed["answered"].get_absolute_url()).content.decode()
    assert "已办结" in page and "已当场答复。" in page and "当面答复" in page and "待分流 → 已办结" in page
    page = client.get(mixed["repeat"].get_absolute_url()).content.decode()
    assert f'href="{mixed["first"].get_absolute_url()}">{mixed["first"].number}</a>' in page


def test_detail_renders_available_actions_as_buttons(client, clerk, mixed):
    client.force_login(clerk)
    actions = [{"name": "mark_viewed", "label": "标记查看", "url": "/cases/1/act/mark_viewed/", "primary": False},
               {"name": "assign", "label": "交办", "url": "/cases/1/act/assign/", "primary": True}]
    with mock.patch("petitions.views.cases.available_actions", return_value=actions) as available:
        page = client.get(mixed["first"].get_absolute_url()).content.decode()
    available.assert_called_once()
    # The usual next step is the primary button, wherever it stands in the list.
    assert ('<div class="actions no-print" id="case-actions">'
            '<a class="btn" href="/cases/1/act/mark_viewed/" data-action="mark_viewed">标记查看</a>'
            '<a class="btn btn-primary" href="/cases/1/act/assign/" data-action="assign">交办</a>') in page


def test_detail_of_an_invisible_or_missing_case_is_404(client, clerk, other_township_handler, sysadmin):
    case = register(clerk)
    for user in (other_township_handler, sysadmin):
        client.force_login(user)
        assert client.get(case.get_absolute_url()).status_code == 404
    client.force_login(clerk)
    assert client.get(reverse("petitions:detail", args=[case.pk + 1000])).status_code == 404
    assert CaseView.objects.count() == 0


# --- home card and demo ------------------------------------------------------------------------------

def test_home_card_counts_the_pool(client, clerk, township_handler, mixed):
    cards = {card["label"]: card for card in widgets_for(clerk)}
    assert cards["分流池"] == {"label": "分流池", "count": 5, "url": reverse("petitions:pool"), "alert": True}
    assert "分流池" not in {card["label"] for card in widgets_for(township_handler)}
    client.force_login(clerk)
    assert 'class="card card-alert" href="/cases/pool/"' in client.get(reverse("home")).content.decode()


def test_demo_cases_are_registered_once(orgs):
    load_demo_users()
    assert load_demo_cases() == 13
    assert load_demo_cases() == 0
    assert Case.objects.count() == 13
    assert Case.objects.filter(is_collective=True, channel="visit").get().petitioners.count() == 3
    assert Case.objects.filter(status="closed").count() == 1
    assert Case.objects.filter(is_repeat=True).get().first_case.submit_token == "demo-01"
    assert set(Case.objects.values_list("channel", flat=True)) == {"visit", "letter", "phone", "fax", "email",
                                                                   "referral"}
    assert Case.objects.filter(current_due__lt=timezone.localdate()).exists()


def test_demo_without_demo_users_does_nothing(orgs):
    make_user("someone", roles=["clerk"])
    assert load_demo_cases() == 0
