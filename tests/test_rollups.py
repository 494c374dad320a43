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


@pytest.mark.django_db(transaction=True)
def test_a_closed_day_written_during_the_first_roll_up_waits_for_it_and_is_marked():
    """Before the first roll-up the triggers mark nothing, but one that runs while the first roll-up holds its
    horizon row waits (FOR SHARE) and then marks: otherwise a holiday entered at that moment would be neither in
    the roll-up's snapshot nor marked. The roll-up is played by a transaction holding the row for 1.5 s."""
    import threading
    import time

    from django.db import connections, transaction

    from portal.models import CalendarDay, RollupHorizon, RollupStale

    key = "approvals.dashboard"
    RollupHorizon.objects.update_or_create(key=key, defaults={"time_zone": "Asia/Shanghai", "rolled_through": None})
    holding, errors, took = threading.Event(), [], []

    def first_roll_up():
        try:
            with transaction.atomic():
                RollupHorizon.objects.select_for_update().get(key=key)
                holding.set()
                time.sleep(1.5)
                RollupHorizon.objects.filter(key=key).update(rolled_through=date(2026, 10, 31))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def holiday():
        try:
            assert holding.wait(10)
            started = time.perf_counter()
            CalendarDay.objects.bulk_create([CalendarDay(date=date(2026, 10, 13), kind="holiday", name="测试假日")])
            took.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_roll_up), threading.Thread(target=holiday)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert took and took[0] > 1.0  # it waited for the roll-up's commit
    assert list(RollupStale.objects.filter(key=key).values_list("since", flat=True)) == [date(2026, 10, 13)]
    assert rollups.horizon(key) == date(2026, 10, 12)
