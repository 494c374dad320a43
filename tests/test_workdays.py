"""The pure working-day functions: properties over random calendars, and the official calendar's named cases."""
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.calendar_source import official_exceptions
from portal.workdays import (
    Suspension,
    WorkCalendar,
    add_working_days,
    deadline_end,
    subtract_working_days,
    working_days_between,
    working_days_left,
)

OFFICIAL = WorkCalendar(
    holidays=frozenset(d for d, kind, _ in official_exceptions() if kind == "holiday"),
    makeup_workdays=frozenset(d for d, kind, _ in official_exceptions() if kind == "workday"),
)

days_2020s = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def calendars(draw):
    """A random calendar: some weekday holidays and some weekend make-up days in 2020-2031."""
    weekday_dates = st.dates(date(2020, 1, 1), date(2031, 12, 31)).filter(lambda d: d.isoweekday() <= 5)
    weekend_dates = st.dates(date(2020, 1, 1), date(2031, 12, 31)).filter(lambda d: d.isoweekday() >= 6)
    return WorkCalendar(
        holidays=frozenset(draw(st.sets(weekday_dates, max_size=60))),
        makeup_workdays=frozenset(draw(st.sets(weekend_dates, max_size=20))),
    )


def brute_force_add(cal: WorkCalendar, start: date, n: int, suspensions=()) -> date:
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if cal.is_working_day(day) and not any(s.start <= day <= s.end for s in suspensions):
            left -= 1
    return day


# --- properties --------------------------------------------------------------------------------------------


@given(calendars(), days_2020s, st.integers(0, 60), st.integers(0, 60))
def test_monotonic(cal, start, a, b):
    lo, hi = sorted((a, b))
    assert add_working_days(cal, start, lo) <= add_working_days(cal, start, hi)


@given(calendars(), days_2020s, st.integers(0, 40), st.integers(0, 40))
def test_additive(cal, start, a, b):
    assert add_working_days(cal, add_working_days(cal, start, a), b) == add_working_days(cal, start, a + b)


@given(calendars(), days_2020s, st.integers(1, 80))
def test_deadline_is_a_working_day_and_counts_back(cal, start, n):
    due = add_working_days(cal, start, n)
    assert cal.is_working_day(due)
    assert due > start  # the first day is not counted
    assert working_days_between(cal, start, due) == n
    # The day before the due date is one working day short.
    assert working_days_between(cal, start, due - timedelta(days=1)) == n - 1


@given(calendars(), days_2020s, st.integers(1, 60))
def test_matches_day_by_day_counting(cal, start, n):
    assert add_working_days(cal, start, n) == brute_force_add(cal, start, n)


@given(calendars(), days_2020s, days_2020s)
def test_count_between_matches_enumeration(cal, a, b):
    lo, hi = sorted((a, b))
    assume((hi - lo).days < 800)
    expected = sum(1 for i in range(1, (hi - lo).days + 1) if cal.is_working_day(lo + timedelta(days=i)))
    assert working_days_between(cal, lo, hi) == expected
    assert working_days_between(cal, hi, lo) == -expected


@given(calendars(), days_2020s, st.integers(1, 40), st.lists(st.tuples(days_2020s, st.integers(0, 30)), max_size=4))
def test_suspension_never_shortens_and_adds_exactly_the_suspended_days(cal, start, n, raw):
    suspensions = [Suspension(s, s + timedelta(days=length)) for s, length in raw]
    plain = add_working_days(cal, start, n)
    paused = add_working_days(cal, start, n, suspensions)
    assert paused >= plain
    assert paused == brute_force_add(cal, start, n, suspensions)
    # Elapsed time with the suspensions taken out is exactly the limit.
    assert working_days_between(cal, start, paused, suspensions) == n


@given(calendars(), days_2020s, st.integers(1, 40), st.integers(1, 15))
def test_extension_is_more_working_days(cal, start, n, extra):
    extended = add_working_days(cal, start, n, extension_days=extra)
    assert extended == add_working_days(cal, start, n + extra)
    assert working_days_between(cal, add_working_days(cal, start, n), extended) == extra


@given(calendars(), days_2020s, st.integers(1, 60))
def test_holidays_never_count_and_makeup_days_always_do(cal, start, n):
    due = add_working_days(cal, start, n)
    span = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    counted = [d for d in span if cal.is_working_day(d)]
    assert len(counted) == n
    assert not any(d in cal.holidays for d in counted)
    assert all(d in counted for d in span if d in cal.makeup_workdays)


@settings(max_examples=50)
@given(days_2020s, st.integers(1, 30))
def test_official_calendar_agrees_with_the_package(start, n):
    import chinese_calendar

    assume(start.year <= 2026 and (start + timedelta(days=90)).year <= 2026)
    due = add_working_days(OFFICIAL, start, n)
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            left -= 1
    assert due == day


# --- named examples from the official calendars -------------------------------------------------------------


