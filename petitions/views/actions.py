"""Workflow action pages: GET shows the form with the case summary, POST calls the service.

One URL per action (``petitions:action`` with the action name from ``TRANSITIONS``). The
service is the authority: refusals (state, version, permission, bad input) come back as form
errors and nothing changes. Also the one-case Excel export (导出Excel).
"""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.forms import form_add_service_error
from petitions import clock, permissions
from petitions.exceptions import ConcurrentModification, NotAllowed, ServiceError
from petitions.forms.workflow import TARGET_ACTIONS, UPLOAD_ACTIONS, action_form_class, target_formset
from petitions.models import AssignmentStatus, ReviewLevel
from petitions.selectors import case_get_visible, procedures, queues
from petitions.services.access_log import case_view_record
from petitions.services.notify import case_url
from petitions.services.transitions import case_record_mediation, case_report_result, case_transition
from petitions.domain.deadlines import RETURN_WORKDAYS, review_window
from petitions.workflow import TRANSITIONS, Status


def _after_url(request, case):
    return case_url(case) or reverse("petitions:inbox")


def done_message(case, transition):
    """What the office is told after an action; 办结 says whether the case is archived and, if
    not yet, until when the petitioner may still ask for 复查/复核 (it is archived by the nightly
    scan afterwards)."""
    case.refresh_from_db()
    if transition.name == "close":
        if case.status == Status.ARCHIVED:
            return _("已办结并归档：%(number)s") % {"number": case.number}
        window = review_window(case, list(case.reviews.order_by("requested_at", "id")))
        if window is not None:
            return _("已办结：%(number)s。信访人可在%(end)s前申请%(what)s，期满后系统自动归档。") % {
                "number": case.number, "end": window.end.isoformat(), "what": ReviewLevel(window.level).label}
    return _("已%(label)s：%(number)s") % {"label": transition.label, "number": case.number}


def _return_deadlines(facts):
    """The last day to return each of the user's returnable assignments (条例第二十三条)."""
    today = clock.today()
    dues = facts.return_dues
    return [{"org": a.org, "due": dues[a.pk], "last_day": dues[a.pk] == today}
            for a in facts.own(AssignmentStatus.PENDING) if dues[a.pk] >= today]


def _call_service(request, case, action, form, formset):
    data = form.service_data()
    if action in TARGET_ACTIONS and (action != "instruct" or data.pop("direct", False)):
        data["targets"] = formset.targets()
    data.pop("direct", None)
    version, note = form.cleaned_data["version"], form.cleaned_data.get("note", "")
    if action == "report_result":
        return case_report_result(case=case, actor=request.user, result=note, opinion=data["opinion"],
                                  files=data.get("files") or (), version=version, request=request)
    if action == "record_mediation":
        files = data.pop("files", None) or ()
        return case_record_mediation(case=case, actor=request.user, note=note, files=files, version=version,
                                     request=request, **data)
    return case_transition(case=case, action=action, actor=request.user, version=version, note=note,
                           request=request, **data)


def action_view(request, pk, action):
    """The page of one action on one case (404 for an invisible case or unknown action)."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Http404
    case = case_get_visible(request.user, pk)
    facts = permissions.Facts(request.user, case)
    allowed = permissions.can(request.user, case, action, facts)
    breadcrumbs = [(case.number, case_url(case)), (transition.label, "")]
    if request.method != "POST" and not allowed:
        # A closed window (e.g. the 退回 period) is explained; anything else is a plain 403.
        reason = permissions.refusal(request.user, case, action, facts)
        if reason is None:
            raise PermissionDenied(_("您当前不能对该信访件执行“%(label)s”。") % {"label": transition.label})
        return render(request, "petitions/action_form.html", {
            "case": case, "transition": transition, "action": action, "refusal": reason,
            "page_title": transition.label, "breadcrumbs": breadcrumbs,
        }, status=403)
    form_class = action_form_class(action)
    post = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = form_class(post, files, transition=transition, case=case, user=request.user, facts=facts)
    formset = target_formset(request.user, case, post) if action in TARGET_ACTIONS else None
    status = 200
    if request.method == "POST":
        needs_targets = formset is not None and (action != "instruct" or request.POST.get("direct"))
        valid = form.is_valid() and (not needs_targets or formset.is_valid())
        if valid:
            try:
                _call_service(request, case, action, form, formset)
            except ConcurrentModification as exc:
                form.add_error(None, exc.message)
                status = 409
            except NotAllowed as exc:
                form.add_error(None, exc.message or _("您没有执行此操作的权限。"))
                status = 403
            except ServiceError as exc:
                form_add_service_error(form, exc, formsets={"targets": formset} if formset is not None else None)
            else:
                messages.success(request, done_message(case, transition))
                for hook in hooks.get_hooks(hooks.ACTION_DONE):  # e.g. 同时出具告知书 (documents)
                    hook(request, case, action)
                return redirect(_after_url(request, case))
    context = {
        "case": case, "transition": transition, "action": action, "form": form, "formset": formset,
        "page_title": transition.label, "is_upload": action in UPLOAD_ACTIONS, "breadcrumbs": breadcrumbs,
        "procedure": procedures.procedure_context(facts, action) if allowed else {},
        "return_deadlines": _return_deadlines(facts) if action == "return" and allowed else [],
        "return_workdays": RETURN_WORKDAYS,
        "reported": queues.reported_results(facts) if action == "approve_result" and allowed else [],
        "form_extras": [extra(request, case, action) for extra in hooks.get_hooks(hooks.ACTION_FORM_EXTRAS)],
    }
    return render(request, "petitions/action_form.html", context, status=status)


def export_case(request, pk):
    """导出Excel: the case with its trail as a formatted sheet (export permission, case in scope)."""
    if not request.user.has_perm(permissions.EXPORT_PERMISSION):
        raise PermissionDenied
    exporters = hooks.get_hooks(hooks.CASE_EXPORT)
    if not exporters:
        raise Http404
    case = case_get_visible(request.user, pk)
    case_view_record(case=case, user=request.user, action="export", request=request)
    return exporters[0](request, case)
