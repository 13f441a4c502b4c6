"""The working-day calendar end to end: the system administrator enters a holiday block under
基础字典 → 节假日安排; the township handler who received a case sees the 退回 deadline counted
with it on the 退回 page, and the day after the deadline finds no 退回 button and, by URL, the
reason (《信访工作条例》第二十三条). The workflow clock is fixed (same process as the live server).
The calendar rows are test data."""
import uuid
from datetime import date

import pytest

from accounts.models import OrgUnit, User
from petitions.models import CalendarDay, Channel
from petitions.services.intake import register_case
from petitions.services.transitions import case_transition
from tests.petitions.workflow_helpers import FixedClock

from .pages import BasePage, CaseDetailPage, LoginPage, expect, shot

pytestmark = pytest.mark.browser

MONDAY = date(2026, 3, 2)


class CalendarPage(BasePage):
    path = "/cases/dictionaries/calendar/"

    def enter(self, *, start, end=None, workday=False, name):
        form = self.page.locator("#calendar-form")
        form.locator("#id_start").fill(start.isoformat())
        if end is not None:
            form.locator("#id_end").fill(end.isoformat())
        form.locator("#id_is_workday").select_option("1" if workday else "0")
        form.locator("#id_name").fill(name)
        self.page.locator("#calendar-save").click()
        self.page.wait_for_load_state()
        return self

    def dates(self):
        return self.page.locator("#calendar-days tbody tr[data-date]").evaluate_all(
            "rows => rows.map(r => r.dataset.date)")


@pytest.fixture
def fixed_clock(monkeypatch):
    clock = FixedClock(MONDAY)
    monkeypatch.setattr("petitions.clock.now", clock.now)
    return clock


def test_holidays_entered_by_the_admin_set_the_return_deadline(new_page, demo_users, fixed_clock):
    admin, handler = new_page(), new_page()

    # 1. The administrator reaches the calendar from the dictionaries and enters Wed–Thu off.
    LoginPage(admin).open().login("admin")
    admin.goto("/cases/dictionaries/")
    admin.locator("#calendar-link").click()
    admin.wait_for_load_state()
    calendar = CalendarPage(admin)
    assert calendar.heading() == "节假日安排：2026年"
    calendar.enter(start=date(2026, 3, 4), end=date(2026, 3, 5), name="测试假期")
    assert "节假日安排已保存：新增2天，修改0天，0天未变。" in calendar.messages()
    assert calendar.dates() == ["2026-03-04", "2026-03-05"]
    assert CalendarDay.objects.count() == 2
    shot(admin, "calendar-1-year")

    # 2. The prefecture assigns a case to 石门镇 on Monday 2026-03-02.
    case = register_case(
        actor=User.objects.get(username="clerk"), channel=Channel.LETTER,
        data={"content": "反映村道被占用，请求恢复通行。"}, petitioners=[{"name": "赵敏"}],
        submit_token=uuid.uuid4().hex, registered_at=fixed_clock.now())
    case = case_transition(case=case, action="assign", actor=User.objects.get(username="triage"),
                           note="请依法办理。", targets=[{"org": OrgUnit.objects.get(code="533922101")}])

    # 3. The handler sees the deadline: Tue 03, Fri 06, Mon 09, Tue 10, Wed 11.
    LoginPage(handler).open().login("township_handler")
    page = CaseDetailPage(handler).open_case(case.pk)
    assert "退回" in page.action_labels()
    page.act("退回")
    expect(handler.locator("#return-deadline")).to_contain_text("2026-03-11")
    expect(handler.locator("#return-deadline")).to_contain_text("第二十三条")
    shot(handler, "calendar-2-return-deadline")

    # 4. The day after the deadline the button is gone and the page says why.
    fixed_clock.set(date(2026, 3, 12))
    page = CaseDetailPage(handler).open_case(case.pk)
    assert "受理" in page.action_labels() and "退回" not in page.action_labels()
    handler.goto(f"/cases/{case.pk}/action/return/")
    expect(handler.locator("#action-refused")).to_contain_text(
        "已超过收到交办（转办）之日起5个工作日的退回期限（2026-03-11，《信访工作条例》第二十三条）")
    assert handler.locator("#action-form").count() == 0
    shot(handler, "calendar-3-return-refused")
