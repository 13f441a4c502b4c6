"""Working days (工作日) and the 5-working-day objection period of 《信访工作条例》第二十三条.

A day is a working day when a ``CalendarDay`` row says so, otherwise when it is Monday to
Friday. Each computation reads the calendar rows of the date range it needs in one query
(never one per day). Days count from the day after the start, as statutory periods do: the
5th working day after a Friday receipt is the next Friday when nothing intervenes.

The calendar holds only what the office has entered (see ``petitions.models.calendar``); a
year without entries counts Monday to Friday.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from ..models import CalendarDay

RETURN_WORKDAYS = 5  # 条例第二十三条第三款: 自收到之日起5个工作日内提出异议
ONE_DAY = timedelta(days=1)


def _ordinary_workday(day):
    return day.weekday() < 5


def _span(n):
    # Calendar days that hold n working days even around 春节 (9 days off) and a 调休 week.
    return 2 * n + 30


@dataclass(frozen=True)
class Calendar:
    """The calendar exceptions of ``first``..``last`` (inclusive), loaded with one query."""

    first: date
    last: date
    exceptions: dict

    @classmethod
    def load(cls, first, last):
        rows = CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "is_workday")
        return cls(first, last, dict(rows))

    def is_workday(self, day):
        return self.exceptions.get(day, _ordinary_workday(day))

    def add(self, day, n):
        """The ``n``-th working day after ``day``, or None if the loaded range ends first."""
        current = day
        while n > 0:
            current += ONE_DAY
            if current > self.last:
                return None
            if self.is_workday(current):
                n -= 1
        return current


def is_workday(day):
    """True if ``day`` is a working day (one query)."""
    return Calendar.load(day, day).is_workday(day)


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
    first, last = min(days), max(days) + timedelta(days=_span(n))
    while pending:
        calendar = Calendar.load(first + ONE_DAY, last)
        for day in pending:
            found = calendar.add(day, n)
            if found is not None:
                result[day] = found
        pending = {d for d in pending if d not in result}
        # Only reached with an implausible run of rest days: widen the range and read again.
        last += timedelta(days=_span(n))
    return result


def receipt_day(assignment):
    """The local date (Asia/Shanghai) on which the organization received ``assignment``."""
    return timezone.localdate(assignment.created_at)


def return_due(assignment):
    """Last day on which ``assignment`` may be returned (退回): 5 working days after receipt."""
    return add_workdays(receipt_day(assignment), RETURN_WORKDAYS)


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


# --- reading the calendar for its maintenance page ---------------------------------------------

def calendar_days(year):
    """The entered days of ``year`` in date order."""
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))


def calendar_years():
    """The years that have at least one entered day, ascending."""
    return [d.year for d in CalendarDay.objects.dates("date", "year")]
