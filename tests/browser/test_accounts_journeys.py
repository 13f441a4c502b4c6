"""First journeys: each demo role logs in and sees its navigation; an admin creates a user who
must change the password at first login; lockout and dictionary pages in a real browser."""
import time

import pytest

from accounts import otp
from django.urls import NoReverseMatch, reverse

from accounts import hooks
from accounts.models import AuditLog, User
from petitions.models import DictEntry

from .pages import (DictionaryPage, LoginPage, OtpCodePage, OtpSetupPage, PasswordChangePage, UserListPage,
                    UserRolesPage, expect, shot)

pytestmark = pytest.mark.browser

URL_OF = {str(item.label): item.url_name for item in hooks.nav_items()}


def _resolvable(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None
ADMIN_ITEMS = {"用户管理", "角色管理", "机构管理", "基础字典", "审计日志", "运行状态"}
CASE_ITEMS = {"来访登记", "来信登记", "上级交办", "分流池", "待批示", "我的信访", "督查督办", "信访查询", "办结存档"}

# demo account → (must see once the page exists, must never see)
ROLES = {
    "admin": ({"用户管理", "机构管理", "基础字典", "运行状态"}, CASE_ITEMS | {"角色管理", "用户授权", "审计日志", "分析图表"}),
    "secadmin": ({"角色管理", "用户授权"}, CASE_ITEMS | {"用户管理", "机构管理", "基础字典", "审计日志", "分析图表"}),
    "auditor": ({"审计日志"}, CASE_ITEMS | ADMIN_ITEMS - {"审计日志"} | {"分析图表"}),
    "clerk": ({"来访登记", "来信登记", "上级交办", "分流池"}, ADMIN_ITEMS | {"我的信访", "待批示"}),
    "triage": ({"分流池", "来访登记"}, ADMIN_ITEMS | {"我的信访", "待批示"}),
    "leader": ({"待批示", "领导批示", "分析图表"}, ADMIN_ITEMS | {"来访登记", "我的信访"}),
    "supervisor": ({"督查督办"}, ADMIN_ITEMS | {"来访登记", "分流池"}),
    "statistician": ({"分析图表", "生成报表"}, ADMIN_ITEMS | {"来访登记", "分流池"}),
    "county_clerk": ({"来访登记", "分流池"}, ADMIN_ITEMS),
    "county_triage": ({"分流池"}, ADMIN_ITEMS),
    "township_handler": ({"我的信访"}, ADMIN_ITEMS | {"来访登记", "分流池"}),
    "other_township_handler": ({"我的信访"}, ADMIN_ITEMS | {"来访登记", "分流池"}),
    "dept_handler": ({"我的信访"}, ADMIN_ITEMS | {"来访登记", "分流池"}),
}


@pytest.mark.parametrize("username", sorted(ROLES))
def test_each_demo_role_sees_its_navigation(page, demo_users, username):
    must, must_not = ROLES[username]
    home = LoginPage(page).open().login(username)
    assert home.path_now == "/"
    labels = set(home.nav_labels())
    assert "首页" in labels
    assert {label for label in must if _resolvable(URL_OF[label])} <= labels
    assert not must_not & labels
    expect(page.locator("header .who")).to_contain_text(User.objects.get(username=username).real_name)
    home.logout()
    assert page.locator(".msg-success").inner_text() == "您已安全退出。"


def test_admin_creates_a_user_who_must_change_the_password(new_page, demo_users):
    """The system administrator creates the account, the security administrator gives it its role (no
    single administrator makes a working business account), and its holder must set his own password."""
    admin = new_page()
    LoginPage(admin).open().login("admin")
    users = UserListPage(admin).open()
    form = users.add_user()
    form.fill(username="xiaoli", real_name="李小丽", organization_code="53392201", password="Chushi#Mima2026").save()
    assert users.path_now == "/accounts/users/"
    assert "用户 xiaoli 已创建，首次登录须修改密码；请安全管理员为其分配角色。" in users.messages()
    expect(users.row_of("xiaoli")).to_contain_text("须修改密码")
    assert not User.objects.get(username="xiaoli").groups.exists()

    security = new_page()
    LoginPage(security).open().login("secadmin")
    grants = UserRolesPage(security).open()
    roles = grants.edit("xiaoli")
    roles.check("登记员", "系统管理员").save()
    assert "管理员角色不能与业务角色" in " ".join(roles.messages())
    assert not User.objects.get(username="xiaoli").groups.exists()
    roles.uncheck("系统管理员").save()
    assert grants.path_now == "/accounts/grants/"
    assert "已为用户 xiaoli 分配角色。" in grants.messages()
    assert list(User.objects.get(username="xiaoli").groups.values_list("name", flat=True)) == ["登记员"]

    newcomer = new_page()  # another browser context: nobody is logged in there
    LoginPage(newcomer).open().login("xiaoli", "Chushi#Mima2026")
    password_page = PasswordChangePage(newcomer)
    assert password_page.path_now == "/accounts/password/"
    assert "请先设置新密码" in " ".join(password_page.messages())
    newcomer.goto("/")  # nothing else is reachable before the change
    assert password_page.path_now == "/accounts/password/"

    password_page.change("Chushi#Mima2026", "weakpass1", "weakpass1")
    assert "密码须包含大写字母、小写字母、数字、特殊符号中的至少3类" in password_page.field_error("new_password1")
    assert User.objects.get(username="xiaoli").must_change_password

    password_page.change("Chushi#Mima2026", "Qingfeng#2027x")
    assert password_page.path_now == "/"
    assert "密码已修改。" in password_page.messages()
    assert "来访登记" in password_page.nav_labels() or not _resolvable("petitions:register_visit")
    user = User.objects.get(username="xiaoli")
    assert not user.must_change_password and user.organization.code == "53392201"
    assert AuditLog.objects.filter(action="password.change", actor=user).exists()


def test_administrator_enrols_in_two_factor_login_at_first_login(page, demo_users):
    """The demo data enrols nobody: the auditor is sent to enrolment after the password, can reach
    nothing else, confirms a code, sees the recovery codes once, and from then on logs in with a code."""
    login = LoginPage(page).open().submit_password("auditor")
    setup = OtpSetupPage(page)
    assert setup.path_now == "/accounts/otp/"
    assert "必须启用两步验证" in " ".join(setup.messages())
    page.goto("/accounts/audit/")
    assert setup.path_now == "/accounts/otp/"
    setup.confirm(otp.totp(setup.secret(), time.time() - 10 * otp.STEP))  # an expired code
    assert "动态验证码不正确" in " ".join(setup.messages())
    assert not User.objects.get(username="auditor").otp_enabled
    setup.enrol()
    codes = setup.recovery_codes()
    assert len(codes) == 8 and User.objects.get(username="auditor").otp_enabled
    assert AuditLog.objects.filter(action="otp.enable", actor_username="auditor").count() == 1
    home = setup.proceed()
    assert "审计日志" in home.nav_labels()
    home.logout()

    login.submit_password("auditor")
    code_page = OtpCodePage(page)
    assert code_page.path_now == "/accounts/login/code/"
    code_page.enter("12345x")
    assert "动态验证码错误。还可尝试4次。" in code_page.field_error()
    code_page.enter(codes[0])
    assert code_page.path_now == "/"
    assert AuditLog.objects.filter(action="login", actor_username="auditor", data__second_factor="recovery").exists()
    assert AuditLog.objects.filter(action="login.failed", actor_username="auditor", data__reason="otp").count() == 1


def test_wrong_passwords_lock_the_account_with_a_clear_message(page, demo_users):
    login = LoginPage(page).open()
    for remaining in (4, 3, 2, 1):
        login.login("clerk", "Wrong#Pass0")
        assert f"还可尝试{remaining}次" in login.error_text()
    login.login("clerk", "Wrong#Pass0")
    assert "账号已被锁定" in login.error_text()
    login.login("clerk")
    assert "账号已被锁定" in login.error_text() and login.path_now.startswith("/accounts/login/")


def test_admin_deactivates_and_deletes_dictionary_entries(page, demo_users):
    LoginPage(page).open().login("admin")
    dictionaries = DictionaryPage(page).open_kind("problem")
    assert dictionaries.status_of("602006") == "启用"
    dictionaries.press("602006", "停用")
    assert dictionaries.status_of("602006") == "停用" and dictionaries.status_of("60200601") == "停用"
    dictionaries.press("602006", "删除")
    assert "已被下级字典项引用，不能删除" in " ".join(dictionaries.messages())
    assert DictEntry.objects.filter(kind="problem", code="602006").exists()
    dictionaries.press("60200603", "删除")
    assert "字典项“劳动关系”已删除。" in dictionaries.messages()
    assert dictionaries.row("60200603").count() == 0


def test_system_administrator_watches_the_databases(page, demo_users):
    """运行状态: the primary, and whether reports read on a standby (none here: they read the primary)."""
    LoginPage(page).open().login("admin")
    page.locator("nav").get_by_role("link", name="运行状态").click()
    expect(page.locator("h1")).to_have_text("运行状态")
    expect(page.locator("main")).to_contain_text("主库")
    expect(page.locator("main")).to_contain_text("只读副本")
    expect(page.locator("main")).to_contain_text("未配置只读副本")
    shot(page, "system_health")
