"""Working days and the 5-working-day 退回 period (《信访工作条例》第二十三条): the calendar
arithmetic, the enforcement in the service and the permission rule, the action page, the
calendar maintenance page and ``manage.py load_holidays``.

The calendar rows below are test data (named 测试假期 / 测试调休), not real holiday dates.
"""
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import AuditLog
from petitions.exceptions import TransitionNotAllowed
from petitions.models import CalendarDay, CaseEvent
from petitions.permissions import available_actions, can, refusal
from petitions.services.calendar import calendar_day_delete, calendar_days_save, calendar_import
from petitions.selectors.workdays import (
    add_workdays, add_workdays_many, is_workday, receipt_day, return_due, return_dues,
)
from petitions.workflow import Status
from tests.petitions.workflow_helpers import *  # noqa: F401,F403
from tests.petitions.workflow_helpers import DAY0, act, make_case, org, snapshot

pytestmark = pytest.mark.django_db

TOWNSHIP = "533922101"
MON, TUE, WED, THU, FRI, SAT, SUN = (DAY0 + timedelta(days=i) for i in range(7))  # DAY0 is Monday 2026-03-02


def d(month, day):
    return date(2026, month, day)


def rest(admin, start, end=None, name="测试假期"):
    return calendar_days_save(actor=admin, start=start, end=end, is_workday=False, name=name)


def work(admin, day, name="测试调休"):
    return calendar_days_save(actor=admin, start=day, is_workday=True, name=name)


# --- arithmetic -------------------------------------------------------------------------------

def test_plain_weeks_count_monday_to_friday(db):
    assert DAY0.weekday() == 0
    assert add_workdays(MON, 5) == MON + timedelta(days=7)
    assert add_workdays(FRI, 5) == FRI + timedelta(days=7)
    assert add_workdays(SAT, 1) == MON + timedelta(days=7)
    assert add_workdays(SUN, 5) == FRI + timedelta(days=7)
    assert add_workdays(WED, 0) == WED
    with pytest.raises(ValueError):
        add_workdays(WED, -1)


def test_a_holiday_block_is_skipped(sysadmin):
    rest(sysadmin, d(3, 10), d(3, 12))  # Tuesday to Thursday off
    # after Friday 03-06: Mon 09, Fri 13, Mon 16, Tue 17, Wed 18
    assert add_workdays(FRI, 5) == d(3, 18)
    assert not is_workday(d(3, 11)) and is_workday(d(3, 13))


def test_a_swapped_saturday_counts_as_a_working_day(sysadmin):
    rest(sysadmin, d(3, 10), d(3, 12))
    work(sysadmin, d(3, 14))  # Saturday worked
    assert is_workday(d(3, 14)) and not is_workday(d(3, 15))
    # Mon 09, Fri 13, Sat 14, Mon 16, Tue 17
    assert add_workdays(FRI, 5) == d(3, 17)
    assert add_workdays(d(3, 13), 1) == d(3, 14)


def test_one_query_per_call_and_per_batch(sysadmin, django_assert_num_queries):
    rest(sysadmin, d(3, 10), d(3, 12))
    with django_assert_num_queries(1):
        assert add_workdays(FRI, 20) == d(4, 8)  # four weeks of weekdays, less 3 holidays, plus 3
    days = [MON + timedelta(days=i) for i in range(20)]
    with django_assert_num_queries(1):
        many = add_workdays_many(days, 5)
    assert many == {day: add_workdays(day, 5) for day in days}


def test_a_run_of_rest_days_longer_than_the_first_read_is_still_counted(sysadmin, django_assert_num_queries):
    rest(sysadmin, d(3, 3), d(4, 2))
    rest(sysadmin, d(4, 3), d(5, 3))
    with django_assert_num_queries(2):
        assert add_workdays(MON, 1) == d(5, 4)


# --- the 5-working-day period in the workflow ---------------------------------------------------

