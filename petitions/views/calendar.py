"""节假日安排: the working-day calendar's maintenance page, next to the dictionaries.

One page per year: the entered days, a form to enter a day or a block of days (a holiday or a
调休 working day), a CSV import and a delete button per day. Same right as the dictionaries
(``petitions.manage_dictionary``, the system administrator). HTTP in,
``petitions.services.calendar`` call, HTTP out. Its forms are in ``petitions.forms.calendar``.
"""
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exceptions import ServiceError
from accounts.forms import form_add_service_error

from petitions import clock
from petitions.forms.calendar import CalendarDayForm, CalendarImportForm
from petitions.models import CalendarDay
from petitions.services.calendar import (
    MANAGE_PERMISSION, calendar_day_delete, calendar_days_save, calendar_import,
)
from petitions.selectors.workdays import calendar_days, calendar_years

MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(value):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return clock.today().year
    return year if MIN_YEAR <= year <= MAX_YEAR else clock.today().year


def _list_url(year):
    return f"{reverse('petitions:dictionary_calendar')}?year={year}"


def _page(request, *, year, form=None, import_form=None):
    this_year = clock.today().year
    days = calendar_days(year)
    return render(request, "petitions/calendar.html", {
        "year": year,
        "years": sorted(set(calendar_years()) | {this_year, this_year + 1, year}),
        "days": days,
        "rest_count": sum(1 for d in days if not d.is_workday),
        "work_count": sum(1 for d in days if d.is_workday),
        "form": form or CalendarDayForm(),
        "import_form": import_form or CalendarImportForm(),
        "page_title": _("节假日安排"),
        "breadcrumbs": [(_("基础字典"), reverse("petitions:dictionary_list")), (_("节假日安排"), None)],
    })


@permission_required(MANAGE_PERMISSION, raise_exception=True)
def calendar_page(request):
    """The year's entered days (GET ?year=, default this year); ?edit=<pk> fills the form with a day."""
    year = _year(request.GET.get("year"))
    form = None
    edit = request.GET.get("edit", "")
    if edit.isdigit():
        day = get_object_or_404(CalendarDay, pk=int(edit))
        year = day.date.year
        form = CalendarDayForm(initial={"start": day.date, "is_workday": "1" if day.is_workday else "0",
                                        "name": day.name, "note": day.note})
    return _page(request, year=year, form=form)


@require_POST
@permission_required(MANAGE_PERMISSION, raise_exception=True)
def calendar_save(request):
    form = CalendarDayForm(request.POST)
    year = _year(request.POST.get("year"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcome = calendar_days_save(actor=request.user, start=data["start"], end=data["end"],
                                         is_workday=data["is_workday"], name=data["name"], note=data["note"],
                                         request=request)
        except ServiceError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, outcome.message)
            return redirect(_list_url(data["start"].year))
    return _page(request, year=year, form=form)


@require_POST
@permission_required(MANAGE_PERMISSION, raise_exception=True)
def calendar_upload(request):
    import_form = CalendarImportForm(request.POST, request.FILES)
    year = _year(request.POST.get("year"))
    if import_form.is_valid():
        upload = import_form.cleaned_data["file"]
        try:
            outcome = calendar_import(actor=request.user, content=upload.read(), source=upload.name, request=request)
        except ServiceError as exc:
            form_add_service_error(import_form, exc, default_field="file")
        else:
            messages.success(request, outcome.message)
            return redirect(_list_url(year))
    return _page(request, year=year, import_form=import_form)


@require_POST
@permission_required(MANAGE_PERMISSION, raise_exception=True)
def calendar_delete(request, pk):
    day = get_object_or_404(CalendarDay, pk=pk)
    calendar_day_delete(actor=request.user, day=day, request=request)
    messages.success(request, _("已删除%(date)s的节假日安排。") % {"date": day.date.isoformat()})
    return redirect(_list_url(day.date.year))
