"""Page objects: what a journey does on a page, not how the page is built."""
import base64
import os
import re
import time
from pathlib import Path

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

    def login(self, username, password=DEMO_PASSWORD, *, second_factor=True):
        """Password step; then, unless ``second_factor`` is False, the two-factor step the account
        needs: the code page for an enrolled account, enrolment for a 三员 demo account at its first
        login (the demo data enrols nobody)."""
        self.submit_password(username, password)
        if second_factor and self.path_now == OtpSetupPage.path:
            OtpSetupPage(self.page).enrol().proceed()
        elif second_factor and self.path_now == OtpCodePage.path:
            OtpCodePage(self.page).enter(OtpCodePage.code_for(username))
        return HomePage(self.page)

    def submit_password(self, username, password=DEMO_PASSWORD):
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.locator("main button[type=submit]").click()
        self.page.wait_for_load_state()
        return self

    def error_text(self):
        return self.page.locator(".msg-error").inner_text()


class HomePage(BasePage):
    path = "/"


class OtpCodePage(BasePage):
    """Second login step."""
    path = "/accounts/login/code/"

    @staticmethod
    def code_for(username):
        """The next unused code of an enrolled account (the authenticator app on the phone)."""
        from accounts import otp
        from accounts.models import User

        user = User.objects.get(username=username)
        step = max(otp.time_step() - 1, (user.otp_last_step or 0) + 1)
        return otp.hotp(otp.unseal(user.otp_secret), step)

    def enter(self, code):
        self.page.fill("#id_code", code)
        self.page.locator("main button[type=submit]").click()
        self.page.wait_for_load_state()
        return self

    def field_error(self):
        return self.page.locator("#id_code").locator("xpath=..").locator(".error").inner_text()


class OtpSetupPage(BasePage):
    """Enrolment: read the secret as a person would type it into the app, confirm with a code."""
    path = "/accounts/otp/"

    def secret(self):
        text = self.page.locator("code.otp-secret").inner_text().replace(" ", "")
        return base64.b32decode(text + "=" * (-len(text) % 8))

    def confirm(self, code):
        self.page.fill("#id_code", code)
        self.page.locator("main form button.btn-primary").click()
        self.page.wait_for_load_state()
        return self

    def enrol(self):
        from accounts import otp

        return self.confirm(otp.totp(self.secret(), time.time() - otp.STEP))

    def recovery_codes(self):
        return [t.strip() for t in self.page.locator("ul.otp-codes code").all_inner_texts()]

    def proceed(self):
        self.page.get_by_role("link", name="我已保存，继续").click()
        self.page.wait_for_load_state()
        return HomePage(self.page)


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


class UserRolesPage(BasePage):
    """用户授权 (the security administrator's): the users and their roles; 分配角色 opens one user's form."""
    path = "/accounts/grants/"

    def edit(self, username):
        self.page.fill("input[name=q]", username)
        self.page.get_by_role("button", name="查询").click()
        self.page.wait_for_load_state()
        row = self.page.locator("table tbody tr", has=self.page.get_by_role("cell", name=username, exact=True))
        row.get_by_role("link", name="分配角色").click()
        self.page.wait_for_load_state()
        return UserRolesFormPage(self.page)


class UserRolesFormPage(BasePage):
    def check(self, *roles):
        for role in roles:
            self.page.get_by_label(role, exact=True).check()
        return self

    def uncheck(self, *roles):
        for role in roles:
            self.page.get_by_label(role, exact=True).uncheck()
        return self

    def save(self):
        self.page.locator("main form button.btn-primary").click()
        self.page.wait_for_load_state()
        return self


class UserFormPage(BasePage):
    path = "/accounts/users/new/"

    def fill(self, *, username=None, real_name=None, organization_code=None, password=None, roles=()):
        if username is not None:
            self.page.fill("#id_username", username)
        if real_name is not None:
            self.page.fill("#id_real_name", real_name)
        if organization_code is not None:
            option = self.page.locator(f"#id_organization option[data-code='{organization_code}']")
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


# --- petitions: entry form driven by the keyboard, pool, case page, workflow pages --------------

