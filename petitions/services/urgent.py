"""重大、紧急 matters (条例第二十五条): alerts to the duty leaders, acknowledgment, escalation, and
the duty roster (值班表) that decides who is alerted.

A case flagged urgent (at registration, when the visit meets the proposal rule of
``petitions.domain.procedures.urgent_reasons`` or the clerk says so, or later by 标记重大紧急)
alerts **this level and the level above** at once: one ``UrgentAlert`` per level, addressed to the
people on duty there at that moment (``DutyShift``), or to all the level's leaders when nobody is
on the roster. The alert reaches them in the application immediately and by SMS and e-mail
through the gateways (``accounts.reminders.reminders_create`` → ``accounts.gateway``). One of them
acknowledges (签收, the ``acknowledge_alert`` transition) within ``URGENT_ACK_MINUTES``; otherwise
``alerts_escalate`` (a step of ``manage.py scan_deadlines``) alerts the next level up, once.

Levels are governments (州, 县/市, 乡/镇): the level of a case is the government its holding bureau
serves; a shift or a user belongs to a level when he acts for it (its own units and its bureau,
``accounts.selectors.users_acting_for``).
"""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from accounts.audit import audit_record
from accounts.exceptions import NotAllowed, ServiceError
from accounts.models import User
from accounts.reminders import reminders_create
from accounts.selectors import users_acting_for
from petitions import clock
from petitions.models import Case, DutyShift, UrgentAlert
from petitions.selectors.duty import case_levels, level_orgs, on_duty, roster_candidates, roster_levels
from petitions.selectors.orgs import level_of
from petitions.services.events import case_event_record
from petitions.services.notify import URGENT_ALERT, case_target, case_url, without_recused
from petitions.workflow import INSTRUCT

MAX_SHIFT_DAYS = 31


def alert_level(*, case, level, now, escalated_from=None):
    """Create the alert of ``case`` for ``level`` (inside the caller's transaction): its recipients
    are the people on duty now, or every leader of the level when the roster is empty; a
    confidential case is granted to them. The reminders (and their SMS and e-mail) follow after
    commit. Returns the ``UrgentAlert``."""
    users = list(on_duty(level, now))
    without_roster = not users
    if without_roster:
        users = list(users_acting_for([level], (INSTRUCT,)))
    ids = without_recused(case, [u.pk for u in users])
    alert = UrgentAlert.objects.create(
        case=case, org=level, without_roster=without_roster, created_at=now,
        ack_due_at=now + timedelta(minutes=settings.URGENT_ACK_MINUTES), escalated_from=escalated_from)
    alert.recipients.set(ids)
    if case.is_confidential and ids:
        # Confidential cases are seen only through grants: the duty leaders get one each.
        assign_perm("petitions.view_case", list(User.objects.filter(pk__in=ids)), case)
    title = _("【重大紧急】%(number)s，请于%(due)s前签收") % {
        "number": case.number, "due": timezone.localtime(alert.ack_due_at).strftime("%H:%M")}
    url, target = case_url(case), case_target(case)
    transaction.on_commit(lambda: reminders_create(user_ids=ids, title=title, url=url, topic=URGENT_ALERT,
                                                   target=target, dedup_key=f"urgent:{alert.pk}"))
    return alert


def alerts_open(*, case, now):
    """Alert this level and the level above about ``case`` (just flagged urgent); returns the
    alerts, for the trail."""
    return [alert_level(case=case, level=level, now=now) for level in case_levels(case)]


def alerts_summary(alerts):
    """What the trail entry says about the alerts sent."""
    return [{"org": a.org.name, "recipients": a.recipients.count(), "without_roster": a.without_roster,
             "ack_due": timezone.localtime(a.ack_due_at).isoformat(timespec="minutes")} for a in alerts]