@pytest.mark.parametrize(
    "start, n, expected, why",
    [
        # 2026 National Day: Oct 1-7 off, Sat Oct 10 is a make-up working day.
        (date(2026, 9, 30), 5, date(2026, 10, 13), "Oct 8, 9, 10 (Sat make-up), 12, 13"),
        (date(2026, 9, 30), 1, date(2026, 10, 8), "the first working day after the holiday"),
        (date(2026, 9, 30), 3, date(2026, 10, 10), "the make-up Saturday counts"),
        # Mid-autumn 2026 (Fri Sep 25) and the make-up Sunday Sep 20.
        (date(2026, 9, 18), 1, date(2026, 9, 20), "make-up Sunday Sep 20 is the next working day"),
        (date(2026, 9, 24), 1, date(2026, 9, 28), "Fri Sep 25 holiday, weekend, then Monday"),
        # 2025 Spring Festival: Jan 28 - Feb 4 off, Sun Jan 26 and Sat Feb 8 make-up working days.
        (date(2025, 1, 24), 1, date(2025, 1, 26), "Sunday Jan 26 is a working day"),
        (date(2025, 1, 27), 1, date(2025, 2, 5), "eight days of holiday"),
        (date(2025, 1, 27), 4, date(2025, 2, 8), "Feb 5, 6, 7, 8 (Sat make-up)"),
        # 2025 National Day and Mid-autumn: Oct 1-8 off, Sun Sep 28 and Sat Oct 11 make-up.
        (date(2025, 9, 26), 5, date(2025, 10, 10), "Sep 28 (Sun), 29, 30, Oct 9, 10"),
        (date(2025, 9, 30), 20, date(2025, 11, 4), "Oct 9, 10, 11 (Sat), then 17 weekdays to Nov 4"),
        # An ordinary week: Friday + 5 is next Friday.
        (date(2025, 3, 7), 5, date(2025, 3, 14), "plain weekdays"),
    ],
)
def test_named_examples(start, n, expected, why):
    assert add_working_days(OFFICIAL, start, n) == expected, why


def test_suspension_across_a_holiday_moves_the_due_date_by_the_working_days_suspended():
    # Accepted Fri 2026-09-18 with 20 working days; a test suspension Sep 28 - Oct 9 holds
    # Sep 28, 29, 30, Oct 8, Oct 9: five working days (Oct 1-7 are holidays anyway).
    start = date(2026, 9, 18)
    plain = add_working_days(OFFICIAL, start, 20)
    suspension = Suspension(date(2026, 9, 28), date(2026, 10, 9))
    assert OFFICIAL.working_days_in(suspension.start, suspension.end) == 5
    paused = add_working_days(OFFICIAL, start, 20, [suspension])
    assert working_days_between(OFFICIAL, plain, paused) == 5
    assert plain == date(2026, 10, 22)
    assert paused == date(2026, 10, 29)


def test_zero_limit_and_negative_limit():
    assert add_working_days(OFFICIAL, date(2026, 10, 3), 0) == date(2026, 10, 3)
    with pytest.raises(ValueError):
        add_working_days(OFFICIAL, date(2026, 10, 3), -1)


def test_working_days_left_is_zero_on_the_due_day_and_negative_after():
    due = date(2026, 10, 13)
    assert working_days_left(OFFICIAL, date(2026, 10, 12), due) == 1
    assert working_days_left(OFFICIAL, due, due) == 0
    assert working_days_left(OFFICIAL, date(2026, 10, 14), due) == -1


def test_overlapping_suspensions_are_not_counted_twice():
    start = date(2025, 3, 7)
    one = [Suspension(date(2025, 3, 10), date(2025, 3, 14))]
    twice = one + [Suspension(date(2025, 3, 12), date(2025, 3, 14)), Suspension(date(2025, 3, 10), date(2025, 3, 10))]
    assert add_working_days(OFFICIAL, start, 5, one) == add_working_days(OFFICIAL, start, 5, twice) == date(2025, 3, 21)


def test_a_suspension_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Suspension(date(2025, 3, 10), date(2025, 3, 9))


def test_deadline_ends_at_the_last_moment_of_the_day():
    from zoneinfo import ZoneInfo

    end = deadline_end(date(2026, 10, 13), ZoneInfo("Asia/Shanghai"))
    assert (end.year, end.month, end.day, end.hour, end.minute, end.second) == (2026, 10, 13, 23, 59, 59)
    assert end.utcoffset() == timedelta(hours=8)


@given(calendars(), days_2020s, st.integers(0, 30))
def test_a_warning_period_starts_exactly_n_working_days_before_the_due_date(cal, due, n):
    assume(cal.is_working_day(due))
    start = subtract_working_days(cal, due, n)
    assert start <= due
    assert working_days_left(cal, start, due) == n
    if n:
        assert cal.is_working_day(start)
        assert add_working_days(cal, start, n) == due
        # The day before the warning starts, more than n working days remain.
        assert working_days_left(cal, start - timedelta(days=1), due) > n


def test_yellow_two_working_days_before_a_due_date_after_the_national_day():
    # Due Tue 2026-10-13: two working days before is Sat 2026-10-10 (a make-up working day).
    assert subtract_working_days(OFFICIAL, date(2026, 10, 13), 2) == date(2026, 10, 10)
    assert subtract_working_days(OFFICIAL, date(2026, 10, 9), 2) == date(2026, 9, 30)