def assigned(cast):
    """A case assigned to the township on DAY0 (Monday 2026-03-02, 09:00)."""
    return act(make_case(cast.clerk), "assign", cast.triage, targets=[{"org": org(TOWNSHIP)}])


@pytest.fixture
def swapped_week(sysadmin):
    """Wednesday and Thursday off, the Saturday worked: the period ends Tuesday 03-10."""
    rest(sysadmin, WED, THU)
    work(sysadmin, SAT)
    # after Monday 03-02: Tue 03, Fri 06, Sat 07, Mon 09, Tue 10
    return d(3, 10)


def test_receipt_is_the_local_date_of_the_assignment(cast, clock):
    clock.moment = timezone.make_aware(datetime.combine(TUE, time(0, 30)))  # Monday 16:30 UTC
    case = assigned(cast)
    assignment = case.assignments.get()
    assert assignment.created_at == clock.moment
    assert receipt_day(assignment) == TUE
    assert return_due(assignment) == TUE + timedelta(days=7)
    assert return_dues([assignment]) == {assignment.pk: TUE + timedelta(days=7)}


def test_return_allowed_on_the_last_day(cast, clock, swapped_week):
    case = assigned(cast)
    clock.set(swapped_week)
    assert can(cast.township_handler, case, "return")
    assert "return" in {a["name"] for a in available_actions(cast.township_handler, case)}
    case = act(case, "return", cast.township_handler, note="不属于本镇管辖。")
    assert case.status == Status.PENDING
    event = CaseEvent.objects.get(case=case, action="return")
    assert event.data["return_due"] == "2026-03-10"


def test_return_refused_the_day_after_and_nothing_changes(cast, clock, swapped_week):
    case = assigned(cast)
    clock.set(swapped_week + timedelta(days=1))
    handler = cast.township_handler
    assert not can(handler, case, "return")
    assert "return" not in {a["name"] for a in available_actions(handler, case)}
    assert can(handler, case, "accept")  # the unit must handle it now
    expected = ("已超过收到交办（转办）之日起5个工作日的退回期限（2026-03-10，《信访工作条例》第二十三条），"
                "请受理办理，或与交办机关协商。")
    assert refusal(handler, case, "return") == expected
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed) as info:
        act(case, "return", handler, note="不属于本镇管辖。")
    assert info.value.message == expected
    assert snapshot(case) == before


def test_without_calendar_entries_the_period_is_five_weekdays(cast, clock):
    case = assigned(cast)
    clock.set(MON + timedelta(days=7))
    assert can(cast.township_handler, case, "return")
    clock.set(TUE + timedelta(days=7))
    assert not can(cast.township_handler, case, "return")


def test_a_holiday_entered_later_lengthens_a_running_period(cast, clock, sysadmin):
    case = assigned(cast)
    clock.set(TUE + timedelta(days=7))
    assert not can(cast.township_handler, case, "return")
    rest(sysadmin, FRI)
    assert can(cast.township_handler, case, "return")


def test_refusal_explains_only_closed_windows(cast, clock, swapped_week):
    case = assigned(cast)
    clock.set(swapped_week + timedelta(days=1))
    # not the township's case: a permission matter, nothing to explain
    assert refusal(cast.other_township_handler, case, "return") is None
    assert refusal(cast.township_handler, case, "accept") is None  # allowed


# --- pages --------------------------------------------------------------------------------------

def action_url(case, action):
    return reverse("petitions:action", args=[case.pk, action])


def test_return_page_shows_the_deadline(client, cast, clock, swapped_week):
    case = assigned(cast)
    client.force_login(cast.township_handler)
    html = client.get(action_url(case, "return")).content.decode()
    assert 'id="return-deadline"' in html and "2026-03-10" in html and "第二十三条" in html
    assert "今天是最后一天" not in html
    clock.set(swapped_week)
    html = client.get(action_url(case, "return")).content.decode()
    assert "今天是最后一天" in html
    assert 'id="return-deadline"' not in client.get(action_url(case, "accept")).content.decode()


