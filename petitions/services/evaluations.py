"""满意度评价: the petitioner's evaluation of an answered case, for the bureau and the handling unit."""
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from petitions import clock
from petitions.domain.deadlines import EVALUATION_DAYS, evaluation_window_end
from petitions.exceptions import NotAllowed, ServiceError, TransitionNotAllowed
from petitions.models import Case, Evaluation, EvaluationSource, EvaluationTarget, Satisfaction
from petitions.permissions import can_record_evaluation
from petitions.selectors.evaluations import EVALUABLE_STATUSES, evaluation_targets
from petitions.services.events import case_event_record, cases_changed

MAX_COMMENT = 500


def case_evaluate(*, case, ratings, actor, comment="", request=None, source=EvaluationSource.PORTAL,
                  called_at=None, callee=""):
    """Record the petitioner's evaluation (满意/基本满意/不满意) of an answered case.

    ``ratings`` maps an ``EvaluationTarget`` to a ``Satisfaction``; at least one. Allowed while
    the case is 已答复 or 已办结 and within ``EVALUATION_DAYS`` of the answer (the 条例 sets no
    deadline: docs/domain.md §11), once per target (UNIQUE(case, target) is the backstop).
    ``source`` says how it came: the portal, or recorded by staff (``case_evaluation_record``).

    Writes, in one transaction with the case row locked: one ``Evaluation`` per target
    (evaluated now), one ``evaluate`` CaseEvent (state unchanged, data: the ratings) and its
    audit row, by ``actor`` (the portal account of the registering organization, or the staff
    member recording it). The case row
    itself is not changed (a staff form open on it stays valid).

    Raises ``TransitionNotAllowed`` (not answered, already evaluated) or ``ServiceError``
    (nothing chosen, unknown target or value); nothing is written.
    """
    ratings = {t: v for t, v in (ratings or {}).items() if v}
    if not ratings:
        raise ServiceError(_("请至少选择一项评价。"), code="evaluation_empty")
    for target, value in ratings.items():
        if target not in EvaluationTarget.values or value not in Satisfaction.values:
            raise ServiceError(_("评价选项无效。"), code="evaluation_invalid")
    comment = (comment or "").strip()[:MAX_COMMENT]
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update(of=("self",)).select_related("registered_org").get(pk=case.pk)
            if locked.status not in EVALUABLE_STATUSES:
                raise TransitionNotAllowed(_("该信访件尚未答复，暂不能评价。"), code="evaluation_not_answered")
            end = evaluation_window_end(locked)
            if end is not None and clock.today() > end:
                raise TransitionNotAllowed(_("评价期限已于%(end)s届满（答复之日起%(days)d日内）。") % {
                    "end": end.isoformat(), "days": EVALUATION_DAYS}, code="evaluation_window_closed")
            allowed = evaluation_targets(locked)
            done = set(Evaluation.objects.filter(case=locked).values_list("target", flat=True))
            for target in ratings:
                if target not in allowed:
                    raise ServiceError(_("评价选项无效。"), code="evaluation_invalid")
                if target in done:
                    raise TransitionNotAllowed(_("已对%(target)s作出评价，每项只能评价一次。") % {
                        "target": EvaluationTarget(target).label}, code="evaluation_repeated")
            now = clock.now()
            recorded = source == EvaluationSource.RECORDED
            rows = [Evaluation.objects.create(case=locked, target=target, value=value, comment=comment,
                                              evaluated_at=now, source=source,
                                              recorded_by=actor if recorded else None,
                                              called_at=called_at if recorded else None,
                                              callee=callee if recorded else "")
                    for target, value in sorted(ratings.items())]
            data = {"ratings": {row.target: row.value for row in rows}, "source": source}
            if recorded:
                data.update({"called_at": called_at.isoformat(), "callee": callee})
            case_event_record(
                case=locked, action="evaluate", actor=actor,
                from_status=locked.status, to_status=locked.status, note=comment, request=request, data=data,
            )
            cases_changed([locked.pk])
    except IntegrityError:
        # Two posts at once: the row lock makes this unreachable, the unique index backs it up.
        raise TransitionNotAllowed(_("该信访件已评价，每项只能评价一次。"), code="evaluation_repeated")
    return rows


def case_evaluation_record(*, case, actor, ratings, called_at, callee, comment="", request=None):
    """代录: a staff member records the petitioner's evaluation from a 回访 call, for people who do
    not use the portal. ``called_at`` (not in the future) and ``callee`` (who answered the call)
    are kept with the evaluation and in the trail. Allowed to the holding bureau's triage officers
    and clerks (``permissions.can_record_evaluation``); otherwise as ``case_evaluate``."""
    if not can_record_evaluation(actor, case):
        raise NotAllowed(_("只有持有该件的信访工作机构的工作人员可以代录评价。"))
    callee = (callee or "").strip()[:50]
    if not callee:
        raise ServiceError(_("请填写回访对象（接听电话的人）。"), field="callee", code="callee_required")
    if called_at is None or called_at > clock.now():
        raise ServiceError(_("请填写回访时间，且不能晚于现在。"), field="called_at", code="called_at_invalid")
    return case_evaluate(case=case, ratings=ratings, actor=actor, comment=comment, request=request,
                         source=EvaluationSource.RECORDED, called_at=called_at, callee=callee)
