"""任务管理: a task's reminder time (提醒时间) puts it among the home page's reminders from then on,
and the tasks are seen by day with a date filter; wrong input is refused in Chinese, saving nothing."""
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import reminders
from accounts.exceptions import ServiceError
from accounts.models import Reminder, ReminderKind

pytestmark = pytest.mark.django_db


def add(client, **data):
    return client.post(reverse("accounts:reminders"), data)


def test_a_task_reminds_on_the_home_page_from_its_reminder_time(client, clerk):
    client.force_login(clerk)
    today = timezone.localdate()
    due = today + timedelta(days=20)  # far off: only the reminder brings it to the home page
    assert add(client, title="准备季度报表", due_date=due.isoformat(), remind_date=today.isoformat(),
               remind_time="00:00").status_code == 302
    add(client, title="年底总结", due_date=due.isoformat(), remind_date=(today + timedelta(days=2)).isoformat(),
        remind_time="10:30")
    soon = Reminder.objects.get(title="准备季度报表")
    assert timezone.localtime(soon.remind_at) == timezone.make_aware(datetime.combine(today, time(0, 0)))
    later = Reminder.objects.get(title="年底总结")
    assert timezone.localtime(later.remind_at).time() == time(10, 30)

    home = client.get(reverse("home")).content.decode()
    assert "准备季度报表" in home and "年底总结" not in home
    assert f"提醒 {today:%m-%d} 00:00" in home
    tasks = client.get(reverse("accounts:reminders")).content.decode()
    assert "已到提醒时间" in tasks and f"{today + timedelta(days=2):%Y-%m-%d} 10:30" in tasks

    # Two days on, the second one reminds too; once done, neither shows.
    tasks_then, _notices = reminders.home_items(clerk, today=today + timedelta(days=2),
                                                 now=later.remind_at + timedelta(minutes=1))
    assert {t.title for t in tasks_then} == {"准备季度报表", "年底总结"}
    client.post(reverse("accounts:task_done", args=[soon.pk]))
    assert "准备季度报表" not in client.get(reverse("home")).content.decode()


def test_a_reminder_date_alone_reminds_at_nine(client, clerk):
    client.force_login(clerk)
    day = timezone.localdate() + timedelta(days=1)
    add(client, title="回访", remind_date=day.isoformat())
    task = Reminder.objects.get(title="回访")
    assert timezone.localtime(task.remind_at) == timezone.make_aware(datetime.combine(day, time(9, 0)))
    response = client.get(reverse("accounts:task_edit", args=[task.pk]))
    assert response.context["form"].initial["remind_time"] == time(9, 0)


@pytest.mark.parametrize("data, field, message", [
    ({"remind_time": "09:00"}, "remind_date", "请填写提醒日期。"),
    ({"due_date": "2026-03-05", "remind_date": "2026-03-06"}, "remind_date", "提醒日期不能晚于完成期限。"),
    ({"remind_date": "2026-3-40"}, "remind_date", "日期格式不正确：请按“年-月-日”填写，例如 2026-03-05。"),
    ({"remind_date": "2026-03-05", "remind_time": "25:00"}, "remind_time", "时间格式不正确：请按“时:分”填写（24小时制），例如 09:30。"),
])
def test_wrong_reminders_are_refused_in_chinese_and_nothing_saved(client, clerk, data, field, message):
    client.force_login(clerk)
    response = add(client, title="核对台账", **data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not Reminder.objects.filter(user=clerk).exists()


def test_the_service_refuses_a_time_without_a_date(clerk):
    with pytest.raises(ServiceError) as refused:
        reminders.task_save(user=clerk, title="核对台账", remind_time=time(9, 0))
    assert refused.value.message_dict == {"remind_date": ["请填写提醒日期。"]}
    assert not Reminder.objects.exists()


def test_tasks_by_day_with_a_date_filter(client, clerk, triage):
    today = timezone.localdate()
    for title, offset in (("甲", 0), ("乙", 0), ("丙", 3), ("丁", 40), ("过期", -5)):
        reminders.task_save(user=clerk, title=title, due_date=today + timedelta(days=offset))
    reminders.task_save(user=clerk, title="无期限")
    done = reminders.task_save(user=clerk, title="已办", due_date=today + timedelta(days=3))
    reminders.task_set_done(user=clerk, task=done, done=True)
    reminders.task_save(user=triage, title="别人的任务", due_date=today)

    client.force_login(clerk)
    response = client.get(reverse("accounts:task_days"))
    assert response.status_code == 200
    days = [(day, [t.title for t in tasks]) for day, _weekday, tasks in response.context["days"]]
    assert days == [(today, ["甲", "乙"]), (today + timedelta(days=3), ["丙"])]  # 30 days from today, open only
    assert [t.title for t in response.context["undated"]] == ["无期限"]
    assert response.context["earlier"] == 1
    html = response.content.decode()
    assert "别人的任务" not in html and "今天" in html and "另有 1 项未完成任务" in html
    assert response.context["form"]["start"].value() == today.isoformat()

    response = client.get(reverse("accounts:task_days"), {"start": (today + timedelta(days=1)).isoformat(),
                                                          "end": (today + timedelta(days=45)).isoformat(),
                                                          "done": "on"})
    days = [(day, [t.title for t in tasks]) for day, _weekday, tasks in response.context["days"]]
    assert days == [(today + timedelta(days=3), ["丙", "已办"]), (today + timedelta(days=40), ["丁"])]


@pytest.mark.parametrize("query, message", [
    ({"start": "2026-03-10", "end": "2026-03-01"}, "截止日期不能早于起始日期。"),
    ({"start": "2026-01-01", "end": "2027-06-01"}, "日期范围不能超过一年。"),
    ({"start": "2026-13-01"}, "日期格式不正确：请按“年-月-日”填写，例如 2026-03-05。"),
])
def test_a_wrong_period_is_refused_in_chinese(client, clerk, query, message):
    client.force_login(clerk)
    response = client.get(reverse("accounts:task_days"), query)
    assert response.status_code == 200 and response.context["days"] == []
    assert message in response.content.decode()
