"""The overdue scan over the statutory deadlines (computed in ``petitions.domain.deadlines``).

Time comes from ``petitions.clock`` so tests can fix it. ``deadlines_scan`` (``manage.py
scan_deadlines``) records each overdue deadline once per case and deadline as a ``CaseEvent``
and reminds the responsible users; it is idempotent and safe to run from cron every few
minutes, also concurrently (row lock + unique reminder keys).
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from petitions import clock
from petitions.domain.deadlines import DUE_SOON_DAYS, REVIEW_REQUEST_DAYS
from petitions.exceptions import ConcurrentModification, TransitionNotAllowed
from petitions.domain.deadlines import SIMPLE_RUNNING
from petitions.models import Assignment, AssignmentStatus, Case, CaseEvent, Procedure, ReviewRequest, Supervision
from petitions.selectors.orgs import level_of
from petitions.workflow import HANDLE, INSTRUCT, OPEN_STATUSES, SUPERVISE, TRIAGE, Status
from petitions.services.events import case_event_record
from accounts.reminders import reminders_create
from accounts.selectors import users_acting_for
from petitions.services import urgent
from petitions.services.notify import DEADLINE, SUPERVISION_OVERDUE, case_target, case_url, without_recused

DEADLINE_LABELS = {
    "routing": gettext_lazy("分流受理期限"),
    "instruction": gettext_lazy("领导批示期限"),
    "acceptance": gettext_lazy("受理期限"),
    "handling": gettext_lazy("办理期限"),
    "review": gettext_lazy("复查期限"),
    "recheck": gettext_lazy("复核期限"),
    "supervision": gettext_lazy("督办期限"),
    "simple": gettext_lazy("简易办理期限"),
}


@dataclass
class ScanResult:
    events: int = 0
    reminders: int = 0
    archived: int = 0
    feedback_escalated: int = 0
    alerts_escalated: int = 0

    def __str__(self):
        return (f"overdue events: {self.events}, reminders: {self.reminders}, archived: {self.archived}, "
                f"supervision feedback escalated: {self.feedback_escalated}, "
                f"urgent alerts escalated: {self.alerts_escalated}")


def _overdue_items(today):
    """Yield (case_id, kind, due, org_ids_to_tell, perms, extra_user_ids) for every overdue deadline."""
    for case in Case.objects.filter(status=Status.PENDING, acceptance_due__lt=today).select_related(
            "holder_org", "registered_org").only("id", "acceptance_due", "holder_org", "registered_org"):
        yield case.pk, "routing", case.acceptance_due, [case.holder_org or case.registered_org], (TRIAGE,), ()
    for case in Case.objects.filter(status=Status.AWAITING_INSTRUCTION, current_due__lt=today).only(
            "id", "current_due", "reported_leader_id"):
        yield case.pk, "instruction", case.current_due, [], (INSTRUCT,), (case.reported_leader_id,)
    live = Assignment.objects.filter(case__status__in=OPEN_STATUSES).select_related("org", "assigned_by_org")
    for a in live.filter(status=AssignmentStatus.PENDING, acceptance_due__lt=today):
        yield a.case_id, f"acceptance:{a.pk}", a.acceptance_due, [a.org], (HANDLE, TRIAGE), ()
    # While a hearing is pending the handling and 复核 clocks stand still (条例第三十六条第二款).
    running = live.filter(case__paused_since__isnull=True)
    for a in running.filter(status=AssignmentStatus.ACCEPTED, handling_due__lt=today):
        yield a.case_id, f"handling:{a.pk}", a.handling_due, [a.org, a.assigned_by_org], (HANDLE, TRIAGE), ()
    for r in ReviewRequest.objects.filter(decided_at__isnull=True, due__lt=today,
                                          case__paused_since__isnull=True).select_related("org"):
        yield r.case_id, f"{r.level}:{r.pk}", r.due, [r.org], (TRIAGE,), ()
    # 简易办理: 10 working days from acceptance; the holding bureau and the units handling it are told.
    for case in Case.objects.filter(procedure=Procedure.SIMPLE, simple_due__lt=today,
                                    status__in=SIMPLE_RUNNING).select_related("holder_org", "registered_org"):
        orgs = [case.holder_org or case.registered_org] + [a.org for a in Assignment.objects.filter(
            case=case, status=AssignmentStatus.ACCEPTED).select_related("org")]
        yield case.pk, "simple", case.simple_due, orgs, (HANDLE, TRIAGE), ()
    for s in Supervision.objects.filter(resolved_at__isnull=True, due__lt=today,
                                        case__status__in=OPEN_STATUSES).select_related("ordered_by_org"):
        orgs = [a.org for a in Assignment.objects.filter(
            case_id=s.case_id, status__in=(AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)).select_related("org")]
        yield s.case_id, f"supervision:{s.pk}", s.due, orgs, (HANDLE,), (s.ordered_by_id,)


def _due_soon_items(today):
    """Yield the same shape for deadlines within the next 3 days (reminders only, no events)."""
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    live = Assignment.objects.filter(case__status__in=OPEN_STATUSES).select_related("org")
    for a in live.filter(status=AssignmentStatus.PENDING, acceptance_due__range=(today, horizon)):
        yield a.case_id, f"acceptance:{a.pk}", a.acceptance_due, [a.org], (HANDLE, TRIAGE), ()
    for a in live.filter(status=AssignmentStatus.ACCEPTED, handling_due__range=(today, horizon),
                         case__paused_since__isnull=True):
        yield a.case_id, f"handling:{a.pk}", a.handling_due, [a.org], (HANDLE,), ()
    for case in Case.objects.filter(procedure=Procedure.SIMPLE, simple_due__range=(today, horizon),
                                    status__in=SIMPLE_RUNNING).select_related("holder_org", "registered_org"):
        orgs = [case.holder_org or case.registered_org] + [a.org for a in Assignment.objects.filter(
            case=case, status=AssignmentStatus.ACCEPTED).select_related("org")]
        yield case.pk, "simple", case.simple_due, orgs, (HANDLE, TRIAGE), ()
    # A 督办 deadline binds like the statutory one when it is earlier: it is reminded the same way.
    for s in Supervision.objects.filter(resolved_at__isnull=True, due__range=(today, horizon),
                                        case__status__in=OPEN_STATUSES):
        orgs = [a.org for a in Assignment.objects.filter(
            case_id=s.case_id, status__in=(AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)).select_related("org")]
        yield s.case_id, f"supervision:{s.pk}", s.due, orgs, (HANDLE,), ()


def _kind_name(kind):
    return kind.split(":", 1)[0]


def deadlines_scan(*, today=None, stdout=None):
    """Record overdue deadlines and remind the responsible users. Idempotent.

    For every overdue deadline (bureau routing, leader instruction, an organization's
    acceptance or handling deadline, a 复查/复核 decision, a 督办 deadline) it appends one
    ``overdue`` CaseEvent (system actor, with its audit row) the first time it is found, and
    reminds the users acting for the responsible organizations once (``Reminder.dedup_key``).
    Deadlines due within 3 days get a reminder only. Closed cases whose 复查/复核 window has
    passed are archived (``cases_archive_due``). Returns a ``ScanResult``.
    """
    today = today or clock.today()
    result = ScanResult()
    result.archived = cases_archive_due(today=today)
    result.feedback_escalated = supervision_feedback_escalate(today=today)
    result.alerts_escalated = urgent.alerts_escalate(now=clock.now())
    for case_id, kind, due, orgs, perms, extra_users in list(_overdue_items(today)):
        with transaction.atomic():
            # The case row lock serialises concurrent scans: the second one finds the event.
            case = Case.objects.select_for_update().filter(pk=case_id).first()
            if case is None:
                continue
            name = DEADLINE_LABELS[_kind_name(kind)]
            exists = CaseEvent.objects.filter(case=case, action="overdue", deadline=due,
                                              data__deadline=kind).exists()
            if not exists:
                case_event_record(case=case, action="overdue", actor=None, from_status=case.status,
                                  to_status=case.status, deadline=due, data={"deadline": kind},
                                  note=_("%(name)s已于%(due)s届满。") % {"name": name, "due": due.isoformat()},
                                  summary=f"{case.number} overdue {kind}")
                result.events += 1
        user_ids = without_recused(case, list(users_acting_for(orgs, perms).values_list("pk", flat=True))
                                   + [u for u in extra_users if u])
        result.reminders += reminders_create(
            user_ids=user_ids, title=_("【已超期】%(number)s %(name)s（%(due)s）") % {
                "number": case.number, "name": name, "due": due.isoformat()},
            url=case_url(case), topic=DEADLINE, target=case_target(case),
            dedup_key=f"overdue:{case.pk}:{kind}:{due.isoformat()}")
    for case_id, kind, due, orgs, perms, extra_users in list(_due_soon_items(today)):
        case = Case.objects.only("id", "number").get(pk=case_id)
        name = DEADLINE_LABELS[_kind_name(kind)]
        user_ids = without_recused(case, list(users_acting_for(orgs, perms).values_list("pk", flat=True))
                                   + [u for u in extra_users if u])
        result.reminders += reminders_create(
            user_ids=user_ids, title=_("【即将到期】%(number)s %(name)s（%(due)s）") % {
                "number": case.number, "name": name, "due": due.isoformat()},
            url=case_url(case), topic=DEADLINE, target=case_target(case),
            dedup_key=f"duesoon:{case.pk}:{kind}:{due.isoformat()}")
    return result


def cases_archive_due(*, today):
    """Archive (归档) every 已办结 case whose petitioner can no longer ask for 复查/复核 (the
    30 days of 条例第三十五、三十六条 have passed, or none is left): through ``case_transition``
    as the system, one transaction per case, each with its ``archive`` event (data
    ``automatic``) and audit row. Idempotent: an archived case is no longer a candidate, and a
    case another run archived first is skipped. Returns how many were archived."""
    from petitions.services.transitions import case_transition

    cutoff = today - timedelta(days=REVIEW_REQUEST_DAYS)
    candidates = Case.objects.filter(status=Status.CLOSED).filter(
        Q(answered_at__isnull=True) | Q(answered_at__date__lt=cutoff)).values_list("pk", flat=True)
    archived = 0
    for pk in list(candidates):
        case = Case.objects.get(pk=pk)
        try:
            case_transition(case=case, action="archive", actor=None, system=True)
        except (TransitionNotAllowed, ConcurrentModification):
            continue  # a review window still open (a later 复查 decision), or archived meanwhile
        archived += 1
    return archived


def supervision_feedback_escalate(*, today):
    """督办 orders without their written feedback after the 督办 deadline (条例第四十条第四款): once
    each (``Supervision.escalated_at``), the order is flagged in the trail (``supervision_escalated``,
    system actor), the supervisor who issued it is told, and it goes one level up: the supervisors
    and leaders of the government above the supervisor's (``escalated_to``; none at the top, where
    only the supervisor is told). Idempotent and safe concurrently (row locks). Returns the count."""
    now = clock.now()
    count = 0
    late = Supervision.objects.filter(feedback_at__isnull=True, escalated_at__isnull=True, due__lt=today).exclude(
        case__status=Status.VOIDED)
    for pk in list(late.values_list("pk", flat=True)):
        with transaction.atomic():
            order = (Supervision.objects.select_for_update().select_related("ordered_by_org", "case")
                     .filter(pk=pk, feedback_at__isnull=True, escalated_at__isnull=True).first())
            if order is None:
                continue
            case = Case.objects.select_for_update().get(pk=order.case_id)
            level = level_of(order.ordered_by_org)
            upper = level_of(level.parent) if level is not None and level.parent_id else None
            order.escalated_at, order.escalated_to = now, upper
            order.save(update_fields=["escalated_at", "escalated_to"])
            note = _("督办反馈期限%(due)s已过，被督办单位未书面反馈。") % {"due": order.due.isoformat()}
            if upper is not None:
                note += _("已报%(org)s。") % {"org": upper.name}
            case_event_record(case=case, action="supervision_escalated", actor=None, from_status=case.status,
                              to_status=case.status, target_org=upper, deadline=order.due, note=note,
                              data={"supervision": order.pk}, summary=f"{case.number} supervision {order.pk} escalated")
            user_ids = [order.ordered_by_id]
            if upper is not None:
                user_ids += list(users_acting_for([upper], (SUPERVISE, INSTRUCT)).values_list("pk", flat=True))
            title = _("【督办反馈逾期】%(number)s（期限 %(due)s）") % {"number": case.number, "due": order.due.isoformat()}
            reminders_create(user_ids=without_recused(case, user_ids), title=title, url=case_url(case),
                             topic=SUPERVISION_OVERDUE, target=case_target(case),
                             dedup_key=f"feedback_overdue:{order.pk}")
            count += 1
    return count
