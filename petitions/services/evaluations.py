"""满意度评价: the petitioner's evaluation of an answered case, for the bureau and the handling unit."""
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from petitions import clock
from petitions.exceptions import ServiceError, TransitionNotAllowed
from petitions.models import Case, Evaluation, EvaluationTarget, Satisfaction
from petitions.selectors.evaluations import EVALUABLE_STATUSES, evaluation_targets
from petitions.services.events import case_event_record

MAX_COMMENT = 500


def case_evaluate(*, case, ratings, actor, comment="", request=None):
    """Record the petitioner's evaluation (满意/基本满意/不满意) of an answered case.

    ``ratings`` maps an ``EvaluationTarget`` to a ``Satisfaction``; at least one. Allowed while
    the case is 已答复 or 已办结 (the 条例 sets no evaluation deadline:
    docs/domain.md §11, open question 1), once per target (UNIQUE(case, target) is the backstop).

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
            allowed = evaluation_targets(locked)
            done = set(Evaluation.objects.filter(case=locked).values_list("target", flat=True))
            for target in ratings:
                if target not in allowed:
                    raise ServiceError(_("评价选项无效。"), code="evaluation_invalid")
                if target in done:
                    raise TransitionNotAllowed(_("已对%(target)s作出评价，每项只能评价一次。") % {
                        "target": EvaluationTarget(target).label}, code="evaluation_repeated")
            now = clock.now()
            rows = [Evaluation.objects.create(case=locked, target=target, value=value, comment=comment,
                                              evaluated_at=now)
                    for target, value in sorted(ratings.items())]
            case_event_record(
                case=locked, action="evaluate", actor=actor,
                from_status=locked.status, to_status=locked.status, note=comment, request=request,
                data={"ratings": {row.target: row.value for row in rows}},
            )
    except IntegrityError:
        # Two posts at once: the row lock makes this unreachable, the unique index backs it up.
        raise TransitionNotAllowed(_("该信访件已评价，每项只能评价一次。"), code="evaluation_repeated")
    return rows
