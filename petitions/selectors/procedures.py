"""What the case page and the action pages show of the procedures of docs/domain.md §3.5: the class,
the procedure and its 简易办理 deadline, hearings with the deadlines before and after the pause,
mediations, recusals, the 督办 feedback and the urgent alerts (read only, one query each)."""
from dataclasses import dataclass, field

from petitions import clock
from petitions.domain.deadlines import due_info, local_date
from petitions.domain.procedures import SIMPLE_BASIS_LABELS
from petitions.models import Attachment, CaseEvent, CaseOutcome, MatterClass, Mediation, Procedure
from petitions.selectors import workdays
from petitions.selectors.case_records import CaseRecords
from petitions.workflow import OPEN_STATUSES


@dataclass
class ProcedurePanel:
    matter_class: str = ""
    outcome: str = ""
    procedure: str = ""
    simple: bool = False
    simple_basis: str = ""
    simple_due: object = None
    simple_converted_at: object = None
    paused_since: object = None
    hearings: list = field(default_factory=list)
    mediations: list = field(default_factory=list)
    recusals: list = field(default_factory=list)
    alerts: list = field(default_factory=list)


def procedure_panel(case, today=None, records=None):
    """The procedures block of the case page. ``records``: the page's ``CaseRecords`` (hearings,
    recusals and alerts are read by the permission rules too)."""
    today = today or clock.today()
    records = records if records is not None else CaseRecords(case)
    running = case.status in OPEN_STATUSES
    mediations = list(Mediation.objects.filter(case=case).select_related("org", "recorded_by"))
    if mediations:
        events = dict(CaseEvent.objects.filter(case=case, action="record_mediation").values_list("pk", "data"))
        by_mediation = {(data or {}).get("mediation"): pk for pk, data in events.items()}
        files = {}
        for attachment in Attachment.objects.filter(case=case, event_id__in=list(events)).order_by("id"):
            files.setdefault(attachment.event_id, []).append(attachment)
        for m in mediations:
            m.files = files.get(by_mediation.get(m.pk), [])
    return ProcedurePanel(
        matter_class=MatterClass(case.matter_class).label if case.matter_class else "",
        outcome=CaseOutcome(case.outcome).label if case.outcome else "",
        procedure=Procedure(case.procedure).label,
        simple=case.procedure == Procedure.SIMPLE,
        simple_basis=SIMPLE_BASIS_LABELS.get(case.simple_basis, ""),
        simple_due=due_info(case.simple_due if running and case.procedure == Procedure.SIMPLE else None, today)
        if case.simple_due else None,
        simple_converted_at=case.simple_converted_at,
        paused_since=case.paused_since,
        hearings=records.hearings,
        mediations=mediations,
        recusals=records.recusals,
        alerts=records.alerts,
    )


def simple_preview(case, today=None):
    """The 简易办理 deadline 简易办理 would set now (the action page shows it before the click)."""
    today = today or clock.today()
    accepted = local_date(case.accepted_at) if case.accepted_at else today
    return {"accepted_on": accepted, "due": workdays.simple_due(accepted)}


def procedure_context(facts, action):
    """Extra facts an action page shows for the procedures' actions (empty for the others)."""
    if action == "apply_simple":
        return {"simple": simple_preview(facts.case)}
    if action == "record_hearing":
        return {"hearing": facts.open_hearing}
    if action == "acknowledge_alert":
        return {"alerts": facts.open_alerts}
    return {}
