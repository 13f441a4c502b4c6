"""States of a case. The transition table is added by the workflow (see docs/workflow.md)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("待分流")
    AWAITING_INSTRUCTION = "awaiting_instruction", _("待批示")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("待受理")
    IN_PROGRESS = "in_progress", _("办理中")
    RESULT_REPORTED = "result_reported", _("待审核")
    ANSWERED = "answered", _("已答复")
    REVIEWING = "reviewing", _("复查中")
    RECHECKING = "rechecking", _("复核中")
    CLOSED = "closed", _("已办结")
    ARCHIVED = "archived", _("已归档")
    REJECTED = "rejected", _("不予受理")
    NOT_REACCEPTED = "not_reaccepted", _("不再受理")


OPEN_STATUSES = frozenset({
    Status.PENDING, Status.AWAITING_INSTRUCTION, Status.AWAITING_ACCEPTANCE, Status.IN_PROGRESS,
    Status.RESULT_REPORTED, Status.REVIEWING, Status.RECHECKING,
})
FINISHED_STATUSES = frozenset({Status.CLOSED, Status.ARCHIVED, Status.REJECTED, Status.NOT_REACCEPTED})
