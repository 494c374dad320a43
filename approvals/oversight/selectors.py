"""The case and intake figures of the dashboards, aggregated in SQL (one statement per table, no Python loop over
cases); providers.py shapes them into the kernel's sections (portal/oversight.py).

Counting rules (each figure's test in tests/test_oversight.py computes them by hand):
- 收件 (received): applications first submitted in the period (`submitted_at`); officer = who filed it (a walk-in's
  clerk).
- 受理 (accepted): applications accepted in the period (`accepted_at`, deemed acceptance included); officer = the
  clerk who accepted (the cases' `accepted_by`).
- 不予受理 / 容缺受理 / 告知承诺受理: the written notices of that kind issued in the period; officer = the signer.
- 补正 (supplement requested): the supplement notices (一次性告知) given in the period; officer = who asked.
- 办结 (completed): approval cases decided (approved or denied) in the period (`decided_at`); 即办件 among them by the
  item's case type; officer = who decided.
- Section, item and department narrow every figure: a case by its own section and item, an application by its
  items'; the department is the item's competent department (主管部门).
- Working days taken: from the acceptance date to the decision date by the working-day calendar (weekends and
  the holidays of portal.CalendarDay off, its make-up days on; the first day not counted): the difference of the
  two dates' working-day ordinals, computed in SQL over a generated calendar of the dates concerned.
- On time: decided on or before the case's promised (承诺) / statutory (法定) due date (both stored on the case,
  extensions and suspensions already counted in them).
- Warnings (today, by the portal clock): overdue (red) when `red_from` <= today, yellow when `yellow_from` <= today <
  `red_from`, statutory alarm when `statutory_alarm_from` <= today: the timer days, not a stored colour, so the
  figures never wait for a sweep. Suspended cases have no timers (their clock is stopped).

Intake and timeliness read the days up to the roll-up's horizon from approvals.DayFigure (rollup.py, bookkeeping in
portal/rollups.py) and the days after it from the source rows, in one statement; both halves count by the rules
above (tests/test_oversight.py runs every figure both ways).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from approvals.oversight import rollup
from approvals.oversight.rollup import decisions_sql, workday_calendar_sql
from portal import rollups
from portal.oversight import Filters

CLOSED = ("approved", "denied", "withdrawn", "terminated")
INSTANT_CASE_TYPE = "1"


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _params(filters: Filters, **extra) -> dict:
    start, end = filters.bounds()
    return {"s": start, "e": end, "tz": settings.TIME_ZONE, "section": filters.section_id, "item": filters.item_id,
            "dept": filters.department_id, "officer": filters.officer_id, "today": filters.today or timezone.localdate(),
            "scope_items": scope_item_ids(filters), **extra}


def scope_item_ids(filters: Filters) -> list[int] | None:
    """The catalogue items the section / item / department filters leave (None: no such filter). An application
    is in scope when one of its items is one of these: looked up per application through the (application, item)
    unique index, where joining the catalogue made PostgreSQL hash every application item of the section ever
    filed (241,501 rows, three times per dashboard, at 1,000,000 cases)."""
    if filters.section_id is None and filters.item_id is None and filters.department_id is None:
        return None
    from catalog.models import Item

    items = Item.objects.all()
    if filters.section_id is not None:
        items = items.filter(section_id=filters.section_id)
    if filters.item_id is not None:
        items = items.filter(pk=filters.item_id)
    if filters.department_id is not None:
        items = items.filter(competent_department_id=filters.department_id)
    return list(items.values_list("pk", flat=True))


def case_scope(filters: Filters, alias: str = "c") -> str:
    """SQL conditions (AND ...) narrowing approval cases to the filters' section, item and department."""
    out = []
    if filters.section_id is not None:
        out.append(f"{alias}.section_id = %(section)s")
    if filters.item_id is not None:
        out.append(f"{alias}.item_id = %(item)s")
    if filters.department_id is not None:
        out.append(f"EXISTS (SELECT 1 FROM catalog_item si WHERE si.id = {alias}.item_id "
                   f"AND si.competent_department_id = %(dept)s)")
    return "".join(f" AND {c}" for c in out)


