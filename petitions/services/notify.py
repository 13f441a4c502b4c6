"""Notifications of workflow steps and deadlines, through ``accounts.reminders.reminders_create``.

Who is told is decided by organization and role permission: the users *acting for* an
organization are its own users and, for a territorial unit (县, 乡), the users of its petition
bureau. Reminders of a transition are created with ``transaction.on_commit`` so that a rolled
back step never tells anyone anything.
"""
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.reminders import reminders_create



# Kinds of workflow notice (``Reminder.topic``), registered with ``accounts.hooks`` by
# petitions/hooks.py. Actionable ones ask for work and are cleared when it is done.
INSTRUCTION_REQUESTED = "petitions.instruction_requested"
INSTRUCTED = "petitions.instructed"
ASSIGNED = "petitions.assigned"
RETURNED = "petitions.returned"
EXTENSION_REQUESTED = "petitions.extension_requested"
EXTENSION_DECIDED = "petitions.extension_decided"
RESULT_REPORTED = "petitions.result_reported"
RESULT_APPROVED = "petitions.result_approved"
SENT_BACK = "petitions.sent_back"
REVIEW_REQUESTED = "petitions.review_requested"
SUPERVISED = "petitions.supervised"
DEADLINE = "petitions.deadline"
VOID_REQUESTED = "petitions.void_requested"
VOID_DECIDED = "petitions.void_decided"
RECUSED = "petitions.recused"
SUPERVISION_ANSWERED = "petitions.supervision_answered"
SUPERVISION_OVERDUE = "petitions.supervision_overdue"
URGENT_ALERT = "petitions.urgent_alert"
HEARING = "petitions.hearing"
ROUTED = "petitions.routed"
TOPICS = {
    INSTRUCTION_REQUESTED: (_("请批示"), True),
    INSTRUCTED: (_("领导已批示"), False),
    ASSIGNED: (_("新交办件"), True),
    RETURNED: (_("退回"), False),
    EXTENSION_REQUESTED: (_("延期申请待审批"), True),
    EXTENSION_DECIDED: (_("延期审批结果"), False),
    RESULT_REPORTED: (_("办理结果待审核"), True),
    RESULT_APPROVED: (_("办理结果已审核"), False),
    SENT_BACK: (_("退回重办"), True),
    REVIEW_REQUESTED: (_("复查复核申请"), True),
    SUPERVISED: (_("督办"), True),
    DEADLINE: (_("期限提醒"), False),
    VOID_REQUESTED: (_("作废申请待审批"), True),
    VOID_DECIDED: (_("作废审批结果"), False),
    RECUSED: (_("回避"), False),
    SUPERVISION_ANSWERED: (_("督办已反馈"), False),
    SUPERVISION_OVERDUE: (_("督办反馈逾期"), False),
    URGENT_ALERT: (_("重大紧急事项报告"), True),
    HEARING: (_("听证"), False),
    ROUTED: (_("转送"), False),
}


def case_target(case):
    return f"case:{case.pk}"


def case_url(case):
    try:
        return reverse("petitions:detail", args=[case.pk])
    except NoReverseMatch:  # detail page not wired (trimmed deployment)
        return ""


def without_recused(case, user_ids):
    """``user_ids`` less the users who have withdrawn from ``case`` (回避): nobody tells them about it."""
    from petitions.models import Recusal

    user_ids = [u if isinstance(u, int) else u.pk for u in user_ids]
    if case is None or not user_ids:
        return user_ids
    recused = set(Recusal.objects.filter(case_id=case.pk, user_id__in=user_ids).values_list("user_id", flat=True))
    return [u for u in user_ids if u not in recused]


def notify_on_commit(*, users, title, topic, body="", case=None, dedup_key="", include_recused=False):
    """Queue reminders of kind ``topic`` for ``users`` (a queryset or iterable of users/ids)
    about ``case`` after commit; never to a user who has withdrawn from the case (unless
    ``include_recused``: the notice of his own recusal)."""
    ids = [u if isinstance(u, int) else u.pk for u in users]
    if not include_recused:
        ids = without_recused(case, ids)
    if not ids:
        return
    url = case_url(case) if case is not None else ""
    target = case_target(case) if case is not None else ""
    transaction.on_commit(lambda: reminders_create(user_ids=ids, title=title, body=body, url=url,
                                                   dedup_key=dedup_key, topic=topic, target=target))
