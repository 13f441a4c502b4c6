"""The trail: one immutable CaseEvent per action, linked to its row of the audit chain."""
from accounts import hooks
from accounts.audit import audit_record

from petitions import clock

from petitions.models import CaseEvent
from petitions.services import instance_outbox


def case_event_record(*, case, action, actor, from_status="", to_status="", note="", target_org=None,
                      target_user=None, deadline=None, data=None, request=None, summary=""):
    """Append a CaseEvent and its audit row inside the caller's transaction.

    Called only from ``petitions.services``. No personal data goes into the audit row (the
    audit summary names the case number and the action only)."""
    data = data or {}
    audit = audit_record(
        action=f"case.{action}", actor=actor, target=case, request=request,
        summary=summary or f"{case.number} {action}",
        data={"from": from_status, "to": to_status,
              "target_org": getattr(target_org, "code", None),
              "target_user": getattr(target_user, "username", None),
              "deadline": deadline.isoformat() if deadline else None},
    )
    event = CaseEvent.objects.create(
        case=case, action=action, from_status=from_status, to_status=to_status, actor=actor,
        actor_org=getattr(actor, "organization", None), target_org=target_org, target_user=target_user,
        note=note, deadline=deadline, data=data, audit=audit, created_at=clock.now(),
    )
    # Other instances sharing the case get the entry (docs/architecture.md §6.2); a step that belongs
    # to another instance is refused here, before anything else reacts to it.
    instance_outbox.outbox_on_event(event)
    for hook in hooks.get_hooks(hooks.CASE_EVENT):  # e.g. the petitioner's texts (documents/sms.py)
        hook(event)
    return event


def cases_changed(case_ids):
    """Tell the apps that keep figures derived from cases (``accounts.hooks.CASES_CHANGED``: the statistics
    aggregates) that the rows of ``case_ids`` are final for this transaction.

    Every writer of cases calls it inside its transaction, after its last write to them and after its
    audit row (locks are then always taken in the order case row, audit chain head, aggregate cells).
    Without it the statistics would not see the change."""
    ids = [pk for pk in case_ids if pk is not None]
    if ids:
        for hook in hooks.get_hooks(hooks.CASES_CHANGED):
            hook(ids)