def application_scope(filters: Filters, alias: str = "a", *, id_column: str | None = None) -> str:
    """The same for applications: one of their items matches. `id_column` names the application id where the
    row is not an application (a notice's or a supplement request's application_id: no join needed)."""
    if filters.section_id is None and filters.item_id is None and filters.department_id is None:
        return ""
    return (f" AND EXISTS (SELECT 1 FROM applications_applicationitem ai "
            f"WHERE ai.application_id = {id_column or alias + '.id'} AND ai.item_id = ANY(%(scope_items)s))")


def working_days_between(first: date, last: date) -> int:
    """Working days after `first` up to and including `last`, counted by the SQL calendar (used by the tests to
    check the SQL against portal.clock)."""
    rows = _fetch(f"WITH days AS ({workday_calendar_sql('%(a)s', '%(b)s')}) "
                  "SELECT max(ord) - min(ord) FROM days WHERE day IN (%(a)s, %(b)s)", {"a": first, "b": last})
    return int(rows[0][0] or 0)


# --- intake and completion per period -------------------------------------------------------------------------------

KINDS = ("received", "accepted", "refused", "supplemented", "tolerance", "commitment", "completed", "instant")


def _unit(filters: Filters) -> str:
    return "day" if filters.days <= 62 else "month"


def _split(filters: Filters) -> rollups.Split:
    return rollups.split(rollup.KEY, filters.start, filters.end)


def _live_params(filters: Filters, cut: rollups.Split, *, months: bool = True, **extra) -> dict:
    """The filters' parameters with the live part's lower bound as %(s)s and the rolled part's day and month
    ranges (portal.rollups.day_ranges; no month rows when `months` is False, for per-day buckets)."""
    params = _params(filters, **extra)
    if cut.live_from is not None:
        params["s"] = replace(filters, start=cut.live_from).bounds()[0]
    if cut.rolled_until is not None:
        params.update(rollups.day_ranges(filters.start, cut.rolled_until, months=months))
    return params


ROLLED_DAYS = rollups.ROLLED_DAYS.format(f="f")


def rolled_scope(filters: Filters, alias: str = "f", item: str = "i") -> str:
    """The section / item / department and officer filters on DayFigure rows: a decision by its case's section and
    item (as case_scope), an application event by its items (as application_scope); `item` is the catalogue item
    joined to decisions (for the department)."""
    out = []
    if filters.section_id is not None or filters.item_id is not None or filters.department_id is not None:
        case = []
        if filters.section_id is not None:
            case.append(f"{alias}.section_id = %(section)s")
        if filters.item_id is not None:
            case.append(f"{alias}.item_ids[1] = %(item)s")
        if filters.department_id is not None:
            case.append(f"{item}.competent_department_id = %(dept)s")
        out.append(f"CASE WHEN {alias}.kind = 'decided' THEN {' AND '.join(case)} "
                   f"ELSE {alias}.item_ids && %(scope_items)s::bigint[] END")
    out.append(f"{alias}.officer_id = %(officer)s" if filters.officer_id is not None else f"{alias}.officer_id IS NULL")
    return "".join(f" AND {c}" for c in out)


def intake_counts(filters: Filters) -> tuple[str, list[tuple[date, dict[str, int]]], dict[str, int]]:
    """(unit, [(bucket, {kind: n})], totals) for the period, in one statement: the days up to the roll-up's
    horizon from DayFigure, the days after it (normally today) from the source rows."""
    unit = _unit(filters)
    cut = _split(filters)
    parts = []
    if cut.rolled_until is not None:
        parts.append(f"""
            SELECT date_trunc(%(unit)s, f.day::timestamp)::date AS bucket,
                   CASE WHEN f.kind <> 'decided' THEN f.kind WHEN i.case_type = '{INSTANT_CASE_TYPE}' THEN 'instant'
                        ELSE 'completed' END AS kind, f.count AS n
              FROM approvals_dayfigure f LEFT JOIN catalog_item i ON f.kind = 'decided' AND i.id = f.item_ids[1]
             WHERE {ROLLED_DAYS} {rolled_scope(filters)}""")
    if cut.live_from is not None:
        parts.append(f"SELECT bucket, kind, 1 FROM ({_live_events(filters)}) live")
    if not parts:
        return unit, [], dict.fromkeys(KINDS, 0)
    sql = f"SELECT bucket, kind, sum(n) FROM ({' UNION ALL '.join(parts)}) events(bucket, kind, n) " \
          "GROUP BY bucket, kind ORDER BY bucket"
    per: dict[date, dict[str, int]] = {}
    params = _live_params(filters, cut, months=unit == "month", unit=unit)
    for day, kind, n in _fetch(sql, params):
        per.setdefault(day, dict.fromkeys(KINDS, 0))[kind] = int(n)
    for row in per.values():  # 即办件 are completed cases too
        row["completed"] += row["instant"]
    totals = {k: sum(row[k] for row in per.values()) for k in KINDS}
    return unit, sorted(per.items()), totals


