"""The roll-up of closed days behind the dashboards (models: approvals/oversight/models.py).

A year's dashboard used to count every event of the year from the source tables: 640,000 index entries for the
intake table and every decision of the year, joined to a generated calendar, at 1,000,000 cases. Days that are
over do not change, with three exceptions the database itself reports (triggers, migration 0017): a deemed
acceptance is dated back to the day its materials arrived, a holiday entered in the working-day calendar moves the
working days taken of every case decided after it, and a correction by hand. So:

- `roll_up(through)` (the nightly task, and the bench) counts each day up to `through` once into DayFigure rows
  (set-based, one statement per kind), after the days the triggers marked stale and every day after the last
  roll-up have been deleted; then it sums every month complete by `through` into month rows, from the month of
  the first day it recomputed.
- `horizon()` is the last day the dashboards may read from DayFigure: the last day rolled up, or the day before
  the earliest stale mark. Every day after it is read live from the source tables (selectors.py), normally today.

Concurrency, without locks in the normal flow: a trigger marks a day stale in the same transaction as the row it
saw; the roll-up reads the marks first and recomputes in later statements (each takes a new snapshot under READ
COMMITTED), so the rows of every mark it read are counted; it deletes only the marks it read. A mark that commits
later stays and widens the live part until the next roll-up. Before the first roll-up (no horizon) the triggers
mark nothing; they wait for a running first roll-up (its row lock) so that nothing slips between the two.
"""
from __future__ import annotations

import logging
import time
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

INSTANT_CASE_TYPE = "1"

# A day's events, one SELECT per kind: (day, kind, item_ids, section_id, officer_ids) per event, grouped below.
_ITEMS = ("(SELECT coalesce(array_agg(ai.item_id ORDER BY ai.item_id), '{{}}') FROM applications_applicationitem ai "
          "WHERE ai.application_id = {app})")
_ONE = "CASE WHEN {col} IS NULL THEN '{{}}'::bigint[] ELSE ARRAY[{col}] END"

EVENTS_SQL = f"""
    SELECT (a.submitted_at AT TIME ZONE %(tz)s)::date AS day, 'received' AS kind, {_ITEMS.format(app='a.id')} AS item_ids,
           {_ONE.format(col='a.filed_by_id')} AS officer_ids
      FROM applications_application a WHERE a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s
    UNION ALL
    SELECT (a.accepted_at AT TIME ZONE %(tz)s)::date, 'accepted', {_ITEMS.format(app='a.id')},
           (SELECT coalesce(array_agg(DISTINCT oc.accepted_by_id) FILTER (WHERE oc.accepted_by_id IS NOT NULL), '{{}}')
              FROM approvals_approvalcase oc WHERE oc.application_id = a.id)
      FROM applications_application a WHERE a.accepted_at >= %(lo)s AND a.accepted_at < %(hi)s
    UNION ALL
    SELECT (n.issued_at AT TIME ZONE %(tz)s)::date,
           CASE n.kind WHEN 'refusal' THEN 'refused' ELSE n.kind END, {_ITEMS.format(app='n.application_id')},
           {_ONE.format(col='n.issued_by_id')}
      FROM approvals_notice n
     WHERE n.kind IN ('refusal', 'tolerance', 'commitment') AND n.issued_at >= %(lo)s AND n.issued_at < %(hi)s
    UNION ALL
    SELECT (r.requested_at AT TIME ZONE %(tz)s)::date, 'supplemented', {_ITEMS.format(app='r.application_id')},
           {_ONE.format(col='r.requested_by_id')}
      FROM applications_supplementrequest r WHERE r.requested_at >= %(lo)s AND r.requested_at < %(hi)s"""


