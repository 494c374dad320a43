"""The legal clock for Django code: the calendar from the database plus the pure functions of `workdays`.

Everything that shows or checks a deadline goes through here, so the whole portal counts days one way.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone

from portal import workdays
from portal.workdays import Suspension, WorkCalendar

_CACHE_SECONDS = 300  # calendar edits are rare; other processes see one within five minutes

# (calendar, monotonic time it was read): a plain per-process memo. A queue page asks for the calendar dozens of
# times; Django's local-memory cache would unpickle ~800 dates on every ask (bench/approvals_bench.py).
_memo: tuple[WorkCalendar, float] | None = None


def work_calendar() -> WorkCalendar:
    """The calendar in force, from the CalendarDay table (kept per process for five minutes)."""
    global _memo
    memo = _memo
    if memo is not None and time.monotonic() - memo[1] < _CACHE_SECONDS:
        return memo[0]
    from portal.models import CalendarDay

    rows = CalendarDay.objects.values_list("date", "kind")
    calendar = WorkCalendar(
        holidays=frozenset(d for d, k in rows if k == CalendarDay.Kind.HOLIDAY),
        makeup_workdays=frozenset(d for d, k in rows if k == CalendarDay.Kind.WORKDAY),
    )
    _memo = (calendar, time.monotonic())
    return calendar


def forget_calendar() -> None:
    """Drop this process's calendar (called when a CalendarDay changes)."""
    global _memo
    _memo = None


def local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def today() -> date:
    return timezone.localdate()


def add_working_days(
    start: date | datetime, days: int, suspensions: Iterable[Suspension] = (), extension_days: int = 0
) -> date:
    """The due date of a limit of `days` working days that starts at `start` (first day not counted)."""
    return workdays.add_working_days(work_calendar(), local_date(start), days, suspensions, extension_days)


def due_at(start: date | datetime, days: int, suspensions: Iterable[Suspension] = (), extension_days: int = 0):
    """The instant the limit ends: the end of its last working day, in the centre's time zone."""
    due = add_working_days(start, days, suspensions, extension_days)
    return workdays.deadline_end(due, timezone.get_current_timezone())


def subtract_working_days(due: date, days: int) -> date:
    """The working day on which `days` working days remain until `due` (where a warning period starts)."""
    return workdays.subtract_working_days(work_calendar(), local_date(due), days)


def working_days_between(start: date | datetime, end: date | datetime, suspensions: Iterable[Suspension] = ()):
    return workdays.working_days_between(work_calendar(), local_date(start), local_date(end), suspensions)


def working_days_left(due: date | datetime, suspensions: Iterable[Suspension] = (), on: date | None = None) -> int:
    return workdays.working_days_left(work_calendar(), on or today(), local_date(due), suspensions)


def is_working_day(day: date) -> bool:
    return work_calendar().is_working_day(day)