SHOTS_DIR = os.environ.get("XF_SHOTS_DIR", "")


def shot(page: Page, name):
    """Full-page screenshot into $XF_SHOTS_DIR (e.g. /tmp/shots) when set; nothing otherwise,
    so that the suite stays fast and writes no files by default."""
    if SHOTS_DIR:
        Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS_DIR) / f"{name}.png"), full_page=True)


class KeyboardForm(BasePage):
    """A form filled with the keyboard alone: every step presses keys on ``page.keyboard``;
    the DOM is only read (where the focus is, which options a <select> has), never used to
    move the focus or set a value."""

    def expect_focus(self, selector):
        expect(self.page.locator(selector)).to_be_focused()
        return self

    def focused_id(self):
        return self.page.evaluate("document.activeElement ? document.activeElement.id : ''")

    def tab(self, expected=None, *, back=False):
        """Press Tab (Shift+Tab with ``back``) and, with ``expected``, assert where the focus landed."""
        self.page.keyboard.press("Shift+Tab" if back else "Tab")
        if expected is not None:
            self.expect_focus(expected)
        return self

    def tab_until(self, selector, *, limit=30):
        """Press Tab until ``selector`` has the focus (at most ``limit`` times); return the ids passed."""
        target = self.page.locator(selector)
        passed = []
        for _i in range(limit):
            self.page.keyboard.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                return passed
            passed.append(self.focused_id())
        raise AssertionError(f"{selector} not reached with {limit} Tabs; passed {passed}")

    def type(self, text):
        self.page.keyboard.type(text)
        return self

    def replace(self, text):
        """Overwrite a prefilled text field that has the focus."""
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        return self

    def choose(self, label):
        """Select the option whose text is ``label`` (or starts with it) in the focused <select>
        with ArrowDown/ArrowUp, as a keyboard user does without opening the list."""
        options, current = self.page.evaluate(
            "() => { const s = document.activeElement;"
            " return [Array.from(s.options, o => o.text.trim()), s.selectedIndex]; }")
        wanted = next((i for i, text in enumerate(options) if text == label), None)
        if wanted is None:
            wanted = next(i for i, text in enumerate(options) if text.startswith(label))
        key = "ArrowDown" if wanted > current else "ArrowUp"
        for _i in range(abs(wanted - current)):
            self.page.keyboard.press(key)
        selected = self.page.evaluate("() => document.activeElement.selectedOptions[0].text.trim()")
        assert selected == options[wanted], (selected, options[wanted])
        return self


class RegisterVisitPage(KeyboardForm):
    """来访登记."""

    path = "/cases/register/visit/"

    def person(self, index, field):
        return f"#id_petitioners-{index}-{field}"

    def id_check(self, index):
        return self.page.locator(f"#id_petitioners-{index}-id_number_check")

    def similar_rows(self):
        return self.page.locator("#similar-panel .js-similar-rows tr")

    def similar_row(self, number):
        return self.similar_rows().filter(has=self.page.get_by_role("link", name=number, exact=True))

    def field_value(self, selector):
        return self.page.locator(selector).input_value()

    def fill_person(self, index, *, name, id_number, phone="", address=""):
        """From the focused 姓名 of block ``index``: name, (证件类型 stays 居民身份证), ID number,
        past the 性别/年龄 the ID check fills, 民族/文化程度/政治面貌 left empty, phone, address;
        ends with the focus on 单位 (workplace)."""
        self.expect_focus(self.person(index, "name")).type(name)
        self.tab(self.person(index, "id_type")).tab(self.person(index, "id_number")).type(id_number)
        for field in ("sex", "age", "ethnicity", "education", "political", "phone"):
            self.tab(self.person(index, field))
        self.type(phone).tab(self.person(index, "address")).type(address).tab(self.person(index, "workplace"))
        return self

    def save_by_keyboard(self):
        """Tab from the current field to 保存（进入分流池） and press Enter."""
        self.tab_until("#btn-save")
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        return CaseDetailPage(self.page)


