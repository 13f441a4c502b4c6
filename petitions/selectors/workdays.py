"""Working days read from the calendar (节假日安排): the ``CalendarDay`` exceptions of a range.

The arithmetic is ``petitions.domain.deadlines.WorkCalendar``; this module loads the rows a
computation needs, in one query for the whole range (never one per day). The calendar holds
only what the office has entered (``petitions.models.calendar``); a year without entries
counts Monday to Friday.
"""
from datetime import timedelta

from petitions.domain.deadlines import ONE_DAY, RETURN_WORKDAYS, WorkCalendar, receipt_day, workday_span
from petitions.domain.procedures import SIMPLE_WORKDAYS
from petitions.models import CalendarDay


def calendar_load(first, last):
    """The ``WorkCalendar`` of ``first``..``last`` (inclusive), with one query."""
    rows = CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "is_workday")
    return WorkCalendar(first, last, dict(rows))


def is_workday(day):
    """True if ``day`` is a working day (one query)."""
    return calendar_load(day, day).is_workday(day)


def add_workdays(day, n):
    """The ``n``-th working day after ``day`` (``day`` itself for n=0); n must not be negative.

    One query for the range ``day``+1 .. ``day``+2n+30; a further query only if a calendar
    with more than n+30 rest days in that range runs past it."""
    if n < 0:
        raise ValueError("n must not be negative")
    return add_workdays_many([day], n)[day]


def add_workdays_many(days, n):
    """{day: the n-th working day after day} for every day of ``days``, with one query."""
    days = set(days)
    if not days or n == 0:
        return {d: d for d in days}
    result = {}
    pending = days
    first, last = min(days), max(days) + timedelta(days=workday_span(n))
    while pending:
        calendar = calendar_load(first + ONE_DAY, last)
        for day in pending:
            found = calendar.add(day, n)
            if found is not None:
                result[day] = found
        pending = {d for d in pending if d not in result}
        # Only reached with an implausible run of rest days: widen the range and read again.
        last += timedelta(days=workday_span(n))
    return result


def return_due(assignment):
    """Last day on which ``assignment`` may be returned (退回): 5 working days after receipt."""
    return add_workdays(receipt_day(assignment), RETURN_WORKDAYS)


def simple_due(accepted_day):
    """Last day of a 简易办理 answer: 10 working days after the day of acceptance (the holiday
    calendar decides which days work, as for 退回)."""
    return add_workdays(accepted_day, SIMPLE_WORKDAYS)


def return_dues(assignments):
    """{assignment pk: return deadline} for several assignments with one query."""
    received = {a.pk: receipt_day(a) for a in assignments}
    dues = add_workdays_many(received.values(), RETURN_WORKDAYS)
    return {pk: dues[day] for pk, day in received.items()}


def attach_return_dues(assignments, today):
    """Set ``return_due`` on each pending assignment whose return period is still running
    (None otherwise), for lists; one query for all of them."""
    dues = return_dues(assignments)
    for a in assignments:
        due = dues[a.pk]
        a.return_due = due if due >= today else None
    return assignments


def calendar_days(year):
    """The entered days of ``year`` in date order (the maintenance page)."""
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))


def calendar_years():
    """The years that have at least one entered day, ascending."""
    return [d.year for d in CalendarDay.objects.dates("date", "year")]
