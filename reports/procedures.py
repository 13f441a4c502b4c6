"""Statistics of the procedures of docs/domain.md §3.5 (docs/reports.md §3.7–3.8), in SQL like
``reports.selectors``: the three classes, routing out, 调解和解, 听证 and 简易办理 per area of the
report population; 督办 with its written feedback, 重大紧急 matters and 回避 per area by the time
they happened.

Only counts leave this module. Every population starts from ``reports.selectors.scoped_cases``
(scope, source filter, the user's right to statistics), so a case is counted for the area that
registered it.
"""
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate

from petitions import clock
from petitions.models import (
    CaseOutcome, Hearing, MatterClass, Mediation, MediationOutcome, Procedure, Recusal, Supervision, UrgentAlert,
)
from petitions.workflow import Status

from reports.selectors import aggregate_by_area, count, scope_allowed, scoped_cases, statistics_cases

CLASS_KEYS = {MatterClass.SUGGESTION: "cl_suggestion", MatterClass.ACCUSATION: "cl_accusation",
              MatterClass.APPEAL: "cl_appeal"}
OUTCOME_KEYS = {CaseOutcome.LEGAL: "out_legal", CaseOutcome.DISCIPLINE: "out_discipline",
                CaseOutcome.GUIDED: "out_guided", CaseOutcome.SETTLED: "out_settled"}
# 简易办理 was applied (and may since have been converted to the ordinary procedure).
SIMPLE_APPLIED_Q = Q(procedure=Procedure.SIMPLE) | Q(simple_converted_at__isnull=False)


def class_procedure_counts(user, scope, *, today=None):
    """Per area, over the cases registered in the period (docs/reports.md §3.7): total; by class;
    routed out by outcome; settled by agreement; with a hearing; with a mediation; accepted;
    简易办理 applied, converted, due (still simple, and answered or past the 10 working days) and
    answered on time. Two statements: the cases (statistics index) and the hearing / mediation
    links."""
    today = today or clock.today()
    qs = statistics_cases(user, scope).annotate(_ans_day=TruncDate("answered_at"))
    still_simple = Q(procedure=Procedure.SIMPLE)
    simple_due = still_simple & (Q(answered_at__isnull=False) | Q(simple_due__lt=today))
    measures = {
        "total": count(),
        "cl_none": count(Q(matter_class="")),
        "accepted": count(Q(accepted_at__isnull=False)),
        "simple": count(SIMPLE_APPLIED_Q),
        "simple_converted": count(Q(simple_converted_at__isnull=False)),
        "sm_due": count(simple_due),
        "sm_ok": count(simple_due & Q(_ans_day__lte=F("simple_due"))),
    }
    for value, key in CLASS_KEYS.items():
        measures[key] = count(Q(matter_class=value))
    for value, key in OUTCOME_KEYS.items():
        measures[key] = count(Q(outcome=value))
    areas, values = aggregate_by_area(qs, scope, measures)
    linked = statistics_cases(user, scope).annotate(
        _hearing=Exists(Hearing.objects.filter(case_id=OuterRef("pk"))),
        _mediation=Exists(Mediation.objects.filter(case_id=OuterRef("pk"))),
        _agreed=Exists(Mediation.objects.filter(case_id=OuterRef("pk"), outcome=MediationOutcome.AGREED)),
    ).filter(Q(_hearing=True) | Q(_mediation=True))
    _areas, links = aggregate_by_area(linked, scope, {"hearing": count(Q(_hearing=True)),
                                                       "mediation": count(Q(_mediation=True)),
                                                       "mediation_agreed": count(Q(_agreed=True))})
    for key in values:
        values[key].update(links[key])
    return areas, values


def supervision_urgent_counts(user, scope, *, today=None):
    """Per area (docs/reports.md §3.8), by when things happened in the period:

    - 督办 issued in the period: issued; answered in writing on time (by the 督办 deadline); answered
      late; unanswered past the deadline; unanswered and still within it; escalated one level;
    - 重大紧急: cases flagged in the period; alerts sent in the period (each level counts); alerts
      acknowledged in time; alerts escalated;
    - 回避: recusals recorded in the period.
    Four statements (supervisions, flagged cases, alerts, recusals), each grouped by the
    registering organization of its case."""
    today = today or clock.today()
    p = scope.period
    cases = scoped_cases(user, scope)
    allowed = scope_allowed(user, scope.org)
    start, end = p.start_dt, p.end_dt

    supervisions = Supervision.objects.none()
    alerts = UrgentAlert.objects.none()
    recusals = Recusal.objects.none()
    if allowed:
        supervisions = Supervision.objects.filter(created_at__gte=start, created_at__lt=end,
                                                  case__in=cases).exclude(case__status=Status.VOIDED)
        alerts = UrgentAlert.objects.filter(created_at__gte=start, created_at__lt=end, case__in=cases)
        recusals = Recusal.objects.filter(created_at__gte=start, created_at__lt=end, case__in=cases)
    answered_day = TruncDate("feedback_at")
    supervisions = supervisions.annotate(_fb_day=answered_day)
    areas, values = aggregate_by_area(supervisions, scope, {
        "sv_issued": Count("pk"),
        "sv_on_time": Count("pk", filter=Q(feedback_at__isnull=False, _fb_day__lte=F("due"))),
        "sv_late": Count("pk", filter=Q(feedback_at__isnull=False, _fb_day__gt=F("due"))),
        "sv_overdue": Count("pk", filter=Q(feedback_at__isnull=True, due__lt=today)),
        "sv_waiting": Count("pk", filter=Q(feedback_at__isnull=True, due__gte=today)),
        "sv_escalated": Count("pk", filter=Q(escalated_at__isnull=False)),
    }, field="case__registered_org_id")
    _a, flagged = aggregate_by_area(cases.filter(is_urgent=True, urgent_at__gte=start, urgent_at__lt=end), scope,
                                    {"ur_cases": count()})
    _a, sent = aggregate_by_area(alerts, scope, {
        "ur_alerts": Count("pk"),
        "ur_ack_on_time": Count("pk", filter=Q(acknowledged_at__isnull=False,
                                                acknowledged_at__lte=F("ack_due_at"))),
        "ur_ack_late": Count("pk", filter=Q(acknowledged_at__isnull=False, acknowledged_at__gt=F("ack_due_at"))),
        "ur_escalated": Count("pk", filter=Q(escalated_at__isnull=False)),
    }, field="case__registered_org_id")
    _a, withdrawn = aggregate_by_area(recusals, scope, {"recusals": Count("pk")}, field="case__registered_org_id")
    for key in values:
        values[key].update(flagged[key])
        values[key].update(sent[key])
        values[key].update(withdrawn[key])
    return areas, values
