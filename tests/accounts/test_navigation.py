"""Navigation by role, and the administrators' blindness to case content."""
import uuid

import pytest
from django.urls import URLPattern, URLResolver, reverse

from django.urls import NoReverseMatch

from accounts import hooks

# What each role's navigation must show (once the page exists) and must never show. Other
# items may appear as capabilities land; the admin roles are checked exactly.
ADMIN_ITEMS = {"用户管理", "角色管理", "机构管理", "基础字典", "审计日志"}
MUST = {
    "clerk": {"来访登记", "来信登记", "上级交办", "分流池", "信访查询"},
    "triage": {"来访登记", "来信登记", "上级交办", "分流池", "领导批示", "信访查询", "办结存档"},
    "leader": {"待批示", "领导批示", "督查督办", "信访查询", "办结存档", "分析图表", "生成报表"},
    "supervisor": {"督查督办", "信访查询", "办结存档"},
    "statistician": {"信访查询", "办结存档", "分析图表", "生成报表"},
    "township_handler": {"我的信访", "信访查询"},
}
MUST_NOT = {
    "clerk": ADMIN_ITEMS | {"待批示", "我的信访", "分析图表", "督查督办"},
    "triage": ADMIN_ITEMS | {"待批示", "我的信访"},
    "leader": ADMIN_ITEMS | {"来访登记", "我的信访"},
    "supervisor": ADMIN_ITEMS | {"来访登记", "分流池", "待批示"},
    "statistician": ADMIN_ITEMS | {"来访登记", "分流池", "待批示", "我的信访"},
    "township_handler": ADMIN_ITEMS | {"来访登记", "分流池", "待批示", "分析图表"},
}
ALL_LABELS = {str(item.label) for item in hooks.nav_items()}
URL_OF = {str(item.label): item.url_name for item in hooks.nav_items()}


def _resolvable(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def existing(labels):
    """The labels whose page has been built (capabilities land one issue at a time)."""
    return {label for label in labels if _resolvable(URL_OF[label])}


def nav_labels(client):
    return [item["label"] for item in client.get(reverse("home")).context["nav_items"]]


@pytest.mark.parametrize("who", sorted(MUST))
def test_navigation_matches_the_role(client, request, who):
    client.force_login(request.getfixturevalue(who))
    labels = set(map(str, nav_labels(client)))
    assert "首页" in labels
    assert existing(MUST[who]) <= labels
    assert not MUST_NOT[who] & labels


def test_business_roles_see_no_administration(client, clerk):
    client.force_login(clerk)
    assert not ADMIN_ITEMS & set(map(str, nav_labels(client)))


def test_admin_sees_the_dictionary_page_in_the_navigation(client, sysadmin):
    client.force_login(sysadmin)
    labels = list(map(str, nav_labels(client)))
    assert labels == ["首页", "任务管理", "用户管理", "机构管理", "对端系统", "运行状态", "基础字典", "文书模板"]
    assert "分流池" not in labels


def test_auditor_sees_only_the_audit_log(client, auditor):
    client.force_login(auditor)
    assert list(map(str, nav_labels(client))) == ["首页", "任务管理", "审计日志"]


def test_every_label_in_the_tables_exists():
    assert set().union(*MUST.values(), *MUST_NOT.values()) <= ALL_LABELS


# --- administrators see no case pages -------------------------------------------------------

SAMPLE = {"int": "1", "str": "x", "slug": "x", "uuid": str(uuid.uuid4()), "path": "x"}


def _case_urls():
    """Every URL of the business apps, with sample arguments; public (login-free) pages and the
    system administrator's own pages (the dictionaries, the 对端系统 of cases between instances:
    organizations and keys, no case content) are left out."""
    from petitions import urls as petition_urls
    from reports import urls as report_urls

    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, namespace)
            elif isinstance(p, URLPattern) and p.name:
                if getattr(p.callback, "login_required", True) is False or p.name.startswith(("dictionary_", "peer")):
                    continue
                kwargs = {k: SAMPLE.get(type(c).__name__.replace("Converter", "").lower(), "1")
                          for k, c in p.pattern.converters.items()}
                found.append(reverse(f"{namespace}:{p.name}", kwargs=kwargs))

    walk(petition_urls.urlpatterns, "petitions")
    walk(report_urls.urlpatterns, "reports")
    return found


@pytest.mark.parametrize("who", ["sysadmin", "auditor"])
def test_administrators_get_no_case_page(client, request, who):
    client.force_login(request.getfixturevalue(who))
    for url in _case_urls():
        status = client.get(url).status_code
        assert status in (403, 404, 405), (url, status)


def test_auditor_cannot_open_the_dictionary_or_user_pages(client, auditor):
    client.force_login(auditor)
    for name in ("petitions:dictionary_list", "accounts:user_list", "accounts:org_list", "accounts:role_list"):
        assert client.get(reverse(name)).status_code == 403


def test_admin_cannot_read_the_audit_log(client, sysadmin):
    client.force_login(sysadmin)
    assert client.get(reverse("accounts:audit_list")).status_code == 403
