"""Working-day arithmetic for the legal clock (Administrative Licensing Law, Art. 82). Pure: no Django, no ORM.

Rules (DOMAIN.md, "The legal clock"):
- Working days are Monday to Friday, minus the calendar's holidays, plus its make-up working days (调休).
- The first day is not counted: N working days after day D is the N-th working day strictly after D.
- A deadline ends at the end of its last working day (see `deadline_end`).
- A suspension (Art. 45) is an inclusive range of dates whose working days do not count.
- An extension (Art. 42) adds working days to the limit.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Suspension:
    """The clock stops on every working day from `start` to `end`, both included."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("a suspension cannot end before it starts")

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class WorkCalendar:
    """Dates that break the Monday-Friday rule: weekday holidays and weekend make-up working days."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self):
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        if self.holidays & self.makeup_workdays:
            raise ValueError("a date cannot be both a holiday and a make-up working day")
        object.__setattr__(self, "_holidays_sorted", sorted(d for d in self.holidays if d.isoweekday() <= 5))
        object.__setattr__(self, "_makeup_sorted", sorted(d for d in self.makeup_workdays if d.isoweekday() >= 6))

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() <= 5

    def working_days_in(self, first: date, last: date) -> int:
        """How many working days lie in [first, last], both included (0 when last < first). O(log n)."""
        if last < first:
            return 0
        count = _weekdays_in(first, last)
        count -= bisect_right(self._holidays_sorted, last) - bisect_left(self._holidays_sorted, first)
        count += bisect_right(self._makeup_sorted, last) - bisect_left(self._makeup_sorted, first)
        return count

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day


def _weekdays_in(first: date, last: date) -> int:
    """Mondays to Fridays in [first, last]."""
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    start_dow = first.isoweekday()  # 1 = Monday
    for offset in range(rest):
        if (start_dow - 1 + offset) % 7 < 5:
            count += 1
    return count


def _normalise(suspensions: Iterable[Suspension]) -> list[Suspension]:
    """Sorted, with overlapping or touching ranges merged, so no day is taken out twice."""
    merged: list[Suspension] = []
    for s in sorted(suspensions, key=lambda s: s.start):
        if merged and s.start <= merged[-1].end + ONE_DAY:
            if s.end > merged[-1].end:
                merged[-1] = Suspension(merged[-1].start, s.end)
        else:
            merged.append(s)
    return merged


def add_working_days(
    calendar: WorkCalendar,
    start: date,
    days: int,
    suspensions: Iterable[Suspension] = (),
    extension_days: int = 0,
) -> date:
    """The last day of a limit of `days` (+ `extension_days`) working days that starts on `start`.

    The start day itself is not counted; working days inside a suspension are not counted either.
    With a limit of 0 the answer is `start` itself.
    """
    total = days + extension_days
    if total < 0:
        raise ValueError("a limit cannot be negative")
    if total == 0:
        return start
    paused = _normalise(suspensions)
    day = start
    remaining = total
    index = 0
    while remaining:
        day = calendar.next_working_day(day)
        while index < len(paused) and paused[index].end < day:
            index += 1
        if index < len(paused) and paused[index].covers(day):
            # Jump to the end of the suspension; the loop then resumes after it.
            day = paused[index].end
            continue
        remaining -= 1
    return day


def subtract_working_days(calendar: WorkCalendar, due: date, days: int) -> date:
    """The working day from which `days` working days remain until `due` (the start of a warning period).

    On the returned day, working_days_left(..., due) == days. With 0 the answer is `due` itself.
    """
    if days < 0:
        raise ValueError("a warning period cannot be negative")
    day, remaining = due, days
    while remaining:
        day -= ONE_DAY
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(
    calendar: WorkCalendar, start: date, end: date, suspensions: Iterable[Suspension] = ()
) -> int:
    """Working days elapsed from `start` to `end`: those in (start, end], minus suspended ones.

    Negative when `end` is before `start` (the working days from end to start, counted the same way).
    """
    if end < start:
        return -working_days_between(calendar, end, start, suspensions)
    elapsed = calendar.working_days_in(start + ONE_DAY, end)
    for s in _normalise(suspensions):
        lo, hi = max(s.start, start + ONE_DAY), min(s.end, end)
        elapsed -= calendar.working_days_in(lo, hi)
    return elapsed


def working_days_left(
    calendar: WorkCalendar, today: date, due: date, suspensions: Iterable[Suspension] = ()
) -> int:
    """Working days from `today` to the due date: 0 on the due day, negative once it has passed."""
    return working_days_between(calendar, today, due, suspensions)


def deadline_end(due: date, tz: tzinfo) -> datetime:
    """The instant a deadline ends: the last moment of its last day, in the centre's time zone."""
    return datetime.combine(due + ONE_DAY, time.min, tzinfo=tz) - timedelta(microseconds=1)
