"""The claim rates' roll-up of closed days (model HandoffDay; bookkeeping in portal/rollups.py; the trigger that
marks a changed day is in migration supervision/0004). selectors.claim_rates reads the same shape live for the days
after the horizon, so both halves count alike."""
from __future__ import annotations

from datetime import date

from django.conf import settings

from portal import rollups

KEY = "supervision.handoffs"

# Per department handoff: its department, item, whether and when (by its claim date) it was claimed, and its claim
# date while unclaimed. The dashboards' "overdue" and "waiting" compare that date with their own today.
HANDOFF_FACTS = """
    SELECT h.department_id, h.item_id, (h.created_at AT TIME ZONE %(tz)s)::date AS day, 1 AS pushed,
           (h.claimed_at IS NOT NULL)::int AS claimed,
           coalesce(((h.claimed_at AT TIME ZONE %(tz)s)::date <= h.claim_due_on)::int, 0) AS claimed_on_time,
           CASE WHEN h.claimed_at IS NULL THEN h.claim_due_on END AS unclaimed_due_on
      FROM supervision_handoff h
     WHERE h.department_id IS NOT NULL AND h.created_at >= %(lo)s AND h.created_at < %(hi)s"""


def compute(cursor, first: date | None, through: date, lo, hi) -> int:
    """portal.rollups' compute for KEY: day rows from `first` (None: all) to `through`, then month rows."""
    rollups.clear_days(cursor, "supervision_handoffday", first)
    cursor.execute(f"""
        INSERT INTO supervision_handoffday (month, day, department_id, item_id, unclaimed_due_on, pushed, claimed,
                                            claimed_on_time)
        SELECT FALSE, x.day, x.department_id, x.item_id, x.unclaimed_due_on, sum(x.pushed), sum(x.claimed),
               sum(x.claimed_on_time)
          FROM ({HANDOFF_FACTS}) x
         GROUP BY x.day, x.department_id, x.item_id, x.unclaimed_due_on ORDER BY x.day""",
                   {"lo": lo, "hi": hi, "tz": settings.TIME_ZONE})
    rows = cursor.rowcount
    rows += rollups.sum_months(cursor, "supervision_handoffday", first, through,
                               keys=["department_id", "item_id", "unclaimed_due_on"],
                               sums=["pushed", "claimed", "claimed_on_time"])
    rollups.analyze_after(cursor, "supervision_handoffday", first, through)
    return rows