class PoolPage(BasePage):
    """分流池."""

    path = "/cases/pool/"

    def row_of(self, number):
        return self.page.locator("table.pool-table tbody tr",
                                 has=self.page.get_by_role("link", name=number, exact=True))

    def open_case(self, number):
        self.row_of(number).get_by_role("link", name=number, exact=True).click()
        self.page.wait_for_load_state()
        return CaseDetailPage(self.page)


class CaseDetailPage(BasePage):
    """A case page: registration facts, the action buttons, the workflow panel, the trail."""

    def open_case(self, pk):
        self.page.goto(f"/cases/{pk}/")
        return self

    def number(self):
        return re.search(r"\d{8,}-\d{4}-\d{6}", self.heading()).group(0)

    def status(self):
        return self.page.locator("main h1 .badge").inner_text().strip()

    def value(self, label, section="main"):
        """The <dd> next to the <dt> reading exactly ``label`` (first one in ``section``)."""
        term = self.page.locator(f"{section} dl.kv dt").filter(has_text=re.compile(f"^{re.escape(label)}$"))
        return term.first.locator("xpath=following-sibling::dd[1]").inner_text().strip()

    def action_labels(self):
        return [t.strip() for t in self.page.locator("#case-actions a").all_inner_texts()]

    def act(self, label):
        self.page.locator("#case-actions").get_by_role("link", name=label, exact=True).click()
        self.page.wait_for_load_state()
        return ActionPage(self.page)

    def instruction(self):
        return self.page.locator("main > .instruction")

    def petitioner_rows(self):
        return self.page.locator("#case-petitioners tbody tr")

    def assignment_row(self, org_name):
        return self.page.locator("#case-assignments tbody tr", has_text=org_name)


class ActionPage(BasePage):
    """One workflow action's page (交办, 受理, 上报结果, 审核通过, 领导批示 …)."""

    def note(self, text):
        self.page.fill("#id_note", text)
        return self

    def select(self, field, label):
        self.page.select_option(f"#id_{field}", label=label)
        return self

    def target(self, index, *, org_name, deadline=None, lead=False):
        """One row of 承办单位: the organization (tree-indented label), its deadline, 主办."""
        select = self.page.locator(f"#id_targets-{index}-org")
        option = select.locator("option").filter(has_text=re.compile(f"^\u3000*{re.escape(org_name)}$"))
        select.select_option(value=option.get_attribute("value"))
        if deadline is not None:
            self.page.fill(f"#id_targets-{index}-deadline", deadline.isoformat())
        if lead:
            self.page.check(f"#id_targets-{index}-is_lead")
        return self

    def submit(self):
        self.page.locator("#action-submit").click()
        self.page.wait_for_load_state()
        return CaseDetailPage(self.page)

    def fill(self, field, value):
        """A text, date (年-月-日) or time (时:分) field; Escape closes a calendar over the next field."""
        self.page.fill(f"#id_{field}", value)
        self.page.keyboard.press("Escape")
        return self


class DutyRosterPage(BasePage):
    """值班表: who of the level is on duty when (重大紧急 alerts go to them)."""

    path = "/cases/duty/"

    def add_shift(self, *, person, start, end, note=""):
        """``person``: the option's label start (real name); ``start``/``end``: aware datetimes."""
        select = self.page.locator("#id_user")
        option = select.locator("option").filter(has_text=re.compile(f"^{re.escape(person)}"))
        select.select_option(value=option.get_attribute("value"))
        for prefix, moment in (("start", start), ("end", end)):
            self.page.fill(f"#id_{prefix}_day", moment.strftime("%Y-%m-%d"))
            self.page.keyboard.press("Escape")
            self.page.fill(f"#id_{prefix}_time", moment.strftime("%H:%M"))
        self.page.fill("#id_note", note)
        self.page.locator("#duty-submit").click()
        self.page.wait_for_load_state()
        return self

    def on_duty_now(self):
        return self.page.locator("#on-duty-now").inner_text()


