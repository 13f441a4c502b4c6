"""任务管理 and 提醒: personal tasks, the workflow's notifications, and that nobody reaches
another user's rows."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Reminder, ReminderKind

pytestmark = pytest.mark.django_db


def notice(user, title="请受理：533900-2026-000001", url="/cases/1/"):
    return Reminder.objects.create(user=user, title=title, url=url)


def test_add_edit_complete_and_delete_a_task(client, clerk):
    client.force_login(clerk)
    due = timezone.localdate() + timedelta(days=3)
    response = client.post(reverse("accounts:reminders"), {"title": "回访张三", "due_date": due.isoformat(),
                                                           "body": "电话回访处理结果"})
    assert response.status_code == 302
    task = Reminder.objects.get(user=clerk, kind=ReminderKind.TASK)
    assert task.title == "回访张三" and timezone.localdate(task.due_at) == due and not task.is_read
    page = client.get(reverse("accounts:reminders")).content.decode()
    assert "回访张三" in page and due.isoformat() in page
    home = client.get(reverse("home")).content.decode()
    assert "回访张三" in home  # due within a week: on the home page

    client.post(reverse("accounts:task_edit", args=[task.pk]), {"title": "回访张三（改）", "due_date": ""})
    task.refresh_from_db()
    assert task.title == "回访张三（改）" and task.due_at is None

    client.post(reverse("accounts:task_done", args=[task.pk]))
    task.refresh_from_db()
    assert task.is_read
    assert "回访张三（改）" not in client.get(reverse("home")).content.decode()
    client.post(reverse("accounts:task_done", args=[task.pk]), {"done": "0"})
    task.refresh_from_db()
    assert not task.is_read

    client.post(reverse("accounts:task_delete", args=[task.pk]))
    assert not Reminder.objects.filter(pk=task.pk).exists()


def test_an_empty_task_is_refused_in_chinese_and_nothing_saved(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("accounts:reminders"), {"title": "   ", "due_date": "2026-13-40"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "这个字段是必填项" in html or "请填写任务内容" in html
    assert not Reminder.objects.filter(user=clerk).exists()


def test_overdue_task_is_marked(client, clerk):
    client.force_login(clerk)
    past = timezone.localdate() - timedelta(days=2)
    client.post(reverse("accounts:reminders"), {"title": "整理卷宗", "due_date": past.isoformat()})
    html = client.get(reverse("accounts:reminders")).content.decode()
    assert 'class="overdue">已超期' in html
    assert 'class="overdue">已超期' in client.get(reverse("home")).content.decode()


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, clerk):
    n = notice(clerk)
    client.force_login(clerk)
    assert "请受理：533900-2026-000001" in client.get(reverse("home")).content.decode()
    response = client.get(reverse("accounts:notice_open", args=[n.pk]))
    assert response.status_code == 302 and response.url == "/cases/1/"
    n.refresh_from_db()
    assert n.is_read
    assert "请受理：533900-2026-000001" not in client.get(reverse("home")).content.decode()


def test_a_notice_link_never_leads_off_site(client, clerk):
    n = notice(clerk, url="https://evil.example.com/phish")
    client.force_login(clerk)
    response = client.get(reverse("accounts:notice_open", args=[n.pk]))
    assert response.url == reverse("accounts:reminders")


def test_mark_one_and_all_notices_read(client, clerk):
    first, second, third = notice(clerk, "一"), notice(clerk, "二"), notice(clerk, "三")
    client.force_login(clerk)
    client.post(reverse("accounts:notice_read", args=[first.pk]), {"next": reverse("home")})
    assert set(Reminder.objects.filter(is_read=True).values_list("pk", flat=True)) == {first.pk}
    client.post(reverse("accounts:notice_read_all"))
    assert Reminder.objects.filter(user=clerk, is_read=False).count() == 0
    assert {second.pk, third.pk} <= set(Reminder.objects.filter(is_read=True).values_list("pk", flat=True))


def test_another_users_tasks_and_notices_are_404(client, clerk, triage):
    theirs = notice(triage, "别人的提醒")
    task = Reminder.objects.create(user=triage, kind=ReminderKind.TASK, title="别人的任务")
    client.force_login(clerk)
    assert client.get(reverse("accounts:notice_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:notice_read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("accounts:task_edit", args=[task.pk])).status_code == 404
    assert client.post(reverse("accounts:task_done", args=[task.pk])).status_code == 404
    assert client.post(reverse("accounts:task_delete", args=[task.pk])).status_code == 404
    client.post(reverse("accounts:notice_read_all"))
    theirs.refresh_from_db()
    assert not theirs.is_read and Reminder.objects.filter(pk=task.pk).exists()
    page = client.get(reverse("accounts:reminders")).content.decode()
    assert "别人的提醒" not in page and "别人的任务" not in page


def test_a_notice_cannot_be_edited_as_a_task(client, clerk):
    n = notice(clerk)
    client.force_login(clerk)
    assert client.get(reverse("accounts:task_edit", args=[n.pk])).status_code == 404
    assert client.post(reverse("accounts:task_delete", args=[n.pk])).status_code == 404
    assert Reminder.objects.filter(pk=n.pk).exists()