def _live_events(filters: Filters) -> str:
    """Every intake event and decision from %(s)s to %(e)s as (kind, bucket) rows, read from the source tables."""
    officer = filters.officer_id is not None
    apps, cases = application_scope(filters), case_scope(filters)
    # Notices and supplement requests carry their application's id: narrowed by it, never joined to the
    # applications (the join cost more than the count itself over a year).
    notice_apps, request_apps = (application_scope(filters, id_column="n.application_id"),
                                 application_scope(filters, id_column="r.application_id"))
    bucket = "date_trunc(%(unit)s, {col} AT TIME ZONE %(tz)s)::date"
    notices = " UNION ALL ".join(f"""
        SELECT {bucket.format(col='n.issued_at')}, '{label}' FROM approvals_notice n
         WHERE n.kind = '{kind}' AND n.issued_at >= %(s)s AND n.issued_at < %(e)s {notice_apps}
               {'AND n.issued_by_id = %(officer)s' if officer else ''}"""
                                 for label, kind in (("refused", "refusal"), ("tolerance", "tolerance"),
                                                     ("commitment", "commitment")))
    return f"""
            SELECT {bucket.format(col='a.submitted_at')} AS bucket, 'received' AS kind
              FROM applications_application a
             WHERE a.submitted_at >= %(s)s AND a.submitted_at < %(e)s {apps}
                   {'AND a.filed_by_id = %(officer)s' if officer else ''}
            UNION ALL
            SELECT {bucket.format(col='a.accepted_at')}, 'accepted' FROM applications_application a
             WHERE a.accepted_at >= %(s)s AND a.accepted_at < %(e)s {apps}
                   {'AND EXISTS (SELECT 1 FROM approvals_approvalcase oc WHERE oc.application_id = a.id '
                    'AND oc.accepted_by_id = %(officer)s)' if officer else ''}
            UNION ALL {notices}
            UNION ALL
            SELECT {bucket.format(col='r.requested_at')}, 'supplemented' FROM applications_supplementrequest r
             WHERE r.requested_at >= %(s)s AND r.requested_at < %(e)s {request_apps}
                   {'AND r.requested_by_id = %(officer)s' if officer else ''}
            UNION ALL
            SELECT {bucket.format(col='c.decided_at')},
                   CASE WHEN i.case_type = '{INSTANT_CASE_TYPE}' THEN 'instant' ELSE 'completed' END
              FROM approvals_approvalcase c JOIN catalog_item i ON i.id = c.item_id
             WHERE c.stage IN ('approved', 'denied') AND c.decided_at >= %(s)s AND c.decided_at < %(e)s {cases}
                   {'AND c.decided_by_id = %(officer)s' if officer else ''}"""


# --- timeliness: on-time rates and working days taken ------------------------------------------------------------------


@dataclass
class Timeliness:
    level: str  # "item", "section", "total"
    key: int | None
    name: str
    statutory_limit: int | None
    promised_limit: int | None
    completed: int
    on_time_promised: int
    on_time_statutory: int
    avg_working_days: float | None
    max_working_days: int | None