class InboxPage(BasePage):
    """我的信访: tabs 待受理 / 办理中 / 已上报 / 已办结 with counts."""

    path = "/cases/inbox/"

    def tab_count(self, key):
        return int(self.page.locator(f"#tab-{key} .count").inner_text())

    def row_of(self, number):
        return self.page.locator("#inbox-table tbody tr", has=self.page.get_by_role("link", name=number, exact=True))

    def open_case(self, number):
        self.row_of(number).get_by_role("link", name=number, exact=True).click()
        self.page.wait_for_load_state()
        return CaseDetailPage(self.page)


class LeaderPage(BasePage):
    """待批示: cases reported to the leader, then supervised/overdue ones in his jurisdiction."""

    path = "/cases/leader/"

    def pending_row(self, number):
        return self.page.locator("#leader-pending-table tbody tr",
                                 has=self.page.get_by_role("link", name=number, exact=True))

    def open_case(self, number):
        self.pending_row(number).get_by_role("link", name=number, exact=True).click()
        self.page.wait_for_load_state()
        return CaseDetailPage(self.page)


class ReviewQueuePage(BasePage):
    """审核办理: results to review, extensions, cases received from above, 复查/复核."""

    path = "/cases/review/"

    def result_row(self, number):
        return self.page.locator("#review-results-table tbody tr",
                                 has=self.page.get_by_role("link", name=number, exact=True))

    def open_case(self, number):
        self.result_row(number).get_by_role("link", name=number, exact=True).click()
        self.page.wait_for_load_state()
        return CaseDetailPage(self.page)


__all__ = ["ActionPage", "BasePage", "CaseDetailPage", "DictionaryPage", "HomePage", "InboxPage", "KeyboardForm",
           "LeaderPage", "LoginPage", "PasswordChangePage", "PoolPage", "RegisterVisitPage", "ReviewQueuePage",
           "UserFormPage", "UserListPage", "expect", "shot"]


# --- statistics, Chinese inputs, user removal, bulletin audience -------------------------------

class ReportPage(BasePage):
    """One statistical report (or the KPI page) with its form block and sign-off form."""
    path = "/reports/"

    def open_report(self, title):
        self.page.goto(self.path)
        self.page.get_by_role("link", name=title, exact=True).click()
        self.page.wait_for_load_state()
        return self

    def query(self, **values):
        for name, value in values.items():
            self.page.fill(f"form.filters #id_{name}", value)
            self.page.keyboard.press("Escape")  # close the calendar over the next field
        self.page.locator("form.filters button.btn-primary", has_text="统计").click()
        self.page.wait_for_load_state()
        return self

    def save_signers(self, *, unit_head, preparer):
        self.page.fill("#report-signers #id_unit_head", unit_head)
        self.page.fill("#report-signers #id_preparer", preparer)
        self.page.locator("#report-signers button", has_text="保存签署人").click()
        self.page.wait_for_load_state()
        return self

    def form_block(self):
        """表号 / 制表机关 (top right), 填报单位 (left) and the sign-off line of the first table."""
        head = self.page.locator(".report-head").first
        return {
            "id": [t.strip() for t in head.locator(".form-id > div").all_inner_texts()],
            "unit": head.locator(".form-unit").inner_text().strip(),
            "sign": self.page.locator(".form-sign").first.inner_text().strip(),
        }

    def print_pdf(self, path):
        """What 打印 puts on paper: the print stylesheet on the page's own A4 landscape size."""
        self.page.emulate_media(media="print")
        self.page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
        self.page.emulate_media(media="screen")
        return path

    def export_xlsx(self, path):
        with self.page.expect_download() as download:
            self.page.get_by_role("link", name="导出Excel").click()
        download.value.save_as(str(path))
        return path


class DateInput:
    """A date field with the Chinese calendar (accounts/widgets.py, static/js/datepicker.js)."""

    def __init__(self, page: Page, selector):
        self.page, self.selector = page, selector

    def open_calendar(self):
        self.page.click(self.selector)
        calendar = self.page.locator(".air-datepicker.-active-")
        calendar.wait_for()
        return calendar

    def pick_today(self):
        self.open_calendar().get_by_text("今天", exact=True).click()
        expect(self.page.locator(self.selector)).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
        return self.page.input_value(self.selector)


