"""代录评价: staff record the petitioner's evaluation from a 回访 call."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.exceptions import NotAllowed, ServiceError
from accounts.forms import form_add_service_error
from petitions.forms.evaluations import EvaluationRecordForm
from petitions.permissions import can_record_evaluation
from petitions.selectors import case_get_visible
from petitions.selectors.evaluations import open_evaluation_targets_of
from petitions.services.evaluations import case_evaluation_record


def evaluation_record(request, pk):
    case = case_get_visible(request.user, pk)
    if not can_record_evaluation(request.user, case):
        raise PermissionDenied(_("您不能为该信访件代录评价。"))
    done = set(case.evaluations.values_list("target", flat=True))
    targets = open_evaluation_targets_of(case, done)
    form = EvaluationRecordForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            case_evaluation_record(case=case, actor=request.user, ratings=form.ratings(),
                                   called_at=form.cleaned_data["called_at"], callee=form.cleaned_data["callee"],
                                   comment=form.cleaned_data["comment"], request=request)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("已代录评价：%(number)s") % {"number": case.number})
            return redirect(case)
    return render(request, "petitions/evaluation_form.html", {
        "case": case, "form": form, "targets": targets, "page_title": _("代录评价"),
        "breadcrumbs": [(case.number, case.get_absolute_url()), (_("代录评价"), None)],
    })