def test_return_page_after_the_deadline_says_why_and_post_changes_nothing(client, cast, clock, swapped_week):
    case = assigned(cast)
    clock.set(swapped_week + timedelta(days=1))
    client.force_login(cast.township_handler)
    detail = client.get(reverse("petitions:detail", args=[case.pk])).content.decode()
    buttons = detail.split('id="case-actions"', 1)[1].split("</div>", 1)[0]
    assert ">受理<" in buttons and ">退回<" not in buttons
    response = client.get(action_url(case, "return"))
    html = response.content.decode()
    assert response.status_code == 403
    assert 'id="action-refused"' in html and "2026-03-10" in html and "第二十三条" in html
    assert 'id="action-form"' not in html
    before = snapshot(case)
    response = client.post(action_url(case, "return"), {"version": case.version, "note": "不属于本镇管辖。"})
    assert "已超过收到交办（转办）之日起5个工作日的退回期限" in response.content.decode()
    assert snapshot(case) == before


def test_other_refusals_stay_a_plain_403(client, cast, clock):
    case = assigned(cast)
    client.force_login(cast.other_township_handler)
    response = client.get(action_url(case, "return"))
    assert response.status_code in (403, 404) and 'id="action-refused"' not in response.content.decode()


def test_inbox_pending_tab_shows_the_return_deadline_with_one_query_per_page(client, cast, clock, swapped_week):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assigned(cast)
    client.force_login(cast.township_handler)
    url = reverse("petitions:inbox")
    client.get(url)  # the first request after login stamps the session
    with CaptureQueriesContext(connection) as one:
        html = client.get(url).content.decode()
    assert 'class="muted return-due"' in html and "2026-03-10" in html
    assigned(cast)
    assigned(cast)
    with CaptureQueriesContext(connection) as three:
        html = client.get(url).content.decode()
    assert html.count('class="muted return-due"') == 3
    assert len(three) == len(one)
    assert sum("petitions_calendarday" in q["sql"] for q in three) == 1
    clock.set(swapped_week + timedelta(days=1))
    assert 'class="muted return-due"' not in client.get(url).content.decode()


# --- calendar maintenance -----------------------------------------------------------------------

CALENDAR = "petitions:dictionary_calendar"


def test_calendar_service_needs_the_dictionary_right(cast):
    with pytest.raises(NotAllowed):
        rest(cast.triage, MON)
    assert not CalendarDay.objects.exists()


def test_save_upserts_and_audits(sysadmin):
    outcome = rest(sysadmin, WED, FRI)
    assert outcome.created == ["2026-03-04", "2026-03-05", "2026-03-06"]
    row = AuditLog.objects.get(action="calendar.save")
    assert row.actor == sysadmin and row.data["created"] == outcome.created and row.data["is_workday"] is False
    outcome = work(sysadmin, FRI, name="调休上班")
    assert outcome.created == [] and outcome.updated == {"2026-03-06": ["测试假期（休息）", "调休上班（上班）"]}
    assert CalendarDay.objects.get(date=FRI).is_workday
    assert AuditLog.objects.filter(action="calendar.save").count() == 2
    unchanged = work(sysadmin, FRI, name="调休上班")
    assert unchanged.unchanged == 1 and AuditLog.objects.filter(action="calendar.save").count() == 2
    calendar_day_delete(actor=sysadmin, day=CalendarDay.objects.get(date=FRI))
    row = AuditLog.objects.get(action="calendar.delete")
    assert row.data == {"date": "2026-03-06", "was": "调休上班（上班）"}
    assert is_workday(FRI) and not CalendarDay.objects.filter(date=FRI).exists()


