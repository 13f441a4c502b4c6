"""更正登记: the registration form again, filled with what was registered; the service checks and records."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.exceptions import NotAllowed, ServiceError
from accounts.forms import form_add_service_error
from petitions.forms.intake import INTAKE_FORMS, PERSON_PREFIX, PetitionerFormSet, share_person_choices
from petitions.models import Channel
from petitions.selectors import case_get_visible
from petitions.services.corrections import (
    CORRECTABLE_CASE_FIELDS, CORRECTABLE_PERSON_FIELDS, can_correct, case_correct,
)
from petitions import clock

ROUTING_FIELDS = ("is_repeat", "first_case", "is_confidential", "accused_org", "files", "answer_text")


def _kind(case):
    return {Channel.VISIT: "visit", Channel.REFERRAL: "referral"}.get(case.channel, "letter")


def _initial(case):
    initial = {name: getattr(case, f"{name}_id", None) or getattr(case, name, None)
               for name in CORRECTABLE_CASE_FIELDS if hasattr(case, name)}
    initial["channel"] = case.channel
    people = [{name: getattr(p, f"{name}_id", None) or getattr(p, name) for name in CORRECTABLE_PERSON_FIELDS}
              for p in case.petitioners.order_by("position")]
    return initial, people


def correct(request, pk):
    case = case_get_visible(request.user, pk)
    if not can_correct(request.user, case):
        raise PermissionDenied(_("您不能更正该信访件的登记。"))
    kind = _kind(case)
    initial, people = _initial(case)
    post = request.POST if request.method == "POST" else None
    form = INTAKE_FORMS[kind](post, initial=initial, user=request.user)
    for name in ROUTING_FIELDS:
        form.fields.pop(name, None)
    formset = PetitionerFormSet(post, prefix=PERSON_PREFIX, initial=people, form_kwargs={"today": clock.today()})
    reason, reason_errors = (post or {}).get("reason", ""), []
    if post is not None and form.is_valid() and formset.is_valid():
        data = {k: v for k, v in form.case_data().items() if k in CORRECTABLE_CASE_FIELDS}
        persons = [{k: v for k, v in f.person_data().items() if k in CORRECTABLE_PERSON_FIELDS}
                   for f in formset.forms if f.has_changed() or f.initial]
        try:
            case_correct(case=case, actor=request.user, data=data, petitioners=persons, reason=reason,
                         version=post.get("version"), request=request)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message)
        except ServiceError as exc:
            if exc.field == "reason":
                reason_errors = exc.messages
            else:
                form_add_service_error(form, exc, formsets={PERSON_PREFIX: formset})
        else:
            messages.success(request, _("已更正登记：%(number)s") % {"number": case.number})
            return redirect(case)
    return render(request, "petitions/correct_form.html", {
        "case": case, "form": form, "formset": share_person_choices(formset), "kind": kind,
        "head_fields": [form[name] for name in form.head_fields if name in form.fields],
        "common_fields": [form[name] for name in form.common_fields if name in form.fields],
        "reason": reason, "reason_errors": reason_errors, "page_title": _("更正登记"),
    })
