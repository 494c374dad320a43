"""The dashboards' roll-up of closed days for intake and timeliness (portal/rollups.py keeps the bookkeeping; the
table is approvals.DayFigure, the triggers that mark a changed day are in migration approvals/0017).

A year's dashboard used to count every event of the year from the source tables: 640,000 index entries for the
intake table and every decision of the year joined to a generated calendar, at 1,000,000 cases. `compute` counts each
day once: the intake events (received, accepted, refused, 容缺, 告知承诺, supplement requests) per day, kind, set of
items and officer, and the decisions per day, item, section and officer with the sums the timeliness table needs;
then it sums every complete month into month rows. selectors.py reads the same SQL shapes live for the days after
the horizon, so both halves count alike.
"""
from __future__ import annotations

from datetime import date

from django.conf import settings

from portal import rollups

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


KEY = "approvals.dashboard"


def compute(cursor, first: date | None, through: date, lo, hi) -> int:
    """portal.rollups' compute for KEY: the day rows from `first` (None: all) to `through`, then the month rows of the
    months complete by `through` from the month of `first`. Each figure twice: for every officer (officer_id NULL)
    and once per officer it is theirs by; rows stored in the order the dashboards read them."""
    rollups.clear_days(cursor, "approvals_dayfigure", first)
    params = {"lo": lo, "hi": hi, "tz": settings.TIME_ZONE}
    cursor.execute(f"""
        WITH e AS MATERIALIZED ({EVENTS_SQL})
        INSERT INTO approvals_dayfigure (day, kind, item_ids, officer_id, count, on_time_promised, on_time_statutory,
                                         timed, working_days_sum)
        SELECT * FROM (
            SELECT day, kind, item_ids, NULL::bigint AS officer, count(*), 0, 0, 0, 0 FROM e GROUP BY day, kind, item_ids
            UNION ALL
            SELECT day, kind, item_ids, o, count(*), 0, 0, 0, 0 FROM e, unnest(e.officer_ids) o
             GROUP BY day, kind, item_ids, o) g
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
    rows += rollups.sum_months(
        cursor, "approvals_dayfigure", first, through, keys=["kind", "item_ids", "section_id", "officer_id"],
        sums=["count", "on_time_promised", "on_time_statutory", "timed", "working_days_sum"],
        maxima=("working_days_max",), order="officer_id NULLS FIRST")
    rollups.analyze_after(cursor, "approvals_dayfigure", first, through)
    return rows
