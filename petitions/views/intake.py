"""Entry forms (来访登记, 来信登记, 上级交办) and the possible-earlier-cases lookup.

HTTP in, ``register_case`` call, HTTP out: the rules are in ``petitions.services.intake``.
"""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exceptions import ServiceError
from accounts.forms import form_add_service_error
from petitions.forms.intake import (
    INTAKE_FORMS, PERSON_PREFIX, intake_forms_valid, petitioner_formset, share_person_choices, similar_query,
    similar_region,
)
from petitions.services.intake import register_case
from petitions.selectors.similarity import similar_cases
from petitions.templatetags.case_tags import BADGE_CLASSES

REGISTER = "petitions.register_case"


def _similar_for(user, data):
    return similar_cases(user, region=similar_region(data), **similar_query(data))


def _register(request, kind):
    form_class = INTAKE_FORMS[kind]
    similar = []
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, user=request.user)
        formset = petitioner_formset(request.user, request.POST)
        if intake_forms_valid(form, formset):
            try:
                case = register_case(
                    actor=request.user, channel=form.channel_value(), data=form.case_data(),
                    petitioners=[p.person_data() for p in formset.persons], files=form.cleaned_data["files"],
                    submit_token=form.cleaned_data["submit_token"],
                    answer_face_to_face=form.cleaned_data["answer_text"] if form.wants_answer else None,
                    request=request,
                )
            except ServiceError as exc:
                form_add_service_error(form, exc, formsets={PERSON_PREFIX: formset})
            else:
                if case.replayed:
                    messages.info(request, _("该登记已保存过（重复提交），未重复登记：信访件编号 %(number)s。")
                                  % {"number": case.number})
                elif form.wants_answer:
                    messages.success(request, _("已当面答复并办结：信访件编号 %(number)s，查询码 %(code)s。")
                                     % {"number": case.number, "code": case.query_code})
                else:
                    messages.success(request, _("已登记并进入分流池：信访件编号 %(number)s，查询码 %(code)s。")
                                     % {"number": case.number, "code": case.query_code})
                return redirect(case)
        similar = _similar_for(request.user, request.POST)
    else:
        form = form_class(user=request.user)
        formset = petitioner_formset(request.user)
    return render(request, "petitions/register_form.html", {
        "form": form, "formset": share_person_choices(formset), "kind": kind, "similar": similar, "page_title": form.title,
        "head_fields": [form[name] for name in form.head_fields],
        "common_fields": [form[name] for name in form.common_fields],
        "detail_fields": [form[name] for name in form.detail_fields],
        "skip_level": form.skip_level_data(),
    })


@permission_required(REGISTER, raise_exception=True)
def register_visit(request):
    return _register(request, "visit")


@permission_required(REGISTER, raise_exception=True)
def register_letter(request):
    return _register(request, "letter")


@permission_required(REGISTER, raise_exception=True)
def register_referral(request):
    return _register(request, "referral")


@require_POST
@permission_required(REGISTER, raise_exception=True)
def similar(request):
    """JSON list of possible earlier cases for what is typed on an entry form.

    POST (with the CSRF token) rather than GET so that ID numbers, names and phones never
    appear in URLs, server logs or browser history (docs/architecture.md §9). Field names are those of
    the entry form (``petitioners-0-id_number``, ``content``, ``problem_region`` …)."""
    hits = _similar_for(request.user, request.POST)
    return JsonResponse({"results": [dict(hit.as_json(), badge=BADGE_CLASSES.get(hit.case.status, ""))
                                     for hit in hits]})
