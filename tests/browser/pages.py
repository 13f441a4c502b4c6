"""Page objects: what a journey does on a page, not how the page is built."""
import re

from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD


class BasePage:
    path = "/"

    def __init__(self, page: Page):
        self.page = page

    def open(self):
        self.page.goto(self.path)
        return self

    @property
    def path_now(self):
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def nav_labels(self):
        return [t.strip() for t in self.page.locator("nav.sidenav a").all_inner_texts()]

    def messages(self):
        return [t.strip() for t in self.page.locator("main .msg, main .error").all_inner_texts()]

    def heading(self):
        return self.page.locator("main h1").first.inner_text().strip()

    def logout(self):
        self.page.locator("header form button", has_text="退出").click()
        return LoginPage(self.page)


class LoginPage(BasePage):
    path = "/accounts/login/"

    def login(self, username, password=DEMO_PASSWORD):
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.locator("main button[type=submit]").click()
        self.page.wait_for_load_state()
        return HomePage(self.page)

    def error_text(self):
        return self.page.locator(".msg-error").inner_text()


class HomePage(BasePage):
    path = "/"


class PasswordChangePage(BasePage):
    path = "/accounts/password/"

    def change(self, old, new, confirm=None):
        self.page.fill("#id_old_password", old)
        self.page.fill("#id_new_password1", new)
        self.page.fill("#id_new_password2", confirm if confirm is not None else new)
        self.page.locator("main form button.btn-primary").click()
        self.page.wait_for_load_state()
        return self

    def field_error(self, field):
        return self.page.locator(f"#id_{field}").locator("xpath=..").locator(".error").inner_text()


class UserListPage(BasePage):
    path = "/accounts/users/"

    def add_user(self):
        self.page.get_by_role("link", name="新增用户").click()
        return UserFormPage(self.page)

    def row_of(self, username):
        return self.page.locator("table tbody tr", has=self.page.get_by_role("link", name=username, exact=True))


class UserFormPage(BasePage):
    path = "/accounts/users/new/"

    def fill(self, *, username=None, real_name=None, organization_code=None, password=None, roles=()):
        if username is not None:
            self.page.fill("#id_username", username)
        if real_name is not None:
            self.page.fill("#id_real_name", real_name)
        if organization_code is not None:
            option = self.page.locator("#id_organization option", has_text=f"（{organization_code}）")
            self.page.select_option("#id_organization", value=option.get_attribute("value"))
        if password is not None:
            self.page.fill("#id_password", password)
        for role in roles:
            self.page.get_by_label(role, exact=True).check()
        return self

    def save(self):
        self.page.locator("main form button.btn-primary").click()
        self.page.wait_for_load_state()
        return self


class DictionaryPage(BasePage):
    path = "/cases/dictionaries/"

    def open_kind(self, kind):
        self.page.goto(f"{self.path}?kind={kind}")
        return self

    def row(self, code):
        return self.page.locator(f'#dictionary-entries tr[data-code="{code}"]')

    def status_of(self, code):
        return self.row(code).locator(".badge").inner_text().strip()

    def press(self, code, button):
        self.row(code).get_by_role("button", name=button).click()
        self.page.wait_for_load_state()
        return self


__all__ = ["BasePage", "DictionaryPage", "HomePage", "LoginPage", "PasswordChangePage", "UserFormPage",
           "UserListPage", "expect"]