def test_save_refuses_bad_ranges(sysadmin):
    with pytest.raises(ServiceError) as info:
        rest(sysadmin, FRI, WED)
    assert info.value.field == "end"
    with pytest.raises(ServiceError) as info:
        rest(sysadmin, MON, MON + timedelta(days=31))
    assert "31" in info.value.message
    with pytest.raises(ServiceError) as info:
        rest(sysadmin, MON, name="  ")
    assert info.value.field == "name"
    assert not CalendarDay.objects.exists() and not AuditLog.objects.filter(action__startswith="calendar.").exists()


def test_page_lists_the_year_and_is_linked_from_the_dictionaries(client, sysadmin):
    rest(sysadmin, WED, THU)
    work(sysadmin, SAT)
    client.force_login(sysadmin)
    assert reverse(CALENDAR) in client.get(reverse("petitions:dictionary_list")).content.decode()
    response = client.get(reverse(CALENDAR), {"year": 2026})
    html = response.content.decode()
    assert response.status_code == 200
    assert [day.date for day in response.context["days"]] == [WED, THU, SAT]
    assert 'data-date="2026-03-04"' in html and "测试调休" in html
    empty = client.get(reverse(CALENDAR), {"year": 2031}).content.decode()
    assert 'id="calendar-empty"' in empty
    edit = client.get(reverse(CALENDAR), {"edit": CalendarDay.objects.get(date=SAT).pk})
    assert edit.context["form"].initial["is_workday"] == "1"


