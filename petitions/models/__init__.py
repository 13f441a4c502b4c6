from petitions.models.calendar import CalendarDay
from petitions.models.case import (
    ROUTED_OUTCOMES, Attachment, Case, CaseCounter, CaseOutcome, Channel, HandlingOpinion, IdType, MatterClass, Petitioner,
    Procedure, Sex,
)
from petitions.models.dictionary import DictEntry, DictKind
from petitions.models.exchange import ExchangeKey
from petitions.models.history import HistoryImport, HistoryImportState
from petitions.models.instances import (
    ExchangeRef, HeldBack, InboundItem, InboundPackage, InboundState, ItemOutcome, OutboundPackage, PackageRefusal,
    PeerOutboxItem, Peer, PeerDirection, RefusalSide, SharedCase,
)
from petitions.models.procedures import (
    DutyShift, Hearing, Mediation, MediationKind, MediationOutcome, Recusal, RecusalKind, UrgentAlert,
)
from petitions.models.search import SavedSearch
from petitions.models.sms import SmsInbound, SmsInboundState
from petitions.models.workflow import (
    Assignment, AssignmentKind, AssignmentStatus, CaseEvent, CaseGroupObjectPermission, CaseUserObjectPermission,
    CaseView, Evaluation, EvaluationSource, EvaluationTarget,
    ExtensionRequest, ExtensionStatus, ReviewLevel, ReviewRequest, Satisfaction, Supervision, VoidRequest,
)

__all__ = [
    "Assignment", "AssignmentKind", "AssignmentStatus", "Attachment", "CalendarDay", "Case", "CaseCounter", "CaseEvent",
    "CaseGroupObjectPermission", "CaseUserObjectPermission", "CaseView", "Channel", "DictEntry", "DictKind", "Evaluation", "EvaluationSource", "EvaluationTarget", "ExchangeKey", "ExtensionRequest",
    "ExtensionStatus", "HandlingOpinion", "HistoryImport", "HistoryImportState", "IdType", "Petitioner", "ReviewLevel", "ReviewRequest", "Satisfaction", "SavedSearch",
    "Sex", "SmsInbound", "SmsInboundState", "Supervision",
    "CaseOutcome", "DutyShift", "Hearing", "MatterClass", "Mediation", "MediationKind", "MediationOutcome", "Procedure",
    "ROUTED_OUTCOMES", "Recusal", "RecusalKind", "UrgentAlert",
    "ExchangeRef", "InboundItem", "InboundPackage", "InboundState", "ItemOutcome", "OutboundPackage", "PeerOutboxItem",
    "Peer", "PeerDirection", "SharedCase", "HeldBack", "PackageRefusal", "RefusalSide",
]
