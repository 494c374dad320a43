"""A proposal for the workflow code (README "Benchmarks"), not run by `make bench`: the whole timer sweep
(update, in-portal messages, audit rows) as one SQL statement, timed in a rolled-back transaction on the bench
data next to the current services.sweep_timers, with and without the foreign-key indexes nothing reads. Run after bench/approvals_bench.py has built its database (dates: the day it was generated):

    PYTHONPATH=. DATABASE_URL=... .venv/bin/python bench/proposals/sweep_one_statement.py
"""
import sys
import time
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from bench import approvals_bench as b
b.setup_django(b.bench_database_url())
from datetime import date, timedelta
from django.db import connection, transaction
from approvals.services import _SWEEP_SQL, case_url, sweep_timers

due_part = _SWEEP_SQL.split("SELECT ch.id")[0].rstrip()  # the WITH due ..., changed AS (...) part
SQL = due_part + """,
info AS (
    SELECT ch.*, s.head_id, a.case_number
      FROM changed ch JOIN catalog_section s ON s.id = ch.section_id
      JOIN applications_application a ON a.id = ch.application_id
), events AS (
    SELECT i.id, i.case_number, i.assignee_id, i.head_id,
           CASE i.colour WHEN 0 THEN 'red' ELSE 'yellow' END || ':' || i.promised_due_date AS key,
           CASE i.colour WHEN 0 THEN %(red)s ELSE %(yellow)s END || '：' || i.case_number AS title,
           '承诺办结日期 ' || i.promised_due_date || '。' AS body
      FROM info i WHERE i.colour < i.old_colour
    UNION ALL
    SELECT i.id, i.case_number, i.assignee_id, i.head_id, 'alarm:' || i.statutory_due_date,
           '法定时限告警：' || i.case_number, '法定办结期限 ' || i.statutory_due_date || '，请立即处理。'
      FROM info i WHERE i.statutory_alarm AND NOT i.old_alarm
), notes AS (
    INSERT INTO portal_notification (recipient_id, title, body, url, dedupe_key, created_at)
    SELECT DISTINCT r.user_id, e.title, e.body, %(prefix)s || e.id || '/', 'approvals:case:' || e.id || ':' || e.key, now()
      FROM events e CROSS JOIN LATERAL (VALUES (coalesce(e.assignee_id, e.head_id)), (e.head_id)) r(user_id)
     WHERE r.user_id IS NOT NULL
    ON CONFLICT DO NOTHING RETURNING 1
), audit AS (
    INSERT INTO portal_auditevent (created_at, actor_name, actor_role, action, object_type, object_id, object_repr,
                                   from_state, to_state, opinion, data)
    SELECT now(), '系统', 'system', 'case_warning', 'approvals.approvalcase', e.id::text, e.case_number, '', '',
           e.title || '（' || e.body || '）', '{}'::jsonb FROM events e RETURNING 1
)
SELECT (SELECT count(*) FROM info), (SELECT count(*) FROM notes), (SELECT count(*) FROM audit)
"""
prefix = case_url(0)[:-2]
TODAY = date.fromisoformat(b.stored_meta(b.bench_database_url())["today"])
for label, day in (("daily", TODAY),):
    for variant in ("current", "one statement"):
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                if variant == "current":
                    n = (sweep_timers(today=day),)
                else:
                    with connection.cursor() as c:
                        c.execute(SQL, {"today": day, "red": "红色预警", "yellow": "黄色预警", "prefix": prefix})
                        n = c.fetchone()
                dt = time.perf_counter() - t0
                print(f"{label:12} {variant:14} {n} {dt:.2f} s", flush=True)
                raise b._Rollback
        except b._Rollback:
            pass
        with connection.cursor() as c:
            c.execute("VACUUM approvals_approvalcase")

print("--- without the unused foreign-key indexes (dropped inside the rolled-back transaction) ---")
FK = ["approvals_approvalcase_item_id_7149ed9e", "approvals_approvalcase_item_version_id_4c04d736",
      "approvals_approvalcase_accepted_by_id_a717aca5", "approvals_approvalcase_decided_by_id_d40fecff",
      "approvals_approvalcase_legal_reviewer_id_6d512e1a", "approvals_approvalcase_reviewer_id_e660f2be",
      "approvals_approvalcase_section_id_05446955", "approvals_approvalcase_assignee_id_5b69f197"]
for label, day in (("daily", TODAY),):
    for variant in ("current", "one statement"):
        try:
            with transaction.atomic():
                with connection.cursor() as c:
                    for name in FK:
                        c.execute(f"DROP INDEX {name}")
                t0 = time.perf_counter()
                if variant == "current":
                    n = (sweep_timers(today=day),)
                else:
                    with connection.cursor() as c:
                        c.execute(SQL, {"today": day, "red": "红色预警", "yellow": "黄色预警", "prefix": prefix})
                        n = c.fetchone()
                dt = time.perf_counter() - t0
                print(f"{label:12} {variant:14} {n} {dt:.2f} s", flush=True)
                raise b._Rollback
        except b._Rollback:
            pass
        with connection.cursor() as c:
            c.execute("VACUUM approvals_approvalcase")