class TaskPage(BasePage):
    path = "/accounts/tasks/"

    def add(self, title):
        self.page.fill("#id_title", title)
        self.page.locator("#task-add button", has_text="添加任务").click()
        self.page.wait_for_load_state()
        return self


class UserRetirePage(BasePage):
    """The 停用或删除 panel of a user's edit page."""

    def open_user(self, username):
        UserListPage(self.page).open()
        self.page.get_by_role("link", name=username, exact=True).click()
        self.page.wait_for_load_state()
        return self

    def press(self, label, *, confirm=True):
        """Press the button; a button that asks first (删除账号) is confirmed, or cancelled when
        ``confirm`` is False; the dialog's text is kept in ``asked``."""
        self.asked = None

        def answer(dialog):
            self.asked = dialog.message
            dialog.accept() if confirm else dialog.dismiss()

        self.page.once("dialog", answer)
        self.page.locator("#user-retire button", has_text=label).click()
        self.page.wait_for_load_state()
        return self


class BulletinFormPage(BasePage):
    path = "/bulletin/new/"

    def publish(self, *, title, audience, orgs=(), body="请各单位做好节日期间的值班安排。"):
        self.page.fill("#id_title", title)
        self.page.fill("#id_body", body)
        self.page.get_by_label(audience, exact=True).check()
        for name in orgs:
            self.page.locator("#id_audience_orgs label", has_text=name).filter(
                has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).locator("input").check()
        self.page.locator("main form button.btn-primary", has_text="发布").click()
        self.page.wait_for_load_state()
        return self


class BulletinListPage(BasePage):
    path = "/bulletin/"

    def titles(self):
        return [t.strip() for t in self.page.locator("#bulletin-table tbody td:nth-child(2) a").all_inner_texts()]


__all__ += ["BulletinFormPage", "BulletinListPage", "DateInput", "ReportPage", "TaskPage", "UserRetirePage"]


# --- 态势研判 (cockpit) ------------------------------------------------------------------------------

class CockpitPage(BasePage):
    """The cockpit (态势研判), on the home page or its own page: tiles, charts, lists behind them."""
    path = "/cockpit/"

    def tile(self, key):
        return self.page.locator(f'[data-tile="{key}"]').first

    def tile_value(self, key):
        return self.tile(key).locator(".cp-tile-value").inner_text().strip()

    def open_tile(self, key):
        self.tile(key).click()
        self.page.wait_for_load_state()
        return CockpitListPage(self.page)

    def chart(self, chart_id):
        return self.page.locator(f'[data-chart="{chart_id}"]').first

    def wait_for_charts(self):
        """Every chart of the page drawn by static/js/cockpit.js (ECharts puts a canvas in it)."""
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('figure[data-chart]')].every(f => f.dataset.drawn === '1'"
            " && f.querySelector('canvas'))")
        return self

    def chart_table_link(self, chart_id, row_label):
        """The link of a figure in the table under a chart (the same list a click on the bar opens)."""
        figure = self.chart(chart_id)
        figure.locator("summary").click()
        return figure.locator("tbody tr", has=self.page.locator("th", has_text=row_label)).locator("a").first

    def hotspot_rows(self):
        return self.page.locator("#hotspots table.cp-hot tbody tr")

    def warnings(self):
        return self.page.locator("#warnings .cp-warnings li")


class CockpitListPage(BasePage):
    """The cases behind a figure."""

    def filters(self):
        return [t.strip() for t in self.page.locator(".cp-filter .tag").all_inner_texts()]

    def numbers(self):
        return [t.strip() for t in self.page.locator("#cockpit-cases tbody td:first-child a").all_inner_texts()]


class WarningPage(BasePage):
    def acknowledge(self, note):
        self.page.fill("#ack-form #id_note", note)
        self.page.locator("#ack-form button").click()
        self.page.wait_for_load_state()
        return self

    def acknowledged(self):
        return self.page.locator("#warning-ack").inner_text().strip()


# --- procedures: routing out, 调解和解, 信访情况年度报告 --------------------------------------------