def alerts_escalate(*, now=None):
    """Escalate every unacknowledged alert past its acknowledgment time to the next level up, once
    (``escalated_at``); the trail records it (``urgent_escalated``, system actor). Idempotent and
    safe concurrently (row locks). Returns the number of alerts escalated."""
    now = now or clock.now()
    escalated = 0
    due = UrgentAlert.objects.filter(acknowledged_at__isnull=True, escalated_at__isnull=True, ack_due_at__lt=now)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            alert = (UrgentAlert.objects.select_for_update().select_related("org", "case")
                     .filter(pk=pk, acknowledged_at__isnull=True, escalated_at__isnull=True).first())
            if alert is None:
                continue
            case = Case.objects.select_for_update(of=("self",)).select_related("holder_org", "registered_org").get(
                pk=alert.case_id)
            upper = level_of(alert.org.parent) if alert.org.parent_id else None
            alert.escalated_at = now
            alert.save(update_fields=["escalated_at"])
            new = alert_level(case=case, level=upper, now=now, escalated_from=alert) if upper else None
            note = (_("%(org)s未在%(due)s前签收紧急报告，已报%(upper)s值班领导。") if upper else
                    _("%(org)s未在%(due)s前签收紧急报告（已是最高层级）。")) % {
                "org": alert.org.name, "due": timezone.localtime(alert.ack_due_at).strftime("%Y-%m-%d %H:%M"),
                "upper": upper.name if upper else ""}
            case_event_record(case=case, action="urgent_escalated", actor=None, from_status=case.status,
                              to_status=case.status, target_org=upper, note=note,
                              data={"alert": alert.pk, "escalated_to": new.pk if new else None},
                              summary=f"{case.number} urgent alert {alert.pk} escalated")
            escalated += 1
    return escalated


# --- the duty roster (值班表) ----------------------------------------------------------------------

def duty_shift_save(*, actor, user, starts_at, ends_at, note="", request=None):
    """Put ``user`` on duty for the actor's level from ``starts_at`` to ``ends_at`` (aware
    datetimes). Refused (``NotAllowed``) unless the actor keeps that roster; ``ServiceError`` on a
    person outside the level or without a duty role, an empty or reversed period, or one longer
    than 31 days. Audited ``duty.shift_add``."""
    levels = roster_levels(actor)
    if not levels:
        raise NotAllowed(_("您没有维护值班表的权限。"))
    level = levels[0]
    if user is None or not roster_candidates(level).filter(pk=user.pk).exists():
        raise ServiceError(_("值班人员须为本级的领导、分流员或督查员。"), field="user")
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise ServiceError(_("结束时间须晚于开始时间。"), field="ends_at")
    if ends_at - starts_at > timedelta(days=MAX_SHIFT_DAYS):
        raise ServiceError(_("一次值班安排不能超过%(n)d天。") % {"n": MAX_SHIFT_DAYS}, field="ends_at")
    note = (note or "").strip()[:100]
    with transaction.atomic():
        shift = DutyShift.objects.create(org=user.organization, user=user, starts_at=starts_at, ends_at=ends_at,
                                         note=note, created_by=actor)
        audit_record(actor=actor, action="duty.shift_add", target=shift, request=request,
                     data={"level": level.code, "user": user.username,
                           "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return shift


def duty_shift_delete(*, actor, shift, request=None):
    """Remove a shift of the actor's level (audited ``duty.shift_delete``); one that has begun stays
    (it decided who was alerted)."""
    levels = roster_levels(actor)
    if not levels or not level_orgs(levels[0]).filter(pk=shift.org_id).exists():
        raise NotAllowed(_("您没有维护值班表的权限。"))
    if shift.starts_at <= clock.now():
        raise ServiceError(_("已开始的值班安排不能删除（它决定了当时的紧急报告发给谁）。"))
    with transaction.atomic():
        audit_record(actor=actor, action="duty.shift_delete", target=shift, request=request,
                     data={"user": shift.user.username, "starts_at": shift.starts_at.isoformat()})
        shift.delete()

