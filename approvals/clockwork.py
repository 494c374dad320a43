"""The case clock's pure parts: due dates from acceptance with suspensions and an extension, the days the
warning colour changes, and the colour on a given day. No Django, no ORM (portal.workdays underneath), so
hypothesis can try them exhaustively; approvals.services feeds them the calendar from portal.clock.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal import workdays
from portal.workdays import Suspension, WorkCalendar

RED, YELLOW, GREEN = 0, 1, 2  # approvals.models.Colour values (queue order: most urgent first)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    statutory: int
    promised: int


@dataclass(frozen=True)
class DueDates:
    statutory: date
    promised: date


@dataclass(frozen=True)
class Timers:
    """The days the warnings start: yellow when `yellow_days` working days remain to the promised date, red the
    day after it, the statutory alarm when `alarm_days` working days remain to the statutory date."""

    yellow_from: date
    red_from: date
    statutory_alarm_from: date


def due_dates(calendar: WorkCalendar, accepted_on: date, limits: Limits, suspensions: Iterable[Suspension] = (),
              extension_days: int = 0) -> DueDates:
    """Both limits counted from acceptance (first day not counted), minus suspended working days, plus the
    extension. The promised date never lies after the statutory one."""
    suspensions = list(suspensions)
    statutory = workdays.add_working_days(calendar, accepted_on, limits.statutory, suspensions, extension_days)
    promised = workdays.add_working_days(calendar, accepted_on, limits.promised, suspensions, extension_days)
    return DueDates(statutory=statutory, promised=min(promised, statutory))


def timers(calendar: WorkCalendar, due: DueDates, yellow_days: int, alarm_days: int) -> Timers:
    return Timers(
        yellow_from=workdays.subtract_working_days(calendar, due.promised, yellow_days),
        red_from=due.promised + ONE_DAY,
        statutory_alarm_from=workdays.subtract_working_days(calendar, due.statutory, alarm_days),
    )


def colour_on(t: Timers | None, today: date) -> int:
    if t is None:
        return GREEN
    if today >= t.red_from:
        return RED
    if today >= t.yellow_from:
        return YELLOW
    return GREEN


def alarm_on(t: Timers | None, today: date) -> bool:
    return t is not None and today >= t.statutory_alarm_from
