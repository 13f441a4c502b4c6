"""任务管理 and 提醒: the user's own tasks and the notifications the workflow sends him.

Everything here acts on the requesting user's own rows only: another user's reminder is a 404,
whatever its id. Personal tasks are private notes, not case actions, so they are not written
to the audit log (docs/architecture.md §8).
"""
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.exceptions import ServiceError
from accounts import gateway, hooks
from accounts.models import Reminder, ReminderKind, User

TASK_SOON_DAYS = 7
DEFAULT_REMIND_TIME = time(9, 0)  # a reminder date without a time: the start of the office day
WEEKDAYS = (_lazy("星期一"), _lazy("星期二"), _lazy("星期三"), _lazy("星期四"), _lazy("星期五"), _lazy("星期六"),
            _lazy("星期日"))


def reminders_of(user):
    return Reminder.objects.filter(user=user)


def reminder_get_own(user, pk):
    try:
        return reminders_of(user).get(pk=pk)
    except (Reminder.DoesNotExist, ValueError, TypeError):
        raise Http404


def task_get_own(user, pk):
    """The user's own task ``pk``; 404 for a notice or another user's row."""
    return _own_task(user, reminder_get_own(user, pk))


def _own_task(user, task):
    if task.user_id != user.pk or task.kind != ReminderKind.TASK:
        raise Http404
    return task


def open_tasks(user):
    """Tasks not done: those with a due date first, soonest first."""
    return (reminders_of(user).filter(kind=ReminderKind.TASK, is_read=False)
            .order_by(F("due_at").asc(nulls_last=True), "-created_at"))


def done_tasks(user):
    return reminders_of(user).filter(kind=ReminderKind.TASK, is_read=True).order_by("-created_at")


def notices(user):
    return reminders_of(user).filter(kind=ReminderKind.NOTICE).order_by("is_read", "-created_at")


def task_rows(tasks, today, now=None):
    """Attach ``due_day`` (local date), ``overdue`` and ``reminding`` (its reminder time has come)
    to each task of an evaluated list."""
    now = now or timezone.now()
    for t in tasks:
        t.due_day = timezone.localdate(t.due_at) if t.due_at else None
        t.overdue = t.due_day is not None and t.due_day < today and not t.is_read
        t.reminding = t.remind_at is not None and t.remind_at <= now and not t.is_read
    return tasks


def tasks_by_day(user, *, start, end, include_done=False):
    """任务管理 按日期查看: the user's tasks whose deadline falls on ``start`` … ``end`` (local
    days), as ``[(day, weekday label, [tasks])]`` for the days that have any, in order; open tasks
    only unless ``include_done``. Also returns the tasks without a deadline and the number of open
    tasks due before ``start``."""
    qs = reminders_of(user).filter(kind=ReminderKind.TASK)
    if not include_done:
        qs = qs.filter(is_read=False)
    today = timezone.localdate()
    rows = task_rows(list(qs.filter(due_at__gte=_start_of(start), due_at__lt=_end_of(end))
                          .order_by("due_at", "remind_at", "created_at")), today)
    days = []
    for task in rows:
        if not days or days[-1][0] != task.due_day:
            days.append((task.due_day, WEEKDAYS[task.due_day.weekday()], []))
        days[-1][2].append(task)
    undated = task_rows(list(qs.filter(due_at__isnull=True).order_by("-created_at")[:100]), today)
    earlier = open_tasks(user).filter(due_at__lt=_start_of(start)).count()
    return days, undated, earlier


def notice_rows(notices):
    """Attach ``kind_label`` and ``actionable`` to each notice of an evaluated list: an actionable
    notice (``accounts.hooks``) goes away when its work is done, so the page offers no
    "标为已读" for it, only the link to the work."""
    for notice in notices:
        kind = hooks.notification_kind(notice.topic) if notice.topic else None
        notice.kind_label = kind.label if kind else ""
        notice.actionable = bool(kind and kind.actionable)
    return notices


def home_items(user, *, today, now=None):
    """The home page's 我的提醒: unread notices, and open tasks due within a week or overdue or
    whose reminder time (提醒时间) has come (read when the page loads: no background job)."""
    now = now or timezone.now()
    soon = _end_of(today + timedelta(days=TASK_SOON_DAYS))
    tasks = task_rows(list(open_tasks(user).filter(Q(due_at__lt=soon) | Q(remind_at__lte=now))[:10]), today, now)
    unread = notice_rows(list(notices(user).filter(is_read=False)[:10]))
    return tasks, unread


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _end_of(day):
    return _start_of(day + timedelta(days=1))


