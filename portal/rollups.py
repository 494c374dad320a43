"""Roll-ups of closed days: figures counted once per day (and per complete month) for the dashboards, read instead of
the source rows for every day up to a horizon; the days after it (normally today) are read live.

The kernel keeps the bookkeeping; an app registers, in its AppConfig.ready(), what it counts:

    rollups.register("approvals.dashboard", compute)

`compute(cursor, first, through, lo, hi)` deletes its rows from `first` (None: all of them) and counts the days
from `first` to `through` (`lo`/`hi`: the same as aware datetimes, [lo, hi)), month rows included; it returns how
many rows it wrote. Its table has `day` and `month` columns; `clear_days` and `sum_months` do the common part. The app's migration creates its horizon row (`RollupHorizon`, with the time zone) and triggers
on the source tables that call `portal_rollup_mark(key, days)` (migration portal/0008) when a row of a day already
counted is written: a deemed acceptance dated back, a holiday entered in the calendar, a late claim, a correction
by hand. `horizon(key)` is the last day the dashboards may read from the roll-up: the last day rolled up, or the
day before the earliest stale mark.

Concurrency, without locks in the normal flow: a trigger marks a day stale in the same transaction as the row it
saw; `roll_up` reads the marks first and computes in later statements (each takes a new snapshot under READ
COMMITTED), so the rows of every mark it read are counted; it deletes only the marks it read. A mark that commits
later stays and widens the live part until the next roll-up. Before the first roll-up the triggers mark nothing;
they wait for a running first roll-up (its row lock) so that nothing slips between the two. A transaction that
writes an event before midnight and commits after the night's roll-up has started is the one gap: the roll-up
runs 45 minutes after midnight.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time as clock_time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

_registry: dict[str, Callable] = {}

# The rolled part of a period, on a roll-up table aliased `f` with `day` and `month` columns: day rows before and
# after the months wholly inside it, month rows for those (parameters from `day_ranges`).
ROLLED_DAYS = ("((NOT {f}.month AND ({f}.day >= %(rs)s AND {f}.day < %(ms)s OR {f}.day >= %(me)s AND {f}.day <= %(re)s))"
               " OR ({f}.month AND {f}.day >= %(ms)s AND {f}.day < %(me)s))")


def register(key: str, compute: Callable) -> None:
    _registry[key] = compute


def registered() -> list[str]:
    return sorted(_registry)


def local_bounds(first: date | None, last: date) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in the portal's time zone (first None: from 1970)."""
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(datetime.combine(first, clock_time.min), tz) if first else datetime(1970, 1, 1, tzinfo=tz)
    return lo, timezone.make_aware(datetime.combine(last + timedelta(days=1), clock_time.min), tz)


def horizon(key: str) -> date | None:
    """The last day the dashboards read from the roll-up `key` (None: read everything live)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT least(h.rolled_through, (SELECT min(s.since) - 1 FROM portal_rollupstale s WHERE s.key = h.key))
              FROM portal_rolluphorizon h WHERE h.key = %s""", [key])
        row = cursor.fetchone()
    return row[0] if row else None


@dataclass(frozen=True)
class Split:
    """A period cut at a roll-up's horizon: the last day read from the roll-up (None: none) and the first day read
    live (None: none)."""

    rolled_until: date | None
    live_from: date | None


def split(key: str, start: date, end: date) -> Split:
    found = horizon(key)
    rolled_until = min(found, end) if found is not None and found >= start else None
    live_from = max(start, found + timedelta(days=1)) if found is not None else start
    return Split(rolled_until, live_from if live_from <= end else None)