def timeliness(filters: Filters, *, names: bool = True) -> list[Timeliness]:
    """Per item, per section and overall (GROUPING SETS, one statement): cases decided in the period, how many by
    their promised and statutory dates, and the working days taken from acceptance to decision. The days up to
    the roll-up's horizon are read from DayFigure's sums, the days after it case by case."""
    cut = _split(filters)
    parts = []
    if cut.rolled_until is not None:
        parts.append(f"""
            SELECT f.item_ids[1], f.section_id, f.count, f.on_time_promised, f.on_time_statutory, f.timed,
                   f.working_days_sum, f.working_days_max
              FROM approvals_dayfigure f
              {'JOIN catalog_item i ON i.id = f.item_ids[1]' if filters.department_id is not None else ''}
             WHERE f.kind = 'decided' AND {ROLLED_DAYS} {rolled_scope(filters)}""")
    if cut.live_from is not None:
        where = (f"c.decided_at >= %(s)s AND c.decided_at < %(e)s {case_scope(filters)} "
                 f"{'AND c.decided_by_id = %(officer)s' if filters.officer_id is not None else ''}")
        calendar = workday_calendar_sql("(SELECT min(accepted_on) FROM done)", "%(hi)s")
        parts.append(f"""
            SELECT x.item_id, x.section_id, 1, x.on_time_promised, x.on_time_statutory,
                   (x.working_days IS NOT NULL)::int, coalesce(x.working_days, 0), x.working_days
              FROM ({decisions_sql(calendar, where)}) x""")
    if not parts:
        return []
    sql = f"""
        SELECT CASE WHEN GROUPING(d.item_id) = 0 THEN 'item' WHEN GROUPING(d.section_id) = 0 THEN 'section'
                    ELSE 'total' END AS level,
               coalesce(d.item_id, d.section_id) AS key,
               sum(d.n), sum(d.on_time_promised), sum(d.on_time_statutory),
               sum(d.working_days_sum)::numeric / nullif(sum(d.timed), 0), max(d.working_days_max)
          FROM ({' UNION ALL '.join(parts)}) d(item_id, section_id, n, on_time_promised, on_time_statutory, timed,
                                               working_days_sum, working_days_max)
         GROUP BY GROUPING SETS ((d.item_id), (d.section_id), ())"""
    rows = [(level, key, int(n or 0), int(prom or 0), int(stat or 0), avg, longest)
            for level, key, n, prom, stat, avg, longest in
            _fetch(sql, _live_params(filters, cut, hi=filters.end))]
    item_ids = [r[1] for r in rows if r[0] == "item"] if names else []
    section_ids = [r[1] for r in rows if r[0] == "section"] if names else []
    from catalog.models import Item, Section

    items = {i["id"]: i for i in Item.objects.filter(id__in=item_ids).values("id", "name", "statutory_limit",
                                                                               "promised_limit")}
    sections = dict(Section.objects.filter(id__in=section_ids).values_list("id", "name"))
    out = []
    for level, key, completed, prom, stat, avg, longest in rows:
        if level == "total" and not completed:
            continue
        item = items.get(key, {}) if level == "item" else {}
        name = item.get("name", "") if level == "item" else sections.get(key, "") if level == "section" else ""
        out.append(Timeliness(level, key, name, item.get("statutory_limit"), item.get("promised_limit"), completed,
                              prom, stat, float(avg) if avg is not None else None, longest))
    order = {"item": 0, "section": 1, "total": 2}
    out.sort(key=lambda t: (order[t.level], -t.completed, t.name))
    return out


# --- warnings (today) ------------------------------------------------------------------------------------------------


def warning_counts(filters: Filters) -> list[tuple]:
    """Per section and overall (ROLLUP): (section_id, section name, red, yellow, statutory alarm, statutory
    overdue, suspended, open) of the open cases today."""
    # Counted from the covering index (approvalcase_open_timer_cover) first, the sections' names joined after.
    sql = f"""
        SELECT x.section_id, s.name, x.red, x.yellow, x.alarm, x.statutory_over, x.suspended, x.open FROM (
            SELECT c.section_id,
                   count(*) FILTER (WHERE c.red_from <= %(today)s) AS red,
                   count(*) FILTER (WHERE c.yellow_from <= %(today)s AND c.red_from > %(today)s) AS yellow,
                   count(*) FILTER (WHERE c.statutory_alarm_from <= %(today)s) AS alarm,
                   count(*) FILTER (WHERE c.suspended_since IS NULL AND c.statutory_due_date < %(today)s)
                       AS statutory_over,
                   count(*) FILTER (WHERE c.suspended_since IS NOT NULL) AS suspended,
                   count(*) AS open
              FROM approvals_approvalcase c
             WHERE c.stage NOT IN {CLOSED} {case_scope(filters)}
                   {'AND c.assignee_id = %(officer)s' if filters.officer_id is not None else ''}
             GROUP BY ROLLUP (c.section_id)) x
          LEFT JOIN catalog_section s ON s.id = x.section_id
         ORDER BY x.section_id NULLS LAST"""
    return _fetch(sql, _params(filters))


