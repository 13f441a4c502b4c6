from .calendar import CalendarDay
from .case import Attachment, Case, CaseCounter, Channel, HandlingOpinion, IdType, Petitioner, Sex
from .dictionary import DictEntry, DictKind
from .exchange import ExchangeKey
from .portal import PortalAttempt, PortalAttemptKind
from .workflow import (
    Assignment, AssignmentKind, AssignmentStatus, CaseEvent, CaseGroupObjectPermission, CaseUserObjectPermission,
    CaseView, Evaluation, EvaluationTarget,
    ExtensionRequest, ExtensionStatus, ReviewLevel, ReviewRequest, Satisfaction, Supervision,
)

__all__ = [
    "Assignment", "AssignmentKind", "AssignmentStatus", "Attachment", "CalendarDay", "Case", "CaseCounter", "CaseEvent",
    "CaseGroupObjectPermission", "CaseUserObjectPermission", "CaseView", "Channel", "DictEntry", "DictKind", "Evaluation", "EvaluationTarget", "ExchangeKey", "ExtensionRequest",
    "ExtensionStatus", "HandlingOpinion", "IdType", "Petitioner", "PortalAttempt", "PortalAttemptKind", "ReviewLevel", "ReviewRequest", "Satisfaction",
    "Sex", "Supervision",
]
