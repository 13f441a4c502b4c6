"""What a petitioner may still evaluate on a case (满意度评价, docs/domain.md §6)."""
from petitions.domain import assignment_tree as tree
from petitions.models import EvaluationTarget
from petitions.workflow import EVALUABLE_STATUSES  # noqa: F401 (re-exported for the services)


def evaluation_targets(case):
    """What the petitioner may evaluate on ``case``: the petition bureau always, the handling
    unit (责任单位) when an organization handled the matter (an approved assignment)."""
    targets = [EvaluationTarget.BUREAU]
    if tree.handling_leaf(list(case.assignments.all())) is not None:
        targets.append(EvaluationTarget.UNIT)
    return targets


def open_evaluation_targets_of(case, done):
    """The targets still open for evaluation on ``case`` (answered or closed), given the
    targets already evaluated (``done``)."""
    if case.status not in EVALUABLE_STATUSES:
        return []
    return [t for t in evaluation_targets(case) if t not in done]