WARNING_LISTS = {
    "overdue": "c.red_from <= %(today)s",
    "yellow": "c.yellow_from <= %(today)s AND c.red_from > %(today)s",
    "statutory": "c.statutory_alarm_from <= %(today)s",
}


def warning_list(filters: Filters, which: str, *, count: bool = True) -> tuple[int | None, list[tuple]]:
    """(how many, the first `row_limit` rows) of one warning list, the earliest promised date first:
    (case number, item, section, stage, holder, accepted on, promised date, statutory date, working days past
    (+) or left (-) of the promised date). `count=False` leaves the count out (None): the dashboards have it from
    warning_counts, and counting every match would read them all before the LIMIT."""
    condition = WARNING_LISTS[which]
    sql = f"""
        WITH days AS ({workday_calendar_sql('%(lo)s', '%(hi)s')}),
        chosen AS (
            SELECT c.id, c.application_id, c.item_id, c.section_id, c.stage, c.assignee_id, c.accepted_at,
                   c.promised_due_date, c.statutory_due_date, {'count(*) OVER ()' if count else 'NULL::bigint'} AS total
              FROM approvals_approvalcase c
             WHERE c.stage NOT IN {CLOSED} AND {condition} {case_scope(filters)}
                   {'AND c.assignee_id = %(officer)s' if filters.officer_id is not None else ''}
             ORDER BY c.promised_due_date, c.id LIMIT %(limit)s
        )
        SELECT ch.total, a.case_number, i.name, s.name, ch.stage, coalesce(nullif(u.real_name, ''), u.username),
               (ch.accepted_at AT TIME ZONE %(tz)s)::date, ch.promised_due_date, ch.statutory_due_date,
               t.ord - p.ord
          FROM chosen ch
          JOIN applications_application a ON a.id = ch.application_id
          JOIN catalog_item i ON i.id = ch.item_id
          JOIN catalog_section s ON s.id = ch.section_id
          LEFT JOIN portal_user u ON u.id = ch.assignee_id
          LEFT JOIN days t ON t.day = %(today)s
          LEFT JOIN days p ON p.day = ch.promised_due_date
         ORDER BY ch.promised_due_date, ch.id"""
    today = filters.today or timezone.localdate()
    rows = _fetch(sql, _params(filters, limit=filters.row_limit, lo=today - timedelta(days=400),
                               hi=today + timedelta(days=400)))
    total = (rows[0][0] if rows else 0) if count else None
    return total, [r[1:] for r in rows]


# --- the hall: today --------------------------------------------------------------------------------------------------


def waiting_for_intake() -> int:
    return _fetch("SELECT count(*) FROM applications_application WHERE status = 'submitted'", {})[0][0]


def window_queues() -> list[tuple]:
    """Applications waiting for intake now, per window of their items: (window code, name, waiting, claimed by a
    clerk); applications whose items name no window are counted on 综合窗口 (code "")."""
    return _fetch("""
        WITH waiting AS (
            SELECT a.id, EXISTS (SELECT 1 FROM approvals_intakeclaim ic WHERE ic.application_id = a.id) AS claimed
              FROM applications_application a WHERE a.status = 'submitted'
        ), placed AS (
            SELECT DISTINCT w.id AS wid, coalesce(w.code, '') AS code, coalesce(w.name, '') AS name, q.id, q.claimed
              FROM waiting q
              JOIN applications_applicationitem ai ON ai.application_id = q.id
              LEFT JOIN catalog_item_windows iw ON iw.item_id = ai.item_id
              LEFT JOIN catalog_window w ON w.id = iw.window_id
        )
        SELECT code, max(name), count(DISTINCT id), count(DISTINCT id) FILTER (WHERE claimed)
          FROM placed GROUP BY wid, code ORDER BY code = '', code""", {})


def clerk_claims() -> list[tuple]:
    """Applications each clerk has claimed and not yet decided on at intake: (clerk, n)."""
    return _fetch("""
        SELECT coalesce(nullif(u.real_name, ''), u.username), count(*)
          FROM approvals_intakeclaim ic
          JOIN applications_application a ON a.id = ic.application_id AND a.status = 'submitted'
          JOIN portal_user u ON u.id = ic.clerk_id
         GROUP BY u.id ORDER BY count(*) DESC, 1""", {})
