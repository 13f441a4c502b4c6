"""领导包案: a leader takes personal charge of a matter (recorded, on the case page, counted)."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.exceptions import NotAllowed, ServiceError
from accounts.reminders import reminders_create
from petitions import clock
from petitions.models import Case
from petitions.services.events import case_event_record
from petitions.workflow import Status

from cockpit.selectors.states import VOIDED
from cockpit.models import LeaderCharge
from cockpit.selectors.charges import can_charge, leader_choices

CHARGE_TOPIC = "cockpit.leader_charge"
NOT_CHARGEABLE = (VOIDED, Status.ARCHIVED)


@transaction.atomic
def charge_assign(*, actor, case, leader, note="", since=None, request=None):
    """Record that ``leader`` takes charge of ``case`` (领导包案). The actor is a leader who can see
    the case; the leader in charge one of his jurisdiction (himself included) who can see it too."""
    if not can_charge(actor, case):
        raise NotAllowed(_("只有能查看该件的领导可以确定包案领导。"))
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked.status in NOT_CHARGEABLE:
        raise ServiceError(_("已作废或已归档的信访件不能包案。"), code="not_chargeable")
    if not leader_choices(actor).filter(pk=leader.pk).exists() or not can_charge(leader, locked):
        raise ServiceError(_("所选人员不是本辖区能查看该件的领导。"), code="leader_invalid", field="leader")
    current = LeaderCharge.objects.filter(case=locked, ended_at=None).select_related("leader").first()
    if current is not None:
        raise ServiceError(_("该件已由%(name)s包案，请先解除。") % {"name": current.leader.display_name},
                           code="already_charged")
    now = clock.now()
    charge = LeaderCharge.objects.create(case=locked, leader=leader, since=since or timezone.localdate(now),
                                         note=note.strip(), assigned_by=actor, created_at=now)
    case_event_record(case=locked, action="leader_charge", actor=actor, target_user=leader, note=note.strip(),
                      request=request, data={"charge": charge.pk})
    if leader.pk != actor.pk:
        url = locked.get_absolute_url()
        transaction.on_commit(lambda: reminders_create(
            user_ids=[leader.pk], title=_("领导包案：%(number)s") % {"number": locked.number}, url=url,
            topic=CHARGE_TOPIC, target=f"case:{locked.pk}", dedup_key=f"cockpit.charge:{charge.pk}"))
    return charge


@transaction.atomic
def charge_end(*, actor, charge, note="", request=None):
    """End an open 包案 (the matter is settled, or another leader takes over)."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=charge.case_id)
    if not can_charge(actor, case):
        raise NotAllowed(_("只有能查看该件的领导可以解除包案。"))
    charge = LeaderCharge.objects.select_for_update().get(pk=charge.pk)
    if charge.ended_at is not None:
        raise ServiceError(_("该包案已经解除。"), code="already_ended")
    charge.ended_at = clock.now()
    charge.ended_by = actor
    charge.end_note = note.strip()
    charge.save(update_fields=["ended_at", "ended_by", "end_note"])
    case_event_record(case=case, action="leader_charge_end", actor=actor, target_user=charge.leader,
                      note=note.strip(), request=request, data={"charge": charge.pk})
    return charge
