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

# Every request and every Celery task first asks Redis for the calendar's revision (refresh_if_changed): an edit
# reaches every process at its next request or task. Only while Redis is down does a process fall back to
# re-reading the calendar every five minutes.
_CACHE_SECONDS = 300

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

    _note_revision()  # the revision this calendar is read at: a later change shows as a different token
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


_seen_revision: str | None = None
_redis_client = None


def _revision_key() -> str:
    from django.conf import settings

    return f"onewindow:calendar-revision:{settings.DATABASES['default']['NAME']}"


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis
        from django.conf import settings

        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _redis_client


def announce_calendar_change() -> None:
    """Tell every process the calendar changed (after the change committed): a new revision token in Redis."""
    import uuid

    forget_calendar()
    try:
        _redis().set(_revision_key(), uuid.uuid4().hex)
    except Exception:  # noqa: BLE001 - Redis down: other processes catch up within _CACHE_SECONDS
        pass


def _current_revision() -> str | None:
    try:
        revision = _redis().get(_revision_key())
    except Exception:  # noqa: BLE001 - Redis down: the five-minute memo is the fallback
        return None
    return revision.decode() if revision else ""


def _note_revision() -> None:
    global _seen_revision
    _seen_revision = _current_revision()


def refresh_if_changed() -> None:
    """Drop this process's calendar if another process changed it since it was read (one Redis GET, ~0.1 ms).
    Called at the start of every request (portal.middleware) and every Celery task (portal.celery)."""
    if _memo is None:
        return  # nothing held: the next read takes the calendar as it is
    revision = _current_revision()
    if revision is not None and revision != _seen_revision:
        forget_calendar()


def covered_until() -> int | None:
    """The last year the calendar holds (the latest year with a holiday entry: the State Council's notice)."""
    holidays = work_calendar().holidays
    return max(d.year for d in holidays) if holidays else None


def is_provisional(day: date | None) -> bool:
    """A due date past the last year the calendar holds is counted as if every weekday there were a working day
    (暂按标准工作日计算) until the administrator enters that year's holidays."""
    if day is None:
        return False
    last = covered_until()
    return last is None or local_date(day).year > last


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
