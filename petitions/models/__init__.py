from petitions.models.calendar import CalendarDay
from petitions.models.case import Attachment, Case, CaseCounter, Channel, HandlingOpinion, IdType, Petitioner, Sex
from petitions.models.dictionary import DictEntry, DictKind
from petitions.models.exchange import ExchangeKey
from petitions.models.history import HistoryImport, HistoryImportState
from petitions.models.search import SavedSearch
from petitions.models.sms import SmsInbound, SmsInboundState
from petitions.models.workflow import (
    Assignment, AssignmentKind, AssignmentStatus, CaseEvent, CaseGroupObjectPermission, CaseUserObjectPermission,
    CaseView, Evaluation, EvaluationTarget,
    ExtensionRequest, ExtensionStatus, ReviewLevel, ReviewRequest, Satisfaction, Supervision,
)

__all__ = [
    "Assignment", "AssignmentKind", "AssignmentStatus", "Attachment", "CalendarDay", "Case", "CaseCounter", "CaseEvent",
    "CaseGroupObjectPermission", "CaseUserObjectPermission", "CaseView", "Channel", "DictEntry", "DictKind", "Evaluation", "EvaluationTarget", "ExchangeKey", "ExtensionRequest",
    "ExtensionStatus", "HandlingOpinion", "HistoryImport", "HistoryImportState", "IdType", "Petitioner", "ReviewLevel", "ReviewRequest", "Satisfaction", "SavedSearch",
    "Sex", "SmsInbound", "SmsInboundState", "Supervision",
]