def test_page_saves_a_block_and_shows_errors_next_to_the_fields(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(reverse("petitions:dictionary_calendar_save"), {
        "start": "2026-10-01", "end": "2026-10-07", "is_workday": "0", "name": "测试假期", "note": ""})
    assert response.status_code == 302 and response["Location"].endswith("?year=2026")
    assert CalendarDay.objects.filter(date__range=(d(10, 1), d(10, 7)), is_workday=False).count() == 7
    assert AuditLog.objects.get(action="calendar.save").actor == sysadmin
    response = client.post(reverse("petitions:dictionary_calendar_save"), {
        "start": "2026-10-07", "end": "2026-10-01", "is_workday": "0", "name": "测试假期"})
    assert response.status_code == 200
    assert response.context["form"].errors["end"] == ["结束日期不能早于开始日期。"]
    assert AuditLog.objects.filter(action="calendar.save").count() == 1


def test_page_imports_a_csv_all_or_nothing(client, sysadmin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(sysadmin)
    url = reverse("petitions:dictionary_calendar_import")
    bad = SimpleUploadedFile("2026.csv", "2026-10-01,0,测试假期\n2026-10-02,x,测试假期\n".encode())
    response = client.post(url, {"file": bad, "year": "2026"})
    assert response.status_code == 200
    assert "第2行" in response.context["import_form"].errors["file"][0]
    assert not CalendarDay.objects.exists()
    good = SimpleUploadedFile("2026.csv", "date,is_workday,name\n2026-10-01,0,测试假期\n2026-10-10,1,测试调休\n".encode())
    response = client.post(url, {"file": good, "year": "2026"})
    assert response.status_code == 302
    assert list(CalendarDay.objects.values_list("date", "is_workday")) == [(d(10, 1), False), (d(10, 10), True)]
    row = AuditLog.objects.get(action="calendar.import")
    assert row.actor == sysadmin and row.data["source"] == "2026.csv" and row.data["rows"] == 2


def test_delete_button(client, sysadmin):
    rest(sysadmin, WED)
    client.force_login(sysadmin)
    day = CalendarDay.objects.get()
    assert client.get(reverse("petitions:dictionary_calendar_delete", args=[day.pk])).status_code == 405
    response = client.post(reverse("petitions:dictionary_calendar_delete", args=[day.pk]))
    assert response.status_code == 302 and not CalendarDay.objects.exists()
    assert AuditLog.objects.get(action="calendar.delete").actor == sysadmin


@pytest.mark.parametrize("who", ["clerk", "triage", "township_handler", "auditor"])
def test_calendar_pages_are_for_dictionary_managers_only(client, request, sysadmin, who):
    rest(sysadmin, WED)
    day = CalendarDay.objects.get()
    user = request.getfixturevalue(who)  # before counting: the auditor fixture's enrolment is audited
    audit_rows = AuditLog.objects.count()
    client.force_login(user)
    assert client.get(reverse(CALENDAR)).status_code == 403
    assert client.post(reverse("petitions:dictionary_calendar_save"), {
        "start": "2026-10-01", "is_workday": "0", "name": "测试假期"}).status_code == 403
    assert client.post(reverse("petitions:dictionary_calendar_delete", args=[day.pk])).status_code == 403
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [WED]
    assert AuditLog.objects.count() == audit_rows


# --- manage.py load_holidays --------------------------------------------------------------------

def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "holidays.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_load_holidays_upserts(db, tmp_path, capsys):
    path = write(tmp_path, "# 测试数据\ndate,is_workday,name,note\n2026-10-01,0,测试假期,通知第六条\n"
                           "2026-10-02,0,测试假期\n\n2026-10-10,1,测试调休\n")
    call_command("load_holidays", str(path))
    assert "新增3天" in capsys.readouterr().out
    assert CalendarDay.objects.get(date=d(10, 1)).note == "通知第六条"
    row = AuditLog.objects.get(action="calendar.import")
    assert row.actor is None and row.actor_username == "manage.py load_holidays"
    assert row.data["created"] == ["2026-10-01", "2026-10-02", "2026-10-10"]
    path = write(tmp_path, "2026-10-02,是,测试调休\n2026-10-03,否,测试假期\n", encoding="gbk")
    call_command("load_holidays", str(path))
    assert "新增1天，修改1天" in capsys.readouterr().out
    assert CalendarDay.objects.count() == 4 and CalendarDay.objects.get(date=d(10, 2)).is_workday


def test_load_holidays_rejects_a_bad_line_and_imports_nothing(db, tmp_path):
    path = write(tmp_path, "2026-10-01,0,测试假期\n2026-10-02,0,测试假期\n2026-02-30,0,测试假期\n"
                           "2026-10-01,1,测试调休\n")
    with pytest.raises(CommandError) as info:
        call_command("load_holidays", str(path))
    message = str(info.value)
    assert "未导入任何数据" in message
    assert "第3行：日期“2026-02-30”无效" in message and "第4行：日期2026-10-01与第1行重复" in message
    assert not CalendarDay.objects.exists()
    assert not AuditLog.objects.filter(action="calendar.import").exists()


def test_load_holidays_names_the_administrator_and_checks_his_right(sysadmin, clerk, tmp_path):
    path = write(tmp_path, "2026-10-01,0,测试假期\n")
    with pytest.raises(CommandError) as info:
        call_command("load_holidays", str(path), user=clerk.username)
    assert "没有维护节假日安排的权限" in str(info.value) and not CalendarDay.objects.exists()
    call_command("load_holidays", str(path), user=sysadmin.username)
    assert AuditLog.objects.get(action="calendar.import").actor == sysadmin


def test_load_holidays_on_an_unreadable_file(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("load_holidays", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError) as info:
        call_command("load_holidays", str(write(tmp_path, "date,is_workday,name\n")))
    assert "没有节假日数据" in str(info.value)


def test_import_service_rolls_back_when_a_later_step_fails(sysadmin, monkeypatch):
    """One transaction: a failure after the rows are written (here the audit append) leaves
    no row behind."""
    import petitions.services.calendar as service

    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(service, "audit_record", broken)
    with pytest.raises(RuntimeError):
        calendar_import(actor=sysadmin, content="2026-10-01,0,测试假期\n2026-10-02,0,测试假期\n")
    assert not CalendarDay.objects.exists()