class ProcedureFormPage(ActionPage):
    """A procedure's action page (转送纪检监察, 导入法定途径, 调解和解 …): an organization chosen by
    its name in a tree-indented list, a signed copy attached, the errors shown next to the fields,
    or the refusal shown instead of the form."""

    @classmethod
    def of(cls, case_page, label):
        """Press the action's button on a case page."""
        return cls(case_page.act(label).page)

    def org_options(self, field="org"):
        return [t.strip("\u3000 ") for t in self.page.locator(f"#id_{field} option").all_inner_texts()]

    def choose_org(self, name, field="org"):
        select = self.page.locator(f"#id_{field}")
        option = select.locator("option").filter(has_text=re.compile(f"^\u3000*{re.escape(name)}$"))
        select.select_option(value=option.get_attribute("value"))
        return self

    def attach(self, field, name, body, mime="application/pdf"):
        """Choose a file in a (hidden, Chinese-labelled) file picker, as the button's dialog would."""
        self.page.set_input_files(f"#id_{field}", {"name": name, "mimeType": mime, "buffer": body})
        return self

    def press(self):
        """Press the submit button and stay on the form when the service sends it back."""
        self.page.locator("#action-submit").click()
        self.page.wait_for_load_state()
        return self

    def field_error(self, field):
        holder = self.page.locator(f"#id_{field}").locator("xpath=ancestor::div[contains(@class, 'field')][1]")
        return " ".join(t.strip() for t in holder.locator(".error").all_inner_texts())

    def value_of(self, field):
        return self.page.input_value(f"#id_{field}")

    def refusal(self):
        return self.page.locator("#action-refused").inner_text().strip()


class AnnualReportPage(BasePage):
    """信访情况年度报告 (条例第四十一条): choose the organization and the year, edit the text
    sections, save, read the figures, download the PDF and the Excel file."""

    path = "/reports/annual/"

    def open_from_reports(self):
        """生成报表 → 信访情况年度报告."""
        self.page.goto("/reports/")
        self.page.locator("#report-list").get_by_role("link", name="信访情况年度报告", exact=True).click()
        self.page.wait_for_load_state()
        return self

    def choose(self, *, org, year):
        self.page.select_option("#annual-filter #id_org", label=org)
        self.page.fill("#annual-filter #id_year", str(year))
        self.page.locator("#annual-filter button", has_text="查看").click()
        self.page.wait_for_load_state()
        return self

    def title(self):
        return self.page.locator("#annual-title").inner_text().strip()

    def status(self):
        return self.page.locator("#annual-status").inner_text().strip()

    def section(self, heading):
        """The text area of one section, found by its heading (一、信访总体情况 …)."""
        return self.page.locator("#annual-text-form").get_by_label(heading, exact=True)

    def write(self, heading, text):
        self.section(heading).fill(text)
        return self

    def save(self):
        self.page.locator("#annual-save").click()
        self.page.wait_for_load_state()
        return self

    def table(self, title):
        return self.page.locator("section.annual-table").filter(
            has=self.page.locator("h2.report-title", has_text=title))

    def figure(self, table_title, label):
        """The number on the row ``label`` of the table ``table_title``."""
        row = self.table(table_title).locator("tbody tr").filter(
            has=self.page.locator(":is(th, td):first-child", has_text=re.compile(f"^\\s*{re.escape(label)}\\s*$")))
        return row.first.locator("th, td").nth(1).inner_text().strip()

    def download(self, label, path):
        """Press 导出PDF / 导出Excel: the file is saved to ``path``; returns the HTTP response."""
        with self.page.expect_response(lambda r: "export=" in r.url) as response, \
                self.page.expect_download() as download:
            self.page.locator(".page-head .actions").get_by_role("link", name=label, exact=True).click()
        download.value.save_as(str(path))
        return response.value


class InboxTabsPage(InboxPage):
    """我的信访 with its tabs pressed (待受理 / 办理中 / 已上报 / 已办结)."""

    def show(self, key):
        self.page.locator(f"#tab-{key}").click()
        self.page.wait_for_load_state()
        return self


__all__ += ["AnnualReportPage", "InboxTabsPage", "ProcedureFormPage"]
