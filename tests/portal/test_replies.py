"""公开答复 on the portal: only published replies, only their published text."""
import pytest
from django.urls import reverse

from portal import selectors
from tests.petitions.workflow_helpers import act, make_case
from tests.portal.helpers import *  # noqa: F401,F403
from tests.portal.helpers import ANSWER, CONTENT, ID_NUMBER

pytestmark = pytest.mark.django_db

PUBLISHED = "关于城东安置小区外墙脱落问题的答复：开发商已完成修复，住建部门将加强质量监管。"


def test_published_reply_is_listed_with_its_text_only(client, answered_online_case, cast, clock):
    case = answered_online_case
    assert "暂无公开答复。" in client.get(reverse("portal:replies")).content.decode()
    clock.advance(1)
    act(case, "publish_reply", cast.triage, note=PUBLISHED)
    html = client.get(reverse("portal:replies")).content.decode()
    assert PUBLISHED in html and "州信访局" in html and clock.today().isoformat() in html
    for private in (case.number, case.query_code, CONTENT, ANSWER, "赵大海", ID_NUMBER):
        assert private not in html


def test_unpublished_replies_are_not_listed(client, answered_online_case, clerk):
    make_case(clerk)
    response = client.get(reverse("portal:replies"))
    assert response.context["replies"] == []


def test_replies_are_paged_newest_first(client, answered_online_case, cast, clock, monkeypatch):
    from tests.petitions.intake_factories import register

    monkeypatch.setattr(selectors, "REPLIES_PAGE_SIZE", 1)
    act(answered_online_case, "publish_reply", cast.triage, note="第一份公开答复")
    clock.advance(1)
    closed = register(cast.clerk, answer="已当面解释政策。")  # 当面答复: 已办结 at once
    act(closed, "publish_reply", cast.triage, note="第二份公开答复")
    page1 = client.get(reverse("portal:replies"))
    assert [r.text for r in page1.context["replies"]] == ["第二份公开答复"] and page1.context["has_next"]
    page2 = client.get(reverse("portal:replies"), {"page": "2"})
    assert [r.text for r in page2.context["replies"]] == ["第一份公开答复"] and not page2.context["has_next"]
    assert client.get(reverse("portal:replies"), {"page": "x"}).context["page"] == 1


def test_the_published_reply_shows_on_the_tracked_case(client, answered_online_case, cast):
    from tests.portal.helpers import unlock

    act(answered_online_case, "publish_reply", cast.triage, note=PUBLISHED)
    client.cookies.clear()
    unlock(client, answered_online_case)
    assert PUBLISHED in client.get(reverse("portal:case")).content.decode()
