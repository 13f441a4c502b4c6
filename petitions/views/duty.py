"""值班表: the duty roster of the user's level (who is alerted to 重大、紧急 matters), kept by its
leaders and triage officers. GET lists the shifts of the next weeks with the add form; POST adds
or removes one through ``petitions.services.urgent``."""
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exceptions import NotAllowed, ServiceError
from accounts.forms import form_add_service_error

from petitions import clock
from petitions.forms.duty import DutyShiftForm
from petitions.selectors.duty import on_duty, roster_candidates, roster_levels, roster_shifts, shift_get_for_roster
from petitions.services.urgent import duty_shift_delete, duty_shift_save

LOOKAHEAD_DAYS = 28


def _level(request):
    levels = roster_levels(request.user)
    if not levels:
        raise PermissionDenied
    return levels[0]


def duty_roster(request):
    """The roster of the user's level: who is on duty now and the shifts of the next four weeks."""
    level = _level(request)
    form = DutyShiftForm(request.POST or None, candidates=roster_candidates(level))
    if request.method == "POST" and form.is_valid():
        try:
            duty_shift_save(actor=request.user, request=request, **form.service_data())
        except (ServiceError, NotAllowed) as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("值班安排已保存。"))
            return redirect("petitions:duty_roster")
    now = clock.now()
    return render(request, "petitions/duty_roster.html", {
        "level": level, "form": form, "now_on_duty": list(on_duty(level, now)),
        "shifts": list(roster_shifts(level, start=now - timedelta(days=1), end=now + timedelta(days=LOOKAHEAD_DAYS))),
        "page_title": _("值班表"), "breadcrumbs": [(_("值班表"), "")],
    })


@require_POST
def duty_shift_remove(request, pk):
    _level(request)
    shift = shift_get_for_roster(request.user, pk)
    if shift is None:
        raise Http404
    try:
        duty_shift_delete(actor=request.user, shift=shift, request=request)
    except (ServiceError, NotAllowed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("值班安排已删除。"))
    return redirect(reverse("petitions:duty_roster"))