def day_ranges(start: date, rolled_until: date, *, months: bool = True) -> dict:
    """The parameters of ROLLED_DAYS: day rows from rs to before ms and from me to re, month rows from ms to before me
    (the months wholly inside [start, rolled_until]; none when `months` is False, for per-day buckets)."""
    after = rolled_until + timedelta(days=1)
    first = start if start.day == 1 else (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = after.replace(day=1)  # exclusive
    if not months or first >= last:
        first = last = after
    return {"rs": start, "re": rolled_until, "ms": first, "me": last}


def roll_up(key: str, through: date | None = None) -> dict:
    """Count every day up to `through` (default: yesterday) that is not rolled up yet or was marked stale.
    Returns {"key", "from": the first day recomputed (None: every day, or nothing to do), "through", "rows", "seconds"}."""
    compute = _registry[key]
    through = through or timezone.localdate() - timedelta(days=1)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO portal_rolluphorizon (key, time_zone) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                       [key, settings.TIME_ZONE])
        cursor.execute("SELECT rolled_through FROM portal_rolluphorizon WHERE key = %s FOR UPDATE", [key])
        rolled = cursor.fetchone()[0]
        cursor.execute("SELECT id, since FROM portal_rollupstale WHERE key = %s", [key])
        marks = cursor.fetchall()
        # Never rolled up: every day (a mark cannot predate the first roll-up, but would not narrow it either).
        first = min([since for _id, since in marks] + [rolled + timedelta(days=1)]) if rolled else None
        rows = 0
        if first is None or first <= through:
            lo, hi = local_bounds(first, through)
            rows = compute(cursor, first, through, lo, hi)
            cursor.execute("UPDATE portal_rolluphorizon SET rolled_through = %s, time_zone = %s, rolled_at = now() "
                           "WHERE key = %s", [through, settings.TIME_ZONE, key])
        else:
            first, through = None, rolled
        cursor.execute("DELETE FROM portal_rollupstale WHERE id = ANY(%s)", [[pk for pk, _s in marks]])
    seconds = time.perf_counter() - started
    if rows:
        log.info("roll-up %s: %s..%s, %s rows, %.2f s", key, first, through, rows, seconds)
    return {"key": key, "from": first, "through": through, "rows": rows, "seconds": seconds}


def roll_up_all(through: date | None = None) -> list[dict]:
    return [roll_up(key, through) for key in registered()]


def clear_days(cursor, table: str, first: date | None) -> None:
    """A compute's first step: its day rows from `first` go (every row when `first` is None)."""
    if first is None:
        cursor.execute(f"DELETE FROM {table}")
    else:
        cursor.execute(f"DELETE FROM {table} WHERE NOT month AND day >= %s", [first])


def sum_months(cursor, table: str, first: date | None, through: date, *, keys: list[str], sums: list[str],
               maxima: tuple[str, ...] = (), order: str = "") -> int:
    """A compute's last step: the month rows of every month complete by `through`, from the month of `first`,
    summed (`sums`) and maximised (`maxima`) from its day rows grouped by `keys`; `order` puts the rows in the
    order they are read (after `order`, by month). Returns how many rows it wrote."""
    month_from = first.replace(day=1) if first else date(1970, 1, 1)
    month_to = (through + timedelta(days=1)).replace(day=1)  # exclusive: the month `through` is in, unless it ends it
    cursor.execute(f"DELETE FROM {table} WHERE month AND day >= %s", [month_from])
    columns = ", ".join([*keys, *sums, *maxima])
    values = ", ".join([*keys, *(f"sum({c})" for c in sums), *(f"max({c})" for c in maxima)])
    cursor.execute(f"""
        INSERT INTO {table} (month, day, {columns})
        SELECT TRUE, date_trunc('month', day::timestamp)::date, {values}
          FROM {table}
         WHERE NOT month AND day >= %s AND day < %s
         GROUP BY 2, {", ".join(keys)}
         ORDER BY {order + ", " if order else ""}2""", [month_from, month_to])
    return cursor.rowcount


def analyze_after(cursor, table: str, first: date | None, through: date) -> None:
    """The planner's estimates after a large load (autovacuum comes later); a night's day needs none."""
    if first is None or (through - first).days > 31:
        cursor.execute(f"ANALYZE {table}")


def horizon_operation(key: str):
    """The migration operation that creates a roll-up's horizon row before its triggers (they rely on it: with no
    row they mark nothing), and removes it with its stale marks when unapplied."""
    from django.db import migrations

    def create(apps, schema_editor):
        apps.get_model("portal", "RollupHorizon").objects.get_or_create(key=key,
                                                                         defaults={"time_zone": settings.TIME_ZONE})

    def remove(apps, schema_editor):
        apps.get_model("portal", "RollupHorizon").objects.filter(key=key).delete()
        apps.get_model("portal", "RollupStale").objects.filter(key=key).delete()

    return migrations.RunPython(create, remove)