def decisions_sql(calendar: str, where: str) -> str:
    """Per decided case (approved or denied) matching `where`: its item, section, officer, decision day, whether
    it was decided by its promised / statutory date, and the working days from acceptance to decision (NULL when
    the calendar CTE `days` does not reach the acceptance). `calendar` is the CTE body (workday_calendar_sql)
    spanning the acceptances of the chosen cases."""
    return f"""
        WITH done AS (
            SELECT c.item_id, c.section_id, c.decided_by_id, (c.decided_at AT TIME ZONE %(tz)s)::date AS decided_on,
                   (c.accepted_at AT TIME ZONE %(tz)s)::date AS accepted_on, c.promised_due_date, c.statutory_due_date
              FROM approvals_approvalcase c
             WHERE c.stage IN ('approved', 'denied') AND {where}
        ),
        days AS ({calendar})
        SELECT d.item_id, d.section_id, d.decided_by_id, d.decided_on,
               (d.decided_on <= d.promised_due_date)::int AS on_time_promised,
               (d.decided_on <= d.statutory_due_date)::int AS on_time_statutory,
               dd.ord - da.ord AS working_days
          FROM done d
          JOIN days dd ON dd.day = d.decided_on
          LEFT JOIN days da ON da.day = d.accepted_on"""


def workday_calendar_sql(first: str, last: str) -> str:
    """A CTE body: every date from `first` to `last` (SQL expressions) with its working-day ordinal (how many
    working days up to and including it). Working days between two dates = ordinal(later) - ordinal(earlier).
    Weekends are off and weekdays on unless portal.CalendarDay says otherwise (holidays, make-up days)."""
    return f"""
        SELECT g::date AS day,
               sum(CASE WHEN cd.kind = 'workday' THEN 1 WHEN cd.kind = 'holiday' THEN 0
                        WHEN extract(isodow FROM g) < 6 THEN 1 ELSE 0 END) OVER (ORDER BY g) AS ord
          FROM generate_series({first}::date, {last}::date, interval '1 day') g
          LEFT JOIN portal_calendarday cd ON cd.date = g::date"""


def _local_bounds(first: date | None, last: date):
    tz = timezone.get_current_timezone()
    from datetime import datetime, time as clock_time

    lo = timezone.make_aware(datetime.combine(first, clock_time.min), tz) if first else datetime(1970, 1, 1,
                                                                                                tzinfo=tz)
    hi = timezone.make_aware(datetime.combine(last + timedelta(days=1), clock_time.min), tz)
    return lo, hi


def horizon() -> date | None:
    """The last day the dashboards read from the roll-up (None: read everything live)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT least(h.rolled_through, (SELECT min(s.since) - 1 FROM approvals_dayfigurestale s))
              FROM approvals_dayfigurehorizon h WHERE h.id = 1""")
        row = cursor.fetchone()
    return row[0] if row else None


