"""更正登记: a registration corrected after the fact, never silently and never by deleting.

The fields a clerk typed can be corrected while the case is still in the office's hands (any
state but 已归档 and 已作废), by the holding bureau's triage officers or, while the case is still
in the pool, by the clerk who registered it. The corrected values go through the same checks as a
registration (``registration_validate``: the ID number by GB 11643, sex and age against it, the
phone, dictionaries, dates), and the trail keeps every field's value before and after; for the
identity number, phone and address the trail keeps their encrypted tokens (the personal data stays
encrypted at rest), shown masked. Routing decisions (保密, 被检举单位, 重访) are not corrected here.
"""
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.exceptions import NotAllowed, ServiceError
from petitions import clock
from petitions.permissions import CLOSED_FOR_CORRECTION, can_correct
from petitions.exceptions import ConcurrentModification, TransitionNotAllowed
from petitions.lib import fieldcrypt
from petitions.models import Case, Petitioner
from petitions.services.events import case_event_record, cases_changed
from petitions.services.intake import registration_validate

CORRECTABLE_CASE_FIELDS = (
    "petition_date", "purpose", "content", "summary", "problem", "problem_region", "responsible_org",
    "responsible_outside", "responsible_unit", "responsible_person", "visit_nature", "visitor_count", "visit_level", "letter_nature", "signer_count",
    "received_at", "attachment_kind", "registration_source", "referral_number", "referrer_name", "referrer_title",
    "referrer_org",
)
KEPT_CASE_FIELDS = ("is_repeat", "first_case", "is_confidential", "accused_org", "is_skip_level")
CORRECTABLE_PERSON_FIELDS = ("name", "sex", "age", "id_type", "id_number", "ethnicity", "education", "political",
                             "address", "workplace", "phone")
ENCRYPTED = {"id_number": fieldcrypt.encrypt, "phone": fieldcrypt.encrypt, "address": fieldcrypt.seal}


def _value(value):
    """A JSON-able form of a field value for the trail."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)  # a model instance by its name, a date in ISO form


def _trail(field, value):
    encrypt = ENCRYPTED.get(field)
    return encrypt(value) if encrypt and value else _value(value)


def case_correct(*, case, actor, data, petitioners, reason, version=None, request=None):
    """Correct the registration of ``case``; return the case.

    ``data`` holds ``CORRECTABLE_CASE_FIELDS``, ``petitioners`` one dict per existing person in
    position order (a person can be corrected, not removed). Raises ``NotAllowed``,
    ``TransitionNotAllowed`` (archived or voided), ``ConcurrentModification`` or ``ServiceError``
    (the registration's own messages, keyed like the entry form's, or nothing changed). Writes the
    case and its petitioners, one ``correct`` event with {field: [before, after]} and its audit row.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if version not in (None, "") and str(version) != str(locked.version):
            raise ConcurrentModification()
        if locked.status in CLOSED_FOR_CORRECTION:
            raise TransitionNotAllowed(_("该信访件已%(status)s，不能更正登记。") % {
                "status": locked.get_status_display()})
        if not can_correct(actor, locked):
            raise NotAllowed(_("只有持有该件的信访工作机构的分流员（或分流前的登记人）可以更正登记。"))
        if not reason:
            raise ServiceError(_("请填写更正原因。"), field="reason", code="reason_required")
        people = list(Petitioner.objects.filter(case=locked).order_by("position"))
        if len(petitioners) < len(people):
            raise ServiceError(_("更正时不能删除信访人；如登记有误请作废后重新登记。"), field="petitioners",
                               code="person_removed")
        merged = {name: getattr(locked, name) for name in KEPT_CASE_FIELDS}
        merged.update({name: data.get(name) for name in CORRECTABLE_CASE_FIELDS if name in data})
        cleaned, persons = registration_validate(
            actor=actor, channel=locked.channel, data=merged, petitioners=petitioners, answer_face_to_face=None,
            today=clock.today())
        changes = {}
        for name in CORRECTABLE_CASE_FIELDS:
            if name in data and getattr(locked, name) != cleaned.get(name):
                changes[name] = [_value(getattr(locked, name)), _value(cleaned.get(name))]
                setattr(locked, name, cleaned.get(name))
        for i, person in enumerate(persons, start=1):
            row = people[i - 1] if i <= len(people) else Petitioner(case=locked, position=i)
            for name in CORRECTABLE_PERSON_FIELDS:
                old, new = getattr(row, name, None), person.get(name)
                if (old or None) != (new or None):
                    changes[f"petitioners.{i}.{name}"] = [_trail(name, old), _trail(name, new)]
                    setattr(row, name, new if new is not None else ("" if name != "age" else None))
            row.save()
        if not changes:
            raise ServiceError(_("没有需要更正的内容。"), code="nothing_changed")
        locked.version += 1
        locked.save()
        case_event_record(case=locked, action="correct", actor=actor, from_status=locked.status,
                          to_status=locked.status, note=reason, request=request, data={"changes": changes})
        cases_changed([locked.pk])
    case.version = locked.version
    return locked
