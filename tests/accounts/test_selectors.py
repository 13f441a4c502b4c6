"""Organization and user visibility (docs/architecture.md §2): one selector module decides what a user sees."""
import pytest
from django.http import Http404

from accounts.models import OrgUnit, User
from accounts.selectors import org_get_visible, org_visible_qs, user_get_visible, user_visible_qs

SHIMEN_TOWN = "533922101"
YUNXI_TOWN = "533923101"
SHIMEN_COUNTY = "533922"
YUNXI_COUNTY = "533923"


def _org_codes(user):
    return set(org_visible_qs(user).values_list("code", flat=True))


def _usernames(user):
    return set(user_visible_qs(user).values_list("username", flat=True))


@pytest.fixture
def cast(sysadmin, auditor, clerk, county_clerk, township_handler, other_township_handler, dept_handler):
    return {u.username: u for u in User.objects.all()}


def test_township_user_never_sees_another_townships_users(cast):
    seen = _usernames(cast["township_handler"])
    assert "township_handler" in seen
    assert "other_township_handler" not in seen
    assert not {"clerk", "county_clerk", "dept_handler", "admin", "auditor"} & seen


def test_township_user_sees_only_his_township_subtree_of_orgs(cast, orgs):
    codes = _org_codes(cast["township_handler"])
    town = orgs[SHIMEN_TOWN]
    assert codes == set(OrgUnit.objects.filter(path__startswith=town.path).values_list("code", flat=True))
    assert YUNXI_TOWN not in codes
    assert not any(code.startswith(YUNXI_COUNTY) for code in codes)
    assert SHIMEN_COUNTY not in codes  # not even his own county


def test_other_township_user_is_symmetrically_blind(cast):
    assert "township_handler" not in _usernames(cast["other_township_handler"])
    assert SHIMEN_TOWN not in _org_codes(cast["other_township_handler"])


def test_county_bureau_user_sees_the_whole_county_and_nothing_else(cast, orgs):
    codes = _org_codes(cast["county_clerk"])
    county = orgs[SHIMEN_COUNTY]
    assert codes == set(OrgUnit.objects.filter(path__startswith=county.path).values_list("code", flat=True))
    assert SHIMEN_TOWN in codes and YUNXI_TOWN not in codes
    seen = _usernames(cast["county_clerk"])
    assert {"county_clerk", "township_handler"} <= seen
    assert not {"other_township_handler", "clerk", "dept_handler"} & seen


def test_prefecture_bureau_user_sees_the_prefecture(cast):
    seen = _usernames(cast["clerk"])
    assert {"clerk", "county_clerk", "township_handler", "other_township_handler", "dept_handler"} <= seen
    assert _org_codes(cast["clerk"]) == set(OrgUnit.objects.values_list("code", flat=True))


def test_department_user_sees_only_his_department(cast):
    assert _org_codes(cast["dept_handler"]) == {"53390003"}
    assert _usernames(cast["dept_handler"]) == {"dept_handler"}


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_administrators_see_all_orgs_and_users(cast, who):
    assert _org_codes(cast[who]) == set(OrgUnit.objects.values_list("code", flat=True))
    assert _usernames(cast[who]) == set(User.objects.values_list("username", flat=True))


def test_user_without_organization_sees_only_himself(orgs):
    loner = User.objects.create_user("loner", password="x")
    assert _usernames(loner) == {"loner"}
    assert _org_codes(loner) == set()


def test_get_visible_is_404_for_missing_and_forbidden_alike(cast, orgs):
    th = cast["township_handler"]
    assert user_get_visible(th, th.pk) == th
    with pytest.raises(Http404):
        user_get_visible(th, cast["other_township_handler"].pk)
    with pytest.raises(Http404):
        user_get_visible(th, 987654)
    with pytest.raises(Http404):
        org_get_visible(th, orgs[YUNXI_TOWN].pk)
    with pytest.raises(Http404):
        org_get_visible(th, "not-a-number")
    assert org_get_visible(th, orgs[SHIMEN_TOWN].pk).code == SHIMEN_TOWN



def test_subtree_filter_is_a_path_prefix_in_sql(cast):
    sql = str(user_visible_qs(cast["county_clerk"]).query)
    assert "LIKE" in sql.upper() and "path" in sql