def roll_up(through: date | None = None) -> dict:
    """Count every day up to `through` (default: yesterday) that is not rolled up yet or was marked stale.
    Returns what it did: {"from": first day recomputed or None, "through": .., "rows": n, "seconds": s}."""
    through = through or timezone.localdate() - timedelta(days=1)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO approvals_dayfigurehorizon (id, time_zone) VALUES (1, %s) ON CONFLICT (id) DO "
                       "NOTHING", [settings.TIME_ZONE])
        cursor.execute("SELECT rolled_through FROM approvals_dayfigurehorizon WHERE id = 1 FOR UPDATE")
        rolled = cursor.fetchone()[0]
        cursor.execute("SELECT id, since FROM approvals_dayfigurestale")
        marks = cursor.fetchall()
        starts = [since for _id, since in marks] + ([rolled + timedelta(days=1)] if rolled else [])
        first = min(starts) if (rolled or marks) else None
        if first is not None and first > through:
            cursor.execute("DELETE FROM approvals_dayfigurestale WHERE id = ANY(%s)", [[pk for pk, _s in marks]])
            return {"from": None, "through": rolled, "rows": 0, "seconds": time.perf_counter() - started}
        lo, hi = _local_bounds(first, through)
        if first is None:
            cursor.execute("DELETE FROM approvals_dayfigure")
        else:
            cursor.execute("DELETE FROM approvals_dayfigure WHERE NOT month AND day >= %s", [first])
        params = {"lo": lo, "hi": hi, "tz": settings.TIME_ZONE}
        # Each figure twice: for every officer (officer_id NULL), and once per officer it is theirs by.
        cursor.execute(f"""
            WITH e AS MATERIALIZED ({EVENTS_SQL})
            INSERT INTO approvals_dayfigure (day, kind, item_ids, officer_id, count, on_time_promised,
                                             on_time_statutory, timed, working_days_sum)
            SELECT * FROM (
                SELECT day, kind, item_ids, NULL::bigint AS officer, count(*), 0, 0, 0, 0 FROM e
                 GROUP BY day, kind, item_ids
                UNION ALL
                SELECT day, kind, item_ids, o, count(*), 0, 0, 0, 0 FROM e, unnest(e.officer_ids) o
                 GROUP BY day, kind, item_ids, o) g
             -- stored in the order the dashboards read them: a period's rows for every officer lie together
             ORDER BY officer NULLS FIRST, day""", params)
        rows = cursor.rowcount
        calendar = workday_calendar_sql("(SELECT min(accepted_on) FROM done)", "%(last)s")
        cursor.execute(f"""
            WITH x AS MATERIALIZED ({decisions_sql(calendar, 'c.decided_at >= %(lo)s AND c.decided_at < %(hi)s')})
            INSERT INTO approvals_dayfigure (day, kind, item_ids, section_id, officer_id, count, on_time_promised,
                                             on_time_statutory, timed, working_days_sum, working_days_max)
            SELECT x.decided_on, 'decided', ARRAY[x.item_id], x.section_id, o.officer, count(*),
                   sum(x.on_time_promised), sum(x.on_time_statutory), count(x.working_days),
                   coalesce(sum(x.working_days), 0), max(x.working_days)
              FROM x CROSS JOIN LATERAL (VALUES (NULL::bigint, TRUE), (x.decided_by_id, FALSE)) o(officer, every)
             WHERE o.every OR o.officer IS NOT NULL
             GROUP BY x.decided_on, x.item_id, x.section_id, o.officer
             ORDER BY o.officer NULLS FIRST, x.decided_on""", {**params, "last": through})
        rows += cursor.rowcount
        # The months complete by `through`, from the month of the first day recomputed, summed from the day rows.
        month_from = first.replace(day=1) if first else date(1970, 1, 1)
        month_to = (through + timedelta(days=1)).replace(day=1)  # exclusive: the month `through` is in, unless it ends it
        cursor.execute("DELETE FROM approvals_dayfigure WHERE month AND day >= %s", [month_from])
        cursor.execute("""
            INSERT INTO approvals_dayfigure (month, day, kind, item_ids, section_id, officer_id, count, on_time_promised,
                                             on_time_statutory, timed, working_days_sum, working_days_max)
            SELECT TRUE, date_trunc('month', day::timestamp)::date AS first, kind, item_ids, section_id, officer_id,
                   sum(count), sum(on_time_promised), sum(on_time_statutory), sum(timed), sum(working_days_sum),
                   max(working_days_max)
              FROM approvals_dayfigure
             WHERE NOT month AND day >= %s AND day < %s
             GROUP BY 2, kind, item_ids, section_id, officer_id
             ORDER BY officer_id NULLS FIRST, 2""", [month_from, month_to])
        rows += cursor.rowcount
        cursor.execute("DELETE FROM approvals_dayfigurestale WHERE id = ANY(%s)", [[pk for pk, _s in marks]])
        cursor.execute("UPDATE approvals_dayfigurehorizon SET rolled_through = %s, time_zone = %s, rolled_at = now() "
                       "WHERE id = 1", [through, settings.TIME_ZONE])
    if first is None or (through - first).days > 31:
        with connection.cursor() as cursor:  # the planner's estimates after a large load (autovacuum comes later)
            cursor.execute("ANALYZE approvals_dayfigure")
    seconds = time.perf_counter() - started
    log.info("dashboard roll-up: %s..%s, %s rows, %.2f s", first, through, rows, seconds)
    return {"from": first, "through": through, "rows": rows, "seconds": seconds}