def _due(day):
    # A task is due at the end of its day (Asia/Shanghai): 23:59:59 is still in time.
    return None if day is None else _end_of(day) - timedelta(microseconds=1)


def task_save(*, user, title, due_date=None, body="", task=None, remind_date=None, remind_time=None):
    """Add or change one of the user's own tasks. ``remind_date`` / ``remind_time`` (提醒时间, local;
    09:00 when only the date is given) put it among the home page's reminders from then on. A time
    without a date, or a reminder after the deadline's day, is a ServiceError on the field and
    nothing is saved."""
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("请填写任务内容。"), field="title")
    if task is not None:
        _own_task(user, task)
    if remind_time is not None and remind_date is None:
        raise ServiceError(_("请填写提醒日期。"), field="remind_date", code="remind_date_missing")
    remind_at = None
    if remind_date is not None:
        remind_at = timezone.make_aware(datetime.combine(remind_date, remind_time or DEFAULT_REMIND_TIME))
        if due_date is not None and remind_date > due_date:
            raise ServiceError(_("提醒日期不能晚于完成期限。"), field="remind_date", code="remind_after_due")
    with transaction.atomic():
        if task is None:
            task = Reminder(user=user, kind=ReminderKind.TASK)
        task.title, task.body, task.due_at = title[:200], (body or "").strip(), _due(due_date)
        task.remind_at = remind_at
        task.save()
    return task


def task_set_done(*, user, task, done):
    _own_task(user, task)
    Reminder.objects.filter(pk=task.pk).update(is_read=bool(done))


def task_delete(*, user, task):
    _own_task(user, task)
    task.delete()


def notice_mark_read(*, user, notice=None):
    """One notice, or all of the user's unread notices; returns how many were marked."""
    qs = notices(user).filter(is_read=False)
    if notice is not None:
        if notice.user_id != user.pk:
            raise Http404
        qs = qs.filter(pk=notice.pk)
    return qs.update(is_read=True)


def safe_target(reminder, request):
    """Where opening a notice leads: its link if it stays on this site, else the task list."""
    url = reminder.url or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


# --- notifications sent by the apps --------------------------------------------------------------

def reminders_create(*, user_ids, title, body="", url="", due_at=None, dedup_key="", topic="", target=""):
    """Insert one reminder per user; with ``dedup_key`` a user gets it at most once ever.

    ``topic`` (a registered notification kind) and ``target`` ("case:123") say what the notice
    is about, so that ``reminders_clear`` can close it when the work is done. Returns the number
    of reminders actually created; e-mail/SMS copies follow after commit where configured."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    title = str(title)[:200]
    if not dedup_key:
        Reminder.objects.bulk_create([
            Reminder(user_id=uid, title=title, body=str(body), url=url, due_at=due_at, topic=topic, target=target)
            for uid in user_ids
        ])
        _deliver(user_ids, title, url)
        return len(user_ids)
    dedup_key = dedup_key[:120]
    existing = set(Reminder.objects.filter(user_id__in=user_ids, dedup_key=dedup_key)
                   .values_list("user_id", flat=True))
    created = []
    for uid in user_ids:
        if uid in existing:
            continue
        try:
            # A concurrent run may insert the same key first; the partial unique index decides.
            with transaction.atomic():
                Reminder.objects.create(user_id=uid, title=title, body=str(body), url=url, due_at=due_at,
                                        dedup_key=dedup_key, topic=topic, target=target)
            created.append(uid)
        except IntegrityError:
            continue
    _deliver(created, title, url)
    return len(created)


def _deliver(user_ids, title, url):
    """E-mail / SMS beside the in-app reminder (accounts/gateway.py), once the rows exist."""
    if not user_ids or not gateway.enabled():
        return
    users = list(User.objects.filter(pk__in=user_ids).only("id", "email", "phone", "is_active"))
    transaction.on_commit(lambda: gateway.deliver(users, title=title, url=url))


def reminders_clear(*, target, topics, user_ids=None):
    """Mark the unread notices about ``target`` of the given ``topics`` as read (the work they
    asked for is done), for everyone or only ``user_ids``; return how many were cleared."""
    qs = Reminder.objects.filter(target=target, topic__in=list(topics), is_read=False, kind=ReminderKind.NOTICE)
    if user_ids is not None:
        qs = qs.filter(user_id__in=list(user_ids))
    return qs.update(is_read=True)
