"""portal/rollups.py's pure parts: how a period is cut into day rows and month rows (the database parts are tested
with the figures in tests/test_oversight.py)."""
from datetime import date

import pytest

from portal import rollups


@pytest.mark.parametrize("start,rolled_until,months,expected", [
    # a year rolled up to a month's end: Jan-Oct as months, no day rows
    (date(2026, 1, 1), date(2026, 10, 31), True, (date(2026, 1, 1), date(2026, 11, 1))),
    # rolled up to the middle of November: Jan-Oct as months, November's days as day rows
    (date(2026, 1, 1), date(2026, 11, 29), True, (date(2026, 1, 1), date(2026, 11, 1))),
    # a period starting mid-month (近30日): its first month's days as day rows, whole months after it
    (date(2026, 9, 15), date(2026, 11, 29), True, (date(2026, 10, 1), date(2026, 11, 1))),
    # no whole month inside: day rows only (the month range is empty, after the rolled days)
    (date(2026, 11, 3), date(2026, 11, 29), True, (date(2026, 11, 30), date(2026, 11, 30))),
    # per-day buckets: day rows only
    (date(2026, 10, 1), date(2026, 10, 31), False, (date(2026, 11, 1), date(2026, 11, 1))),
])
def test_day_ranges_cover_each_rolled_day_once(start, rolled_until, months, expected):
    ranges = rollups.day_ranges(start, rolled_until, months=months)
    assert (ranges["ms"], ranges["me"]) == expected
    assert (ranges["rs"], ranges["re"]) == (start, rolled_until)
    day, covered = start, []
    while day <= rolled_until:  # every day: exactly one of "a day row read" or "inside a month row read"
        as_day = ranges["rs"] <= day < ranges["ms"] or ranges["me"] <= day <= ranges["re"]
        in_month = ranges["ms"] <= day < ranges["me"]
        covered.append(as_day != in_month)
        day = date.fromordinal(day.toordinal() + 1)
    assert all(covered)


def test_split_of_a_period_at_the_horizon(monkeypatch):
    monkeypatch.setattr(rollups, "horizon", lambda key: date(2026, 11, 29))
    assert rollups.split("k", date(2026, 1, 1), date(2026, 11, 30)) == rollups.Split(date(2026, 11, 29),
                                                                                    date(2026, 11, 30))
    assert rollups.split("k", date(2026, 10, 1), date(2026, 10, 31)) == rollups.Split(date(2026, 10, 31), None)
    assert rollups.split("k", date(2026, 11, 30), date(2026, 11, 30)) == rollups.Split(None, date(2026, 11, 30))
    monkeypatch.setattr(rollups, "horizon", lambda key: None)
    assert rollups.split("k", date(2026, 1, 1), date(2026, 11, 30)) == rollups.Split(None, date(2026, 1, 1))
