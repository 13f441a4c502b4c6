"""Possible earlier cases: same ID number, same name+phone, similar content in the same region,
within two years and within what the clerk may see; the JSON lookup and the re-shown form."""
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from petitions.selectors.similarity import CONTENT_THRESHOLD, dice, similar_cases
from petitions.lib.text import tokens
from tests.factories import make_user
from tests.petitions.intake_factories import (
    WAGE_TEXT, dicts, id_number, org, person, register, visit_data, visit_post,
)

__all__ = ["dicts"]
pytestmark = pytest.mark.usefixtures("dicts")

OTHER_TEXT = "城南工业园石材加工厂夜间作业，噪音和粉尘严重影响周边居民休息，请求依法查处。"
RETOLD = "在青峰建安公司东城安置房项目打工，2025年5月到10月的工资4.6万元一直没有发放，请求帮助追讨拖欠工资。"


def numbers(hits):
    return [h.case.number for h in hits]


def test_dice_on_bigrams():
    assert dice(set(tokens("拖欠工资")), set(tokens("拖欠工资"))) == 1.0
    assert dice(set(), set(tokens("工资"))) == 0.0
    assert dice(set(tokens(WAGE_TEXT)), set(tokens(RETOLD))) >= CONTENT_THRESHOLD
    assert dice(set(tokens(WAGE_TEXT)), set(tokens(OTHER_TEXT))) < 0.2


def test_same_id_number_is_found(clerk):
    first = register(clerk)
    register(clerk, petitioners=[person("王芳", seq=24, phone="13800000139")], data=visit_data(content=OTHER_TEXT))
    hits = similar_cases(clerk, id_numbers=[id_number().lower()])
    assert numbers(hits) == [first.number]
    assert hits[0].reasons == ["同一身份证号"]


def test_same_name_and_phone_is_found_but_not_name_alone(clerk):
    first = register(clerk, petitioners=[{"name": "李建华", "phone": "13908871234"}])
    assert numbers(similar_cases(clerk, name_phones=[("李建华", "13908871234")])) == [first.number]
    assert similar_cases(clerk, name_phones=[("李建华", "13900000000")]) == []
    assert similar_cases(clerk, name_phones=[("李建华", "")]) == []


def test_similar_content_in_the_same_region_is_found(clerk):
    first = register(clerk, petitioners=[person("王芳", seq=24, phone="13800000001")])
    register(clerk, petitioners=[person("赵六", seq=35, phone="13800000002")], data=visit_data(content=OTHER_TEXT))
    hits = similar_cases(clerk, content=RETOLD, region=org("533901"))
    assert numbers(hits) == [first.number]
    assert hits[0].reasons[0].startswith("同一问题属地内容相似")
    assert hits[0].score >= CONTENT_THRESHOLD
    assert similar_cases(clerk, content=RETOLD, region=org("533922")) == []  # another region
    assert similar_cases(clerk, content="工资", region=org("533901")) == []  # too short to judge


def test_only_the_last_two_years(clerk):
    old = register(clerk, registered_at=timezone.now() - timedelta(days=800),
                   data=visit_data(petition_date=date.today() - timedelta(days=800)))
    recent = register(clerk)
    assert numbers(similar_cases(clerk, id_numbers=[id_number()])) == [recent.number]
    assert old.number not in numbers(similar_cases(clerk, content=RETOLD, region=org("533901")))


def test_only_cases_the_clerk_may_see(county_clerk):
    other_county = make_user("yx_clerk", org_code="53392301", roles=["clerk"])
    register(other_county)
    assert similar_cases(county_clerk, id_numbers=[id_number()], name_phones=[("李建华", "13908871234")],
                         content=RETOLD, region=org("533901")) == []


def test_several_signals_are_merged_newest_first(clerk):
    first = register(clerk)
    second = register(clerk, data=visit_data(content=RETOLD))
    hits = similar_cases(clerk, id_numbers=[id_number()], name_phones=[("李建华", "13908871234")],
                         content=WAGE_TEXT, region=org("533901"))
    assert numbers(hits) == [second.number, first.number]
    assert hits[1].reasons[:2] == ["同一身份证号", "同一姓名和电话"]


def test_json_lookup_uses_the_form_field_names(client, clerk):
    first = register(clerk)
    client.force_login(clerk)
    response = client.post(reverse("petitions:similar"), {
        "petitioners-0-id_number": id_number(), "petitioners-1-name": "某人", "content": "",
        "problem_region": str(org("533901").pk)})
    assert response.status_code == 200
    (hit,) = response.json()["results"]
    assert hit["number"] == first.number and hit["url"] == f"/cases/{first.pk}/"
    assert hit["status_label"] == "待分流" and hit["badge"] == "badge-info"
    assert hit["date"] == timezone.localdate(first.registered_at).isoformat()


def test_json_lookup_is_post_only_and_for_clerks(client, clerk, township_handler):
    client.force_login(clerk)
    assert client.get(reverse("petitions:similar"), {"petitioners-0-id_number": id_number()}).status_code == 405
    client.force_login(township_handler)
    assert client.post(reverse("petitions:similar"), {}).status_code == 403


def test_form_shown_again_after_an_error_lists_the_earlier_case(client, clerk):
    first = register(clerk)
    client.force_login(clerk)
    response = client.post(reverse("petitions:register_visit"), visit_post(content=""))
    assert response.status_code == 200
    page = response.content.decode()
    assert "反映问题及诉求不能为空。" in page
    assert first.number in page and 'data-number="%s"' % first.number in page
    assert response.context["similar"][0].case == first


def test_marking_as_repeat_links_the_new_case(client, clerk):
    first = register(clerk)
    client.force_login(clerk)
    response = client.post(reverse("petitions:register_visit"), visit_post(is_repeat="on", first_case=first.number))
    assert response.status_code == 302
    new = first.repeats.get()
    assert new.is_repeat and response["Location"] == new.get_absolute_url()


def test_repeat_number_of_an_invisible_case_is_refused_on_the_form(client, county_clerk):
    hidden = register(make_user("yx_clerk", org_code="53392301", roles=["clerk"]))
    client.force_login(county_clerk)
    response = client.post(reverse("petitions:register_visit"), visit_post(is_repeat="on", first_case=hidden.number))
    assert response.status_code == 200
    assert "初访编号不存在，或您无权查看该信访件。" in response.content.decode()
    assert not hidden.repeats.exists()


def test_repeat_checked_without_number(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("petitions:register_visit"), visit_post(is_repeat="on"))
    assert "请填写初访编号，或取消“是否重访”。" in response.content.decode()
