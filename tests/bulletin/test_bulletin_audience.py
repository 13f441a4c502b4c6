"""公共信息 发送范围: the publisher chooses who sees a bulletin (his own organization, his
jurisdiction, or named organizations of his jurisdiction with their sub-units); nobody else sees
it, another county least of all; wrong choices are refused in Chinese with nothing saved."""
import pytest
from django.urls import reverse

from accounts.exceptions import ServiceError
from accounts.models import AuditLog, OrgUnit
from bulletin import services
from bulletin.models import Bulletin, BulletinAudience, BulletinKind, BulletinTarget
from bulletin.selectors import bulletins_visible, latest_notices
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def org(code):
    return OrgUnit.objects.get(code=code)


def publish(client, user, title, audience, orgs=()):
    client.force_login(user)
    return client.post(reverse("bulletin:create"), {"kind": BulletinKind.NOTICE, "title": title, "body": "……",
                                                    "audience": audience, "audience_orgs": [o.pk for o in orgs]})


def seen(user):
    return set(bulletins_visible(user).values_list("title", flat=True))


@pytest.fixture
def cast(orgs, triage, county_triage, township_handler, other_township_handler, dept_handler):
    return {
        "triage": triage, "county_triage": county_triage, "township": township_handler,
        "other_township": other_township_handler, "dept": dept_handler,
        "colleague": make_user("triage2", org_code="53390001", roles=["triage"]),
        "county_dept": make_user("county_dept", org_code="53392203", roles=["handler"]),
        "other_county": make_user("yx_triage", org_code="53392301", roles=["triage"]),
    }


def test_named_organizations_reach_them_and_their_sub_units_only(client, cast):
    response = publish(client, cast["triage"], "石门县和州人社局", BulletinAudience.ORGS,
                       [org("533922"), org("53390003")])
    assert response.status_code == 302
    b = Bulletin.objects.get()
    assert b.audience == BulletinAudience.ORGS
    assert sorted(BulletinTarget.objects.values_list("org__code", flat=True)) == ["53390003", "533922"]
    assert AuditLog.objects.get(action="bulletin.publish").data == {"audience": "orgs",
                                                                    "orgs": ["53390003", "533922"]}
    for name in ("triage", "colleague", "county_triage", "township", "county_dept", "dept"):
        assert "石门县和州人社局" in seen(cast[name]), name
    for name in ("other_township", "other_county"):
        assert seen(cast[name]) == set(), name
        client.force_login(cast[name])
        assert client.get(reverse("bulletin:detail", args=[b.pk])).status_code == 404
        assert latest_notices(cast[name]) == []
    client.force_login(cast["township"])
    assert "石门县和州人社局" in client.get(reverse("home")).content.decode()
    client.force_login(cast["triage"])
    detail = client.get(reverse("bulletin:detail", args=[b.pk])).content.decode()
    assert "发送范围：指定单位：" in detail and "石门县" in detail


def test_own_organization_only(client, cast):
    publish(client, cast["county_triage"], "县局内部通知", BulletinAudience.OWN)
    b = Bulletin.objects.get()
    assert b.audience_path == org("53392201").path
    assert "县局内部通知" in seen(cast["county_triage"])
    for name in ("township", "county_dept", "triage", "other_township", "other_county"):
        assert "县局内部通知" not in seen(cast[name]), name


def test_jurisdiction_stays_the_default_and_reaches_the_county_only(client, cast):
    client.force_login(cast["county_triage"])
    client.post(reverse("bulletin:create"), {"kind": BulletinKind.NOTICE, "title": "全县通知"})
    assert Bulletin.objects.get().audience == BulletinAudience.JURISDICTION
    for name in ("county_triage", "township", "county_dept"):
        assert "全县通知" in seen(cast[name]), name
    for name in ("triage", "dept", "other_township", "other_county"):
        assert "全县通知" not in seen(cast[name]), name


def test_changing_the_audience_replaces_the_named_organizations(client, cast):
    publish(client, cast["triage"], "通知", BulletinAudience.ORGS, [org("533922")])
    b = Bulletin.objects.get()
    client.post(reverse("bulletin:edit", args=[b.pk]), {"kind": BulletinKind.NOTICE, "title": "通知",
                                                        "audience": BulletinAudience.ORGS,
                                                        "audience_orgs": [org("533923").pk]})
    assert list(BulletinTarget.objects.values_list("org__code", flat=True)) == ["533923"]
    assert "通知" in seen(cast["other_township"]) and "通知" not in seen(cast["township"])
    edit_page = client.get(reverse("bulletin:edit", args=[b.pk]))
    assert edit_page.context["form"].initial["audience_orgs"] == [org("533923").pk]


def test_named_organizations_missing_or_outside_the_jurisdiction_are_refused(client, cast):
    response = publish(client, cast["triage"], "缺少单位", BulletinAudience.ORGS)
    assert response.status_code == 200
    assert response.context["form"].errors["audience_orgs"] == ["发送范围为“指定单位”时，请至少选择一个接收单位。"]
    response = publish(client, cast["county_triage"], "越界", BulletinAudience.ORGS, [org("533923")])
    assert response.status_code == 200 and response.context["form"].errors["audience_orgs"]
    with pytest.raises(ServiceError) as refused:
        services.bulletin_save(actor=cast["county_triage"], kind=BulletinKind.NOTICE, title="越界",
                               audience=BulletinAudience.ORGS, audience_orgs=[org("533923")])
    assert refused.value.message_dict == {"audience_orgs": ["只能发送给本辖区内的单位，云溪县 不在本辖区。"]}
    with pytest.raises(ServiceError):
        services.bulletin_save(actor=cast["triage"], kind=BulletinKind.NOTICE, title="乱填", audience="world")
    assert not Bulletin.objects.exists() and not BulletinTarget.objects.exists()
    assert not AuditLog.objects.filter(action="bulletin.publish").exists()


def test_the_form_offers_only_the_publishers_jurisdiction(client, cast):
    client.force_login(cast["county_triage"])
    choices = client.get(reverse("bulletin:create")).context["form"].fields["audience_orgs"].queryset
    paths = [o.path for o in choices]
    county = org("533922").path
    assert paths and all(p.startswith(county) for p in paths)
    assert org("533923").pk not in {o.pk for o in choices}
