#!/usr/bin/env python
"""Benchmark of the staged approval workflow (issue 5, point 11).

    make bench                                       # 1,000,000 cases, 100,000 open, 16 users
    PYTHONPATH=. DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow \\
        .venv/bin/python bench/approvals_bench.py --cases 100000 --open 10000

1. Data. In its own database (the server of DATABASE_URL, database `onewindow_bench`; BENCH_DATABASE_URL to
   choose another), never the one DATABASE_URL names; as the schema owner (DATABASE_OWNER_URL) when one is
   given, since the bench creates databases and scratch tables and vacuums: migrate, the demo catalogue and
   accounts, bench staff
   (a head and officers per section, clerks, legal reviewers), then set-based SQL (INSERT ... SELECT over
   generate_series, no ORM row by row) for applicants, applications with their items, and approval cases:
   `--open` open cases spread over the stages, sections, holders and due dates around today (so some are
   yellow and red: the colours are derived from the timer days when read), the rest closed over the past five years.
   Due dates and timer days come from the portal's own working-day calendar. ANALYZE at the end. The data is
   reused by the next run with the same --cases/--open (--fresh rebuilds it).
   The applicant side (issue 14): the online filers' accounts (~210 applications each at 1,000,000 cases)
   represent applicants, every fourth is an agent filing with consents, one application in eight had a
   supplement notice, and a few hundred submitted applications wait in the intake queue.
2. Figures, over loopback against a real gunicorn on a free port (DEBUG off, 2 x CPUs + 1 sync workers) that
   serves the portal's URLs plus a minimal view (bench/web/: one indexed query, 20 rows, a plain template):
   the minimal view first and last, then 我的办件, the application detail, the guide index, an item's guide page,
   the guide search, the officer's case page, the intake queue, the officers' queue page and take-next, each
   for 16 users with real sessions, with think time (a new connection per request) and then back to back;
   p50/p95, and throughput as a share of the minimal view's (a ratio survives a noisy machine). Without the
   officers' pages the queue and take-next run in-process (selectors/services on 16 threads, said so). The
   timer sweep (time and SQL statement count, in a rolled-back transaction) on the first working day from the
   data's day (printed), on a 10x smaller open set, and a week of sweeps missed.
3. A summary table; targets (我的办件 and detail p95 < 50 ms with think time, queue p95 < 50 ms, sweep < 1 s,
   constant statements) are reported, not asserted: the exit status is non-zero only on errors.
"""
from __future__ import annotations

import argparse
import os
import platform
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "onewindow_bench"
META_TABLE = "bench_meta"
OFFICERS_PER_SECTION = 8
CLERKS = 10
LEGAL_REVIEWERS = 3
FILERS = 2000  # online applicants' accounts (window applications are filed by clerks)
PAGE_SIZE = 20
APPLICANT_SIDE = "3"  # version of what _applicant_side() adds (a stored database without it is rebuilt)
AGENT_EVERY = 4  # every 4th online filer is an agent (代办员) filing with its clients' recorded consents

TARGET_QUEUE_P95_MS = 50.0
TARGET_SWEEP_S = 1.0


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- the bench database ------------------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def bench_database_url() -> str:
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = (os.environ.get("DATABASE_OWNER_URL") or os.environ.get("DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/onewindow")
    return with_database(base, BENCH_DATABASE)


def _server_url(url: str) -> str:
    return with_database(url, "postgres")


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def stored_meta(url: str) -> dict[str, str] | None:
    """What the bench database holds (None: no database, or no finished generation in it)."""
    import psycopg

    name = _database_name(url)
    with psycopg.connect(_server_url(url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            return None
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass(%s)", [META_TABLE]).fetchone()[0] is None:
            return None
        return dict(conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall())


def recreate_database(url: str) -> None:
    """Drop and create the bench database (only ever the bench's own)."""
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    if name in ("", "postgres", "template0", "template1", "onewindow") or "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the bench only drops a database whose name says bench")
    with psycopg.connect(_server_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    say(f"created database {name}")


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the bench only drops a database whose name says bench")
    with psycopg.connect(_server_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    say(f"dropped database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(24))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


# --- generation ----------------------------------------------------------------------------------------------------


@dataclass
class Staff:
    officers: dict[int, list[int]]  # section id -> user ids (OFFICERS_PER_SECTION each)
    heads: dict[int, int]
    clerks: list[int]
    legal: list[int]
    leader: int


def ensure_staff() -> Staff:
    """Bench staff in every section: a head and officers; window clerks; legal reviewers; a leader."""
    from catalog.models import Section
    from portal.models import User
    from portal.roles import Role
    from portal.services import ensure_role_groups

    ensure_role_groups()
    from django.contrib.auth.models import Group

    groups = {g.name: g for g in Group.objects.all()}

    serial = iter(range(1, 1000))

    def user(username: str, real_name: str, *roles: Role) -> User:
        # Staff have a mobile and an e-mail address, so warnings are copied to their SMS/e-mail channels too.
        contact = {"real_name": real_name, "mobile": f"1990000{next(serial):04d}",
                   "email": f"{username}@bench.example"}
        person, created = User.objects.get_or_create(username=username, defaults=contact)
        if created:
            person.set_unusable_password()
            person.save(update_fields=["password"])
        elif (person.mobile, person.email) != (contact["mobile"], contact["email"]):
            person.mobile, person.email = contact["mobile"], contact["email"]
            person.save(update_fields=["mobile", "email"])
        person.groups.add(*(groups[r.value] for r in roles))
        return person

    officers, heads = {}, {}
    for section in Section.objects.order_by("code"):
        head = user(f"bench_{section.code.lower()}_head", f"{section.name}负责人", Role.SECTION_HEAD,
                    Role.APPROVAL_OFFICER)
        members = [user(f"bench_{section.code.lower()}_{j}", f"{section.name}审批员{j}", Role.APPROVAL_OFFICER)
                   for j in range(1, OFFICERS_PER_SECTION + 1)]
        section.members.add(head, *members)
        if section.head_id != head.pk:
            section.head = head
            section.save(update_fields=["head"])
        officers[section.pk] = [m.pk for m in members]
        heads[section.pk] = head.pk
    clerks = [user(f"bench_clerk_{j}", f"窗口受理员{j}", Role.WINDOW_CLERK).pk for j in range(1, CLERKS + 1)]
    legal = [user(f"bench_legal_{j}", f"法制审核员{j}", Role.LEGAL_REVIEWER).pk for j in range(1, LEGAL_REVIEWERS + 1)]
    leader = user("bench_leader", "分管局领导", Role.BUREAU_LEADER).pk
    return Staff(officers, heads, clerks, legal, leader)


def _working_days(today: date, back_days: int, ahead_days: int) -> tuple[list[date], int]:
    """Working days of the portal calendar around today, and the index of the last one on or before today."""
    from portal import clock

    calendar = clock.work_calendar()
    days, today_idx = [], -1
    day = today - timedelta(days=back_days)
    while day <= today + timedelta(days=ahead_days):
        if calendar.is_working_day(day):
            days.append(day)
            if day <= today:
                today_idx = len(days) - 1
        day += timedelta(days=1)
    return days, today_idx


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅志鹏辉斌宇浩凯健俊帆"
FIRMS = ["宝塔", "延河", "枣园", "杨家岭", "南泥湾", "清凉山", "凤凰山", "万花", "桥沟", "柳林",
         "河庄坪", "李渠", "川口", "临镇", "姚店", "甘谷驿", "青化砭", "蟠龙", "冯庄", "麻洞川"]
TRADES = ["餐饮管理", "商贸", "建筑工程", "物流", "医药", "教育咨询", "文化传媒", "农业科技", "食品", "酒店管理"]
STREETS = ["二道街", "中心街", "南关街", "北关街", "东关大街", "百米大道", "枣园路", "延河大道", "圣地路", "宝塔山路"]


def _as_owner(function):
    """Data set-up is the schema owner's work (scratch tables, setval, VACUUM): switch to the owner role when the
    connection is the app's (portal/dbroles.py; nothing changes with a single role)."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from portal import dbroles

        with dbroles.as_owner():
            return function(*args, **kwargs)

    return wrapper


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


@_as_owner
def generate(cases: int, open_cases: int, today: date, out=say) -> dict[str, int]:
    """Fill the database with `cases` approval cases (`open_cases` open) and everything they hang on.

    Set-based: a plan table of one row per case (item, bundle, stage, holder, dates), then one INSERT ... SELECT
    per table. Returns the row counts."""
    from django.db import connection, transaction

    from catalog import demo as catalog_demo
    from portal import demo as portal_demo

    if not 0 <= open_cases <= cases:
        raise SystemExit("--open must be between 0 and --cases")
    started = time.perf_counter()
    portal_demo.load()
    catalog_demo.load(with_forms=False)
    staff = ensure_staff()
    out(f"reference data (demo catalogue, demo accounts, bench staff): {time.perf_counter() - started:.1f} s")

    days, t_idx = _working_days(today, back_days=6 * 366, ahead_days=400)
    closed_lo, closed_hi = t_idx - 5 * 245, t_idx - 45  # closed cases: accepted over five years, up to ~2 months ago
    persons = max(50, cases // 4)
    yesterday = today - timedelta(days=1)
    nclosed = cases - open_cases
    step = time.perf_counter()

    def run(label: str, sql: str, params=None) -> int:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        out(f"  {label}: {count if count >= 0 else ''} ({time.perf_counter() - t0:.1f} s)")
        return count

    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # random() in a fixed order: repeatable
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT setseed(0.2026)")
        cursor.execute("DROP TABLE IF EXISTS bench_wd, bench_item, bench_bundle, bench_officer, bench_case, "
                       "bench_app, bench_plan, bench_app_due")
        cursor.execute("CREATE UNLOGGED TABLE bench_wd (idx int PRIMARY KEY, day date NOT NULL)")
        cursor.execute("INSERT INTO bench_wd SELECT * FROM unnest(%s::int[], %s::date[])",
                       [list(range(len(days))), days])
        cursor.execute("""
            CREATE UNLOGGED TABLE bench_item AS
            SELECT (row_number() OVER (ORDER BY i.sort_order, i.id) - 1)::int AS k, i.id AS item_id,
                   l.version_id, i.section_id, (v.snapshot->>'statutory_limit')::int AS stat,
                   (v.snapshot->>'promised_limit')::int AS prom,
                   coalesce((v.snapshot->>'inspection_required')::boolean, false) AS insp,
                   coalesce((v.snapshot->>'legal_review_required')::boolean, false) AS legal,
                   i.implementation_code AS code, v.snapshot->>'name' AS name
              FROM catalog_listing l
              JOIN catalog_edition e ON e.id = l.edition_id AND e.is_current
              JOIN catalog_item i ON i.id = l.item_id
              JOIN catalog_itemversion v ON v.id = l.version_id
             WHERE l.status = 'published' AND (v.snapshot->>'promised_limit')::int > 0""")
        cursor.execute("SELECT count(*) FROM bench_item")
        nitems = cursor.fetchone()[0]
        if nitems == 0:
            raise SystemExit("no published items with a promised limit: the demo catalogue did not load")
        cursor.execute("""
            CREATE UNLOGGED TABLE bench_bundle AS
            SELECT (dense_rank() OVER (ORDER BY b.sort_order, b.id) - 1)::int AS b, b.id AS bundle_id, b.title,
                   b.handling = 'parallel' AS joint, b.statutory_limit AS stat, b.promised_limit AS prom,
                   (row_number() OVER (PARTITION BY b.id ORDER BY bi.sort_order, bi.id))::int AS pos, it.k
              FROM catalog_bundle b
              JOIN catalog_bundleitem bi ON bi.bundle_id = b.id
              JOIN bench_item it ON it.item_id = bi.item_id""")
        cursor.execute("SELECT count(DISTINCT b), coalesce(avg(n), 1) FROM (SELECT b, count(*) n FROM bench_bundle "
                       "GROUP BY b) s")
        nbundles, avg_size = cursor.fetchone()
        cursor.execute("CREATE UNLOGGED TABLE bench_officer (section_id bigint, j int, user_id bigint)")
        cursor.execute("INSERT INTO bench_officer SELECT * FROM unnest(%s::bigint[], %s::int[], %s::bigint[])", [
            [s for s, ids in staff.officers.items() for _ in ids],
            [j for ids in staff.officers.values() for j in range(len(ids))],
            [u for ids in staff.officers.values() for u in ids]])

        # One application in 25 is a bundle (一件事), the others one item, popular items more often (skewed).
        bundle_every = 25
        per_app = 1 + (float(avg_size) - 1) / bundle_every if nbundles else 1
        apps = int(cases / per_app) + 100
        clerks, legal = staff.clerks, staff.legal
        run("plan: one row per case", f"""
            CREATE UNLOGGED TABLE bench_plan AS
            WITH a AS (
                SELECT g AS app_no, ({nbundles} > 0 AND g % {bundle_every} = 0) AS is_bundle, random() AS r1
                  FROM generate_series(1, {apps}) g
            ), x AS (
                SELECT a.app_no, bb.pos, bb.k, bb.bundle_id, bb.joint, bb.stat AS bstat, bb.prom AS bprom
                  FROM a JOIN bench_bundle bb ON a.is_bundle AND bb.b = (a.app_no / {bundle_every}) % {max(nbundles, 1)}
                UNION ALL
                SELECT a.app_no, 1, least({nitems - 1}, floor({nitems} * power(a.r1, 1.7)))::int, NULL, false, 0, 0
                  FROM a WHERE NOT a.is_bundle
            )
            SELECT row_number() OVER (ORDER BY x.app_no, x.pos)::bigint AS n, x.app_no, x.pos, x.bundle_id,
                   it.item_id, it.version_id, it.section_id, it.insp, it.legal, it.code, it.name,
                   CASE WHEN x.joint THEN x.bstat ELSE it.stat END AS stat,
                   CASE WHEN x.joint THEN x.bprom ELSE it.prom END AS prom,
                   random() AS r_stage, random() AS r_hold, random() AS r_late
              FROM x JOIN bench_item it ON it.k = x.k""")
        cursor.execute(f"DELETE FROM bench_plan WHERE n > {cases}")
        cursor.execute("SELECT count(*) FROM bench_plan")
        planned = cursor.fetchone()[0]
        if planned != cases:
            raise SystemExit(f"planned {planned} cases instead of {cases}")

        # Applications: open when any of their cases is among the last `open_cases` (the latest accepted).
        run("plan: applications", f"""
            CREATE UNLOGGED TABLE bench_app AS
            SELECT p.app_no, min(p.n) AS first_n, max(p.n) > {nclosed} AS is_open, max(p.prom) AS prom,
                   max(p.bundle_id) AS bundle_id, count(*) AS size,
                   (array_agg(p.code ORDER BY p.pos))[1] AS code, (array_agg(p.name ORDER BY p.pos))[1] AS name,
                   random() AS r_time, random() AS r_kind, random() AS r_channel, random() AS r_minute
              FROM bench_plan p GROUP BY p.app_no""")
        cursor.execute(f"""
            ALTER TABLE bench_app ADD COLUMN acc_idx int;
            UPDATE bench_app SET acc_idx = CASE
                -- open: most within their promised limit, one in twenty up to four working days past it
                WHEN is_open AND r_time < 0.95 THEN {t_idx} - floor(r_time / 0.95 * (prom + 1))::int
                WHEN is_open THEN {t_idx} - prom - 1 - floor((r_time - 0.95) / 0.05 * 4)::int
                ELSE {closed_lo} + floor((first_n - 1)::float8 * {closed_hi - closed_lo} / greatest({nclosed}, 1))::int
            END;
            ALTER TABLE bench_app ADD PRIMARY KEY (app_no)""")

        # Every case with its stage, holder, due dates and timer days (bench_wd: the n-th working day after
        # acceptance is the due date; the yellow period starts 2 working days before the promised date, the
        # statutory alarm 3 before the statutory date, red the day after the promised date).
        from approvals.timers import alarm_working_days, yellow_working_days

        yellow_days, alarm_days = yellow_working_days(), alarm_working_days()
        m = OFFICERS_PER_SECTION
        run("plan: stages, holders, due dates", f"""
            CREATE UNLOGGED TABLE bench_case AS
            SELECT p.n, p.app_no, p.pos, p.item_id, p.version_id, p.section_id, p.legal, a.acc_idx,
                   p.n > {nclosed} AS is_open, a.is_open AS app_open, a.r_kind, a.r_minute,
                   acc.day AS acc_day, ws.day AS statutory, wp.day AS promised,
                   wy.day AS yellow_from, wp.day + 1 AS red_from, wa.day AS alarm_from,
                   CASE WHEN p.n <= {nclosed} THEN
                            CASE WHEN a.is_open OR a.r_kind < 0.85 THEN 'approved' WHEN a.r_kind < 0.90 THEN 'denied'
                                 WHEN a.r_kind < 0.96 THEN 'withdrawn' ELSE 'terminated' END
                        WHEN p.r_stage < 0.22 THEN 'received'
                        WHEN p.r_stage < 0.47 THEN 'review'
                        WHEN p.r_stage < 0.65 THEN CASE WHEN p.insp OR p.r_stage < 0.52 THEN 'inspection' ELSE 'review' END
                        WHEN p.r_stage < 0.77 THEN CASE WHEN p.legal THEN 'legal_review' ELSE 'decision' END
                        ELSE 'decision' END AS stage,
                   NOT p.insp AND p.r_stage >= 0.47 AND p.r_stage < 0.52 AS inspection_requested,
                   p.r_hold, p.r_late,
                   o1.user_id AS reviewer_id, o2.user_id AS inspector_id, o3.user_id AS certifier_id,
                   ({_sql_array([str(u) for u in legal])})[1 + p.app_no % {len(legal)}]::bigint AS legal_id,
                   ({_sql_array([str(u) for u in clerks])})[1 + p.app_no % {len(clerks)}]::bigint AS clerk_id,
                   dec.day AS decided_day
              FROM bench_plan p
              JOIN bench_app a ON a.app_no = p.app_no
              JOIN bench_officer o1 ON o1.section_id = p.section_id AND o1.j = p.app_no % {m}
              JOIN bench_officer o2 ON o2.section_id = p.section_id AND o2.j = (p.app_no + 1) % {m}
              JOIN bench_officer o3 ON o3.section_id = p.section_id AND o3.j = (p.app_no + 2) % {m}
              JOIN bench_wd acc ON acc.idx = a.acc_idx
              JOIN bench_wd ws ON ws.idx = a.acc_idx + p.stat
              JOIN bench_wd wp ON wp.idx = a.acc_idx + p.prom
              JOIN bench_wd wy ON wy.idx = a.acc_idx + p.prom - {yellow_days}
              JOIN bench_wd wa ON wa.idx = a.acc_idx + p.stat - {alarm_days}
              JOIN bench_wd dec ON dec.idx = least(a.acc_idx + greatest(1, floor(p.prom * (0.3 + 0.85 * p.r_late)))::int,
                                                   {t_idx})""")
        cursor.execute("SELECT count(*) FROM bench_case")
        if cursor.fetchone()[0] != cases:
            raise SystemExit("the working-day table does not cover every due date (widen _working_days)")
        cursor.execute("CREATE UNLOGGED TABLE bench_app_due AS SELECT app_no, max(promised) AS promised, "
                       "max(decided_day) AS decided_day FROM bench_case GROUP BY app_no")
        out(f"plan ready ({time.perf_counter() - step:.1f} s)")

        cursor.execute("SELECT coalesce(max(id), 0) FROM applications_applicant")
        off_p = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM applications_application")
        off_a = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM approvals_approvalcase")
        off_c = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM applications_applicationitem")
        off_ai = cursor.fetchone()[0]

        counts["applicants"] = run("applicants", f"""
            INSERT INTO applications_applicant (id, kind, name, id_type, id_number, legal_representative, contact_name,
                                                contact_mobile, address, bad_credit, created_at, created_by_id)
            SELECT {off_p} + s.p, CASE WHEN s.person THEN 'person' ELSE 'enterprise' END,
                   CASE WHEN s.person THEN s.pname
                        ELSE '延安市' || ({_sql_array(FIRMS)})[1 + s.p % {len(FIRMS)}]
                             || ({_sql_array(TRADES)})[1 + (s.p / {len(FIRMS)}) % {len(TRADES)}] || '有限公司' END,
                   CASE WHEN s.person THEN '111' ELSE '001' END,
                   s.body || CASE WHEN s.person THEN substr('10X98765432', (c.total % 11)::int + 1, 1)
                                  ELSE substr('0123456789ABCDEFGHJKLMNPQRTUWXY', ((31 - c.total % 31) % 31)::int + 1, 1) END,
                   CASE WHEN s.person THEN '' ELSE s.pname END, s.pname,
                   '13' || lpad(((s.p::bigint * 7919) % 1000000000)::text, 9, '0'),
                   '陕西省延安市宝塔区' || ({_sql_array(STREETS)})[1 + s.p % {len(STREETS)}] || (1 + s.p % 300) || '号',
                   s.p % 500 = 0, now() - (s.p % 2000) * interval '1 day', NULL
              FROM (SELECT p, p % 10 < 7 AS person,
                           substr('{SURNAMES}', 1 + p % {len(SURNAMES)}, 1)
                             || substr('{GIVEN}', 1 + (p / {len(SURNAMES)}) % {len(GIVEN)}, 1)
                             || CASE WHEN p % 3 = 0 THEN '' ELSE substr('{GIVEN}', 1 + (p / 7) % {len(GIVEN)}, 1) END AS pname,
                           CASE WHEN p % 10 < 7
                                THEN '610602' || to_char(date '1950-01-01' + (p % 18000), 'YYYYMMDD')
                                     || lpad(((p / 18000) % 1000)::text, 3, '0')
                                ELSE '91610602' || lpad(p::text, 9, '0') END AS body
                      FROM generate_series(1, {persons}) p) s
             CROSS JOIN LATERAL (
                SELECT sum(substr(s.body, t.k::int, 1)::int * CASE WHEN s.person THEN t.cw ELSE t.gw END) AS total
                  FROM unnest(ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2],
                              ARRAY[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]) WITH ORDINALITY AS t(cw, gw, k)) c""")
        run("online filers (accounts)", f"""
            INSERT INTO portal_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                     is_active, date_joined, real_name, mobile, citizen_id)
            SELECT '!', false, 'bench_user_' || g, '', '', '', false, true, now(), '申请人' || g, '', ''
              FROM generate_series(1, {FILERS}) g
            ON CONFLICT (username) DO NOTHING""")
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM portal_user WHERE username LIKE 'bench\\_user\\_%%'")
        filers = cursor.fetchone()[0]

        counts["applications"] = run("applications", f"""
            INSERT INTO applications_application (
                id, case_number, channel, title, form_data, last_step, status, created_at, updated_at, submitted_at,
                received_at, intake_due_date, accepted_at, deemed_accepted, promised_due_date, decided_at,
                finished_at, end_reason, agent_consent_id, applicant_id, bundle_id, filed_by_id)
            SELECT {off_a} + a.app_no, a.code || to_char(acc.day, 'YYYYMMDD') || lpad(a.app_no::text, 8, '0'),
                   ch.channel, coalesce(b.title, a.name), '{{}}'::jsonb, 'done', st.status,
                   rcv.at, t.accepted_at, rcv.at, rcv.at, due.day, t.accepted_at, false, t.promised,
                   CASE WHEN st.status = 'closed' AND st.kind IN ('approved', 'denied') THEN t.closed_at END,
                   CASE WHEN st.status <> 'accepted' THEN t.closed_at END,
                   CASE st.kind WHEN 'withdrawn' THEN '申请人申请撤回' WHEN 'terminated' THEN '逾期未补交容缺材料，终止办理'
                        ELSE '' END,
                   NULL, {off_p} + 1 + (a.app_no::bigint * 7919) % {persons}, a.bundle_id,
                   CASE WHEN ch.channel = '1' THEN ({_sql_array([str(c) for c in clerks])})[1 + a.app_no % {len(clerks)}]::bigint
                        ELSE ({_sql_array([str(f) for f in filers])})[1 + a.app_no % {len(filers)}]::bigint END
              FROM bench_app a
              JOIN bench_app_due d ON d.app_no = a.app_no
              JOIN bench_wd acc ON acc.idx = a.acc_idx
              JOIN bench_wd rd ON rd.idx = a.acc_idx - (a.app_no % 3)
              JOIN bench_wd due ON due.idx = a.acc_idx - (a.app_no % 3) + 5
              LEFT JOIN (SELECT DISTINCT bundle_id, title FROM bench_bundle) b ON b.bundle_id = a.bundle_id
              CROSS JOIN LATERAL (SELECT CASE WHEN a.r_channel < 0.55 THEN '1' WHEN a.r_channel < 0.9 THEN '2'
                                              ELSE '3' END AS channel) ch
              CROSS JOIN LATERAL (SELECT ((rd.day + time '09:30') AT TIME ZONE 'Asia/Shanghai')
                                         + (a.r_minute * 7) * interval '1 hour' AS at) rcv
              CROSS JOIN LATERAL (
                  SELECT greatest(rcv.at, (acc.day + time '09:00') AT TIME ZONE 'Asia/Shanghai'
                                          + (a.r_minute * 8) * interval '1 hour') AS accepted_at,
                         d.promised, (d.decided_day + time '16:00') AT TIME ZONE 'Asia/Shanghai' AS closed_at) t
              CROSS JOIN LATERAL (
                  SELECT CASE WHEN a.is_open THEN 'accepted' WHEN a.r_kind >= 0.90 AND a.r_kind < 0.96 THEN 'withdrawn'
                              ELSE 'closed' END AS status,
                         CASE WHEN a.r_kind < 0.85 THEN 'approved' WHEN a.r_kind < 0.90 THEN 'denied'
                              WHEN a.r_kind < 0.96 THEN 'withdrawn' ELSE 'terminated' END AS kind) st""")
        counts["application_items"] = run("application items", f"""
            INSERT INTO applications_applicationitem (id, sort_order, application_id, item_id, item_version_id)
            SELECT {off_ai} + n, pos, {off_a} + app_no, item_id, version_id FROM bench_plan""")

        counts["cases"] = run("approval cases", f"""
            INSERT INTO approvals_approvalcase (
                id, stage, accepted_at, statutory_due_date, promised_due_date, by_commitment, decided_at, closed_at,
                created_at, accepted_by_id, application_id, decided_by_id, item_id, item_version_id, section_id,
                assignee_id, claimed_at, extension_days, inspection_requested,
                legal_reviewer_id, red_from, review_opinion, reviewed_at, reviewer_id,
                statutory_alarm_from, suspended_since, version, yellow_from)
            SELECT {off_c} + c.n, c.stage, t.accepted_at, c.statutory, c.promised, false,
                   CASE WHEN c.stage IN ('approved', 'denied') THEN t.closed_at END,
                   CASE WHEN NOT c.is_open THEN t.closed_at END,
                   t.accepted_at, c.clerk_id, {off_a} + c.app_no,
                   CASE WHEN c.stage IN ('approved', 'denied') THEN c.certifier_id END,
                   c.item_id, c.version_id, c.section_id,
                   h.assignee_id, CASE WHEN h.assignee_id IS NOT NULL THEN t.accepted_at + interval '2 hours' END,
                   0, c.inspection_requested,
                   CASE WHEN c.legal AND c.stage IN ('decision', 'approved', 'denied') THEN c.legal_id END,
                   CASE WHEN armed THEN c.red_from END,
                   CASE WHEN past_review THEN '经审查，申请材料齐全，符合法定形式，同意进入下一环节。' ELSE '' END,
                   CASE WHEN past_review THEN t.accepted_at + interval '1 day' END,
                   CASE WHEN past_review THEN c.reviewer_id END,
                   CASE WHEN armed THEN c.alarm_from END,
                   CASE WHEN suspended THEN %(today)s - mod(c.n, 10)::int END,
                   CASE WHEN c.is_open THEN mod(c.n, 4)::int ELSE 3 END,
                   CASE WHEN armed THEN c.yellow_from END
              FROM bench_case c
              CROSS JOIN LATERAL (
                  SELECT (c.acc_day + time '09:00') AT TIME ZONE 'Asia/Shanghai'
                         + (c.r_minute * 8) * interval '1 hour' AS accepted_at,
                         (c.decided_day + time '16:00') AT TIME ZONE 'Asia/Shanghai' AS closed_at) t
              CROSS JOIN LATERAL (
                  SELECT c.is_open AND c.stage IN ('review', 'inspection', 'decision') AND c.r_hold < 0.015 AS suspended,
                         c.stage NOT IN ('received', 'review', 'withdrawn', 'terminated')
                         OR (c.stage IN ('withdrawn', 'terminated') AND c.r_hold < 0.5) AS past_review) s
              CROSS JOIN LATERAL (SELECT c.is_open AND NOT s.suspended AS armed) f
              CROSS JOIN LATERAL (
                  SELECT CASE WHEN NOT c.is_open OR c.stage = 'received' OR c.r_hold >= 0.7 THEN NULL
                              WHEN c.stage = 'review' THEN c.reviewer_id
                              WHEN c.stage = 'inspection' THEN c.inspector_id
                              WHEN c.stage = 'legal_review' THEN c.legal_id
                              ELSE c.certifier_id END AS assignee_id) h""",
            {"today": today})
        counts["suspensions"] = run("suspensions (open ones)", """
            INSERT INTO approvals_suspension (kind, reason, start, expected_end, "end", created_at, case_id,
                                              started_by_id)
            SELECT (ARRAY['testing', 'appraisal', 'expert', 'hearing'])[1 + c.id % 4],
                   '申请人申请对场所进行检验检测，检测期间不计入审批期限。', c.suspended_since,
                   c.suspended_since + 20, NULL, c.suspended_since + time '10:00', c.id,
                   coalesce(c.assignee_id, c.reviewer_id, c.accepted_by_id)
              FROM approvals_approvalcase c WHERE c.suspended_since IS NOT NULL""")
        counts.update(_applicant_side(cursor, today, run))
        for table in ("applications_applicant", "applications_application", "applications_applicationitem",
                      "approvals_approvalcase", "approvals_suspension", "portal_user"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT greatest(max(id), 1) FROM {table}))")
        cursor.execute("DROP TABLE bench_plan, bench_case, bench_app, bench_app_due, bench_item, bench_bundle, "
                       "bench_officer")
        # The timer sweep ran yesterday: the next one sends the warnings from today on (approvals.timers).
        cursor.execute("INSERT INTO approvals_timersweep (day, swept_at, warnings) VALUES (%s, now(), 0) "
                       "ON CONFLICT (day) DO NOTHING", [yesterday])
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value text NOT NULL)")
        cursor.execute(f"DELETE FROM {META_TABLE}")
        cursor.execute(f"INSERT INTO {META_TABLE} VALUES ('cases', %s), ('open', %s), ('today', %s), "
                       f"('generated_in', %s), ('applicant_side', %s)",
                       [str(cases), str(open_cases), today.isoformat(), f"{time.perf_counter() - started:.0f}",
                        APPLICANT_SIDE])
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")  # statistics, and the visibility map for index-only scans
    out(f"VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s")
    out(f"generated {cases:,} cases ({open_cases:,} open) in {time.perf_counter() - started:.0f} s")
    return counts



def _applicant_side(cursor, today: date, run) -> dict[str, int]:
    """What the applicant's pages need on top of the cases: the online filers (bench_user_N, ~210 applications
    each at 1,000,000 cases) hold the applicant role and represent two applicants each (a person: themselves; a
    firm: as its staff), every AGENT_EVERY-th is an agent whose applications carry their clients' consents, and
    a few submitted applications wait in the intake queue (some claimed). Set-based, in the caller's
    transaction."""
    from django.contrib.auth.models import Group

    from applications.models import AgentConsent, Application, ApplicationItem, Representation
    from approvals.intake.models import IntakeClaim
    from portal.models import User
    from portal.roles import Role

    counts = {}
    groups_table = User.groups.through._meta.db_table
    cursor.execute("SELECT array_agg(id ORDER BY id) FROM portal_user WHERE username LIKE 'bench\\_user\\_%%'")
    filers = cursor.fetchone()[0] or []
    cursor.execute("SELECT min(id) - 1, count(*) FROM applications_applicant")
    base, persons = cursor.fetchone()
    cursor.execute("SELECT id FROM portal_user WHERE username LIKE 'bench\\_clerk\\_%%' ORDER BY id")
    clerks = [row[0] for row in cursor.fetchall()]
    if not filers or not persons or not clerks:
        return counts
    agents = filers[AGENT_EVERY - 1::AGENT_EVERY]
    tables = (Application, ApplicationItem, Representation, AgentConsent, IntakeClaim)
    for table in tables:  # the generator writes ids itself: the sequences follow before rows are added here
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table._meta.db_table}', 'id'), "
                       f"(SELECT greatest(max(id), 1) FROM {table._meta.db_table}))")
    applicant_group = Group.objects.get(name=Role.APPLICANT.value).pk
    agent_group = Group.objects.get(name=Role.AGENT.value).pk
    run("filers: applicant role", f"""
        INSERT INTO {groups_table} (user_id, group_id) SELECT unnest(%s::bigint[]), {applicant_group}
        ON CONFLICT DO NOTHING""", [filers])
    run("filers: agent role", f"""
        INSERT INTO {groups_table} (user_id, group_id) SELECT unnest(%s::bigint[]), {agent_group}
        ON CONFLICT DO NOTHING""", [agents])
    # Applicant p (1-based) is a person when p % 10 < 7 (the generator's rule): p = 10 (g - 1) + 1 is a person,
    # p = 10 (g - 1) + 8 a firm.
    counts["representations"] = run("representations (self and a firm's staff)", f"""
        INSERT INTO {Representation._meta.db_table} (user_id, applicant_id, relation, created_at)
        SELECT f.id, {base} + 1 + mod((f.g - 1) * 10 + r.k, {persons}), r.relation, now() - interval '400 days'
          FROM unnest(%s::bigint[]) WITH ORDINALITY AS f(id, g)
         CROSS JOIN (VALUES (0, 'self'), (7, 'staff')) AS r(k, relation)
        ON CONFLICT DO NOTHING""", [filers])
    counts["agent_consents"] = run("agent consents (one per agent and client)", f"""
        INSERT INTO {AgentConsent._meta.db_table} (agent_id, applicant_id, item_id, bundle_id, purpose, valid_from,
                                                   valid_until, granted_by_id, method, granted_at, revoked_at)
        SELECT a.filed_by_id, a.applicant_id, NULL, NULL, '委托代办行政许可事项', %(since)s, %(until)s,
               (%(clerks)s::bigint[])[1 + mod(a.applicant_id, {len(clerks)})], 'paper', %(granted)s, NULL
          FROM (SELECT DISTINCT filed_by_id, applicant_id FROM applications_application
                 WHERE filed_by_id = ANY(%(agents)s)) a""",
        {"since": today - timedelta(days=6 * 366), "until": today + timedelta(days=365), "clerks": clerks,
         "agents": agents, "granted": today - timedelta(days=6 * 366)})
    run("agents' applications: their consent", f"""
        UPDATE {Application._meta.db_table} a SET agent_consent_id = c.id
          FROM {AgentConsent._meta.db_table} c
         WHERE c.agent_id = a.filed_by_id AND c.applicant_id = a.applicant_id AND a.filed_by_id = ANY(%s)""",
        [agents])

    # The intake queue: submitted applications received over the last few working days, one in three claimed.
    days, t_idx = _working_days(today, back_days=20, ahead_days=20)
    received = days[max(0, t_idx - 3):t_idx + 1]
    due = [days[min(len(days) - 1, days.index(d) + 5)] for d in received]
    waiting = max(20, len(filers) // 5)
    listings = """SELECT row_number() OVER (ORDER BY i.sort_order, i.id) - 1 AS k, count(*) OVER () AS n,
                         i.id AS item_id, l.version_id, i.implementation_code AS code, v.snapshot->>'name' AS name
                    FROM catalog_listing l
                    JOIN catalog_edition e ON e.id = l.edition_id AND e.is_current
                    JOIN catalog_item i ON i.id = l.item_id
                    JOIN catalog_itemversion v ON v.id = l.version_id
                   WHERE l.status = 'published'"""
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {Application._meta.db_table}")
    off_a = cursor.fetchone()[0]
    counts["submitted"] = run("submitted applications (intake queue)", f"""
        INSERT INTO {Application._meta.db_table} (
            id, case_number, channel, title, form_data, last_step, status, created_at, updated_at, submitted_at,
            received_at, intake_due_date, accepted_at, deemed_accepted, promised_due_date, decided_at, finished_at,
            end_reason, agent_consent_id, applicant_id, bundle_id, filed_by_id)
        SELECT {off_a} + g, it.code || to_char(rd.day, 'YYYYMMDD') || 'S' || lpad(g::text, 7, '0'), '2', it.name,
               '{{}}'::jsonb, 'done', 'submitted', t.at, t.at, t.at, t.at, rd.due, NULL, false, NULL, NULL, NULL, '',
               NULL, {base} + 1 + mod(g::bigint * 104729, {persons}), NULL,
               (%(filers)s::bigint[])[1 + mod(g, {len(filers)})]
          FROM generate_series(1, {waiting}) g
          JOIN ({listings}) it ON it.k = mod(g, it.n)
          JOIN unnest(%(received)s::date[], %(due)s::date[]) WITH ORDINALITY AS rd(day, due, j)
            ON rd.j = 1 + mod(g, {len(received)})
         CROSS JOIN LATERAL (SELECT ((rd.day + time '09:00') AT TIME ZONE 'Asia/Shanghai')
                                    + mod(g, 480) * interval '1 minute' AS at) t""",
        {"filers": filers, "received": received, "due": due})
    run("their items", f"""
        INSERT INTO {ApplicationItem._meta.db_table} (sort_order, application_id, item_id, item_version_id)
        SELECT 1, a.id, it.item_id, it.version_id
          FROM {Application._meta.db_table} a
          JOIN ({listings}) it ON it.k = mod(a.id - {off_a}, it.n)
         WHERE a.id > {off_a}""")
    run("intake claims", f"""
        INSERT INTO {IntakeClaim._meta.db_table} (application_id, clerk_id, claimed_at)
        SELECT a.id, (%s::bigint[])[1 + mod(a.id, {len(clerks)})], a.received_at + interval '30 minutes'
          FROM {Application._meta.db_table} a WHERE a.id > {off_a} AND mod(a.id, 3) = 0""", [clerks])
    counts["supplements"] = _supplements(cursor, clerks, run)
    for table in tables:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table._meta.db_table}', 'id'), "
                       f"(SELECT greatest(max(id), 1) FROM {table._meta.db_table}))")
    return counts


def _supplements(cursor, clerks: list[int], run) -> int:
    """One application in eight was asked for supplements once (一次性告知补正) and answered two days later: the
    rows 我的办件's "请补正" flag reads (an empty table would hide a bad plan)."""
    from applications.models import Application, SupplementRequest

    return run("supplement requests (answered)", f"""
        INSERT INTO {SupplementRequest._meta.db_table} (application_id, requested_by_id, requested_at, due_date, note,
                                                        answered_at, lapsed_at)
        SELECT a.id, (%s::bigint[])[1 + mod(a.id, {len(clerks)})], a.received_at + interval '1 day',
               (a.received_at + interval '16 days')::date, '', a.received_at + interval '3 days', NULL
          FROM {Application._meta.db_table} a
         WHERE mod(a.id, 8) = 0 AND a.accepted_at IS NOT NULL""", [clerks])


@_as_owner
def generate_applicant_side(today: date, out=say) -> dict[str, int]:
    """_applicant_side() on a database generated before it existed (then ANALYZE); records it in the meta table."""
    from django.db import connection, transaction

    def run(label: str, sql: str, params=None) -> int:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        out(f"  {label}: {count if count >= 0 else ''} ({time.perf_counter() - t0:.1f} s)")
        return count

    with transaction.atomic(), connection.cursor() as cursor:
        counts = _applicant_side(cursor, today, run)
        cursor.execute(f"INSERT INTO {META_TABLE} VALUES ('applicant_side', %s) "
                       f"ON CONFLICT (key) DO UPDATE SET value = excluded.value", [APPLICANT_SIDE])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) applications_application, applications_representation, "
                       "applications_agentconsent, applications_applicationitem, approvals_intakeclaim, "
                       "portal_user_groups, applications_supplementrequest")
    return counts


def check_clock(sample: int = 300) -> int:
    """Re-derive the due dates and timer days of open cases with the portal's own clock code (approvals.services);
    returns how many disagree (must be 0: the SQL generation and the services count days the same way)."""
    from approvals.models import CLOSED_STAGES, ApprovalCase
    from approvals.timers import alarm_working_days, yellow_working_days
    from approvals import clockwork
    from portal import clock

    wrong = 0
    calendar = clock.work_calendar()
    cases = (ApprovalCase.objects.exclude(stage__in=CLOSED_STAGES).filter(suspended_since__isnull=True)
             .select_related("application__bundle", "item_version").order_by("?")[:sample])
    from approvals.timers import limits_of

    for case in cases:
        due = clockwork.due_dates(calendar, clock.local_date(case.accepted_at), limits_of(case))
        timers = clockwork.timers(calendar, due, yellow_working_days(), alarm_working_days())
        if (due.statutory, due.promised, timers.yellow_from, timers.red_from, timers.statutory_alarm_from) != (
                case.statutory_due_date, case.promised_due_date, case.yellow_from, case.red_from,
                case.statutory_alarm_from):
            wrong += 1
    return wrong


def spread() -> dict:
    """How the cases spread: by stage, colour (today's), section, holder (what the smoke test checks)."""
    from django.db import connection

    from portal import clock

    with connection.cursor() as cursor:
        cursor.execute("SELECT stage, count(*) FROM approvals_approvalcase GROUP BY stage ORDER BY stage")
        stages = dict(cursor.fetchall())
        cursor.execute("""SELECT CASE WHEN red_from <= %(d)s THEN 0 WHEN yellow_from <= %(d)s THEN 1 ELSE 2 END, count(*)
                            FROM approvals_approvalcase
                           WHERE stage NOT IN ('approved', 'denied', 'withdrawn', 'terminated') GROUP BY 1""",
                       {"d": clock.today()})
        colours = dict(cursor.fetchall())
        cursor.execute("""SELECT count(*) FILTER (WHERE statutory_alarm_from <= %(d)s),
                                 count(*) FILTER (WHERE suspended_since IS NOT NULL),
                                 count(*) FILTER (WHERE assignee_id IS NULL), count(DISTINCT section_id),
                                 count(DISTINCT item_id), count(DISTINCT application_id), count(*)
                            FROM approvals_approvalcase
                           WHERE stage NOT IN ('approved', 'denied', 'withdrawn', 'terminated')""",
                       {"d": clock.today()})
        alarm, suspended, waiting, sections, items, applications, open_ = cursor.fetchone()
        cursor.execute("SELECT count(*), count(DISTINCT application_id) FROM approvals_approvalcase")
        total, all_applications = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM applications_applicant")
        applicants = cursor.fetchone()[0]
    return {"stages": stages, "colours": {{0: "red", 1: "yellow", 2: "green"}[k]: v for k, v in colours.items()},
            "alarm": alarm, "suspended": suspended, "waiting": waiting, "sections": sections, "items": items,
            "open": open_, "open_applications": applications, "cases": total, "applications": all_applications,
            "applicants": applicants}


# --- measuring -----------------------------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    mode: str
    samples: list[float] = field(default_factory=list)  # seconds
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    note: str = ""
    think: float = 0.0  # mean think time of the run (0: back to back)
    target_ms: float | None = None  # p95 target, when the page has one

    def quantile(self, q: float) -> float:
        """Nearest-rank quantile in milliseconds."""
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        rank = max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))
        return ordered[rank] * 1000

    @property
    def p50(self) -> float:
        return self.quantile(0.50)

    @property
    def p95(self) -> float:
        return self.quantile(0.95)

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall if self.wall else 0.0


@dataclass
class BenchUser:
    user_id: int
    username: str
    queue: str  # the queue this officer works: review / inspection / decision / legal_review


def bench_users(staff: Staff, count: int) -> list[BenchUser]:
    """`count` officers across the sections and queues (two of them legal reviewers when there are 8 or more)."""
    from portal.models import User

    names = dict(User.objects.values_list("id", "username"))
    legal = min(2, len(staff.legal)) if count >= 8 else 0
    sections = sorted(staff.officers)
    users = []
    for i in range(count - legal):
        section = sections[i % len(sections)]
        officer = staff.officers[section][(i // len(sections)) % OFFICERS_PER_SECTION]
        users.append(BenchUser(officer, names[officer], ("review", "inspection", "decision")[i % 3]))
    users += [BenchUser(uid, names[uid], "legal_review") for uid in staff.legal[:legal]]
    return users


def run_concurrently(label: str, mode: str, users: list[BenchUser], operation, requests: int, warmup: int,
                     think: float) -> Timing:
    """Every user in its own thread runs `operation(user)` warmup + requests times (a barrier starts them
    together); returns the latencies of the measured calls."""
    import random

    from django.db import connection

    timing = Timing(label, mode, think=think)
    barrier = threading.Barrier(len(users) + 1)
    lock = threading.Lock()

    def worker(index: int, user: BenchUser) -> None:
        rng = random.Random(index)
        mine = []
        try:
            for _ in range(warmup):
                operation(user)
            barrier.wait()
            for _ in range(requests):
                if think:
                    time.sleep(rng.expovariate(1 / think))
                t0 = time.perf_counter()
                try:
                    operation(user)
                except Exception as exc:  # noqa: BLE001 - counted and shown, never hidden
                    with lock:
                        timing.errors.append(f"{user.username}: {exc.__class__.__name__}: {exc}"[:300])
                    continue
                mine.append(time.perf_counter() - t0)
        except threading.BrokenBarrierError:
            pass
        except Exception as exc:  # noqa: BLE001
            with lock:
                timing.errors.append(f"{user.username} (warm-up): {exc.__class__.__name__}: {exc}"[:300])
            barrier.abort()
        finally:
            connection.close()
            with lock:
                timing.samples.extend(mine)

    threads = [threading.Thread(target=worker, args=(i, u), daemon=True) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    timing.wall = time.perf_counter() - started
    return timing


# In-process: what the officers' pages do, without HTTP and templates (until the pages exist).


def _fresh_user(user: BenchUser):
    """The officer as a request sees it: loaded anew (the auth middleware's query), nothing cached."""
    from portal.models import User

    return User.objects.get(pk=user.user_id)


def queue_page_in_process(user: BenchUser) -> int:
    from django.core.paginator import Paginator

    from approvals.cases import selectors as case_selectors

    officer = _fresh_user(user)
    page = Paginator(case_selectors.queue(user.queue, officer=officer), PAGE_SIZE).get_page(1)
    return len(case_selectors.case_rows(page.object_list))


def take_next_in_process(user: BenchUser) -> int | None:
    from approvals.cases import services as case_services

    case = case_services.take_next(_fresh_user(user), user.queue)
    return case.pk if case is not None else None


# Over HTTP: a real gunicorn against the bench database, officers with real sessions.


@dataclass
class WorkflowUrls:
    queue: str  # path of the queue page, with {queue}
    take_next: str  # path that takes the next case (POST)
    take_next_body: str  # form body, with {queue}
    source: str = ""


def find_workflow_urls() -> WorkflowUrls | None:
    """The officers' queue page and take-next form (approvals/cases/urls.py), None while they are not there."""
    from django.urls import NoReverseMatch, reverse

    try:
        queue, take = reverse("approvals:case_queue"), reverse("approvals:case_take_next")
    except NoReverseMatch:
        return None
    return WorkflowUrls(queue + "?stage={queue}", take, "stage={queue}",
                        source=f"GET {queue}?stage=…, POST {take}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn on a free loopback port against the bench database, DEBUG off (as in production, plain http),
    serving the portal's URLs plus the bench's minimal view (bench/web/settings.py)."""

    def __init__(self, database_url: str, workers: int, settings_module: str = "bench.web.settings"):
        self.port = free_port()
        self.workers = workers
        var_dir = PROJECT_DIR / "var" / "bench"
        self.env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
                    "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "SECURE_HSTS_SECONDS": "0",
                    "ONEWINDOW_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING", "PYTHONPATH": str(PROJECT_DIR),
                    # the portal's settings and URLs plus the minimal view (bench/web/)
                    "DJANGO_SETTINGS_MODULE": settings_module}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        # DEBUG off serves hashed static names from the manifest: collect once into var/bench.
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT_DIR,
                       env=self.env, check=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--no-control-socket", "--log-level", "warning"],
            cwd=PROJECT_DIR, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        import http.client

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class HttpClient:
    """One browser: a real session row (as after signing in) for `user_id`, or anonymous (None); a CSRF cookie.
    A new TCP connection per request, as a browser that thinks between pages: a kept-alive idle connection would
    park one of gunicorn's sync workers for the whole think time (wrk-style keep-alive with think time lies)."""

    def __init__(self, port: int, user_id: int | None = None, username: str = "anonymous"):
        from django.conf import settings

        self.port, self.username = port, username
        self.csrf = secrets.token_hex(16)  # a 32-character secret, sent back in the header
        self.cookie = f"{settings.CSRF_COOKIE_NAME}={self.csrf}"
        if user_id is not None:
            from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
            from django.contrib.sessions.backends.db import SessionStore

            from portal.models import User

            person = User.objects.get(pk=user_id)
            session = SessionStore()
            session[SESSION_KEY] = str(person.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = person.get_session_auth_hash()
            session.create()
            self.cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {self.cookie}"

    def request(self, method: str, path: str, body: str = "", ok=(200,)) -> int:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie, "Host": "127.0.0.1", "Accept": "text/html"}
        if method != "GET":
            headers.update({"X-CSRFToken": self.csrf, "Content-Type": "application/x-www-form-urlencoded",
                            "Referer": f"http://127.0.0.1:{self.port}/"})
        try:
            conn.request(method, path, body=body.encode() if body else None, headers=headers)
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        if response.status not in ok:
            raise RuntimeError(f"{method} {path} answered {response.status}")
        return response.status


class HttpOfficer(HttpClient):
    """One officer's browser (the queue page and take-next)."""

    def __init__(self, user: BenchUser, port: int):
        super().__init__(port, user.user_id, user.username)


# The pages of issue 14: each user GETs one of its own paths at random (a detail page of its own applications,
# a case it holds...), so the pages read different rows as real users do.


@dataclass
class Visitor:
    username: str
    client: HttpClient
    paths: list[str]
    rng: object = None

    def visit(self) -> int:
        return self.client.request("GET", self.rng.choice(self.paths))


@dataclass
class Page:
    label: str
    visitors: list[Visitor]
    target_ms: float | None = None  # p95 target with think time

    @staticmethod
    def operation(visitor: Visitor) -> int:
        return visitor.visit()


MINIMAL = "minimal view"
TARGET_APPLICANT_P95_MS = 50.0
APPLICANT_USERS = 16  # bench_user_1..16: 12 applicants' own accounts and 4 agents (every AGENT_EVERY-th)
GUIDE_KEYWORDS = ["食品", "经营", "许可", "餐饮", "卫生", "建筑", "药品", "登记"]


def applicant_users(count: int = APPLICANT_USERS) -> list[tuple[int, str]]:
    from portal.models import User

    return list(User.objects.filter(username__in=[f"bench_user_{g}" for g in range(1, count + 1)])
                .order_by("id").values_list("id", "username"))


def http_pages(staff: Staff, port: int, count: int) -> list[Page]:
    """The minimal view, then the pages of issue 14, each with `count` users."""
    import random

    from django.db import connection
    from django.urls import reverse

    from applications.models import Application, Status
    from approvals.models import CLOSED_STAGES, ApprovalCase
    from portal.models import User

    def visitors(people: list[tuple[int | None, str]], paths_of) -> list[Visitor]:
        out = []
        for i in range(count):
            user_id, username = people[i % len(people)]
            paths = paths_of(user_id)
            if paths:
                out.append(Visitor(username, HttpClient(port, user_id, username), paths, random.Random(i)))
        return out

    applicants = applicant_users(count)
    anonymous = [(None, "anonymous")]
    with connection.cursor() as cursor:
        cursor.execute("""SELECT i.id, v.snapshot->>'name' FROM catalog_listing l
                            JOIN catalog_edition e ON e.id = l.edition_id AND e.is_current
                            JOIN catalog_item i ON i.id = l.item_id JOIN catalog_itemversion v ON v.id = l.version_id
                           WHERE l.status = 'published' ORDER BY i.id""")
        items = cursor.fetchall()
    names = " ".join(name or "" for _pk, name in items)
    keywords = [k for k in GUIDE_KEYWORDS if k in names] or [items[0][1][:2]]
    guide = reverse("catalog:index")

    def own_applications(user_id):
        pks = (Application.objects.filter(filed_by_id=user_id).exclude(status=Status.DRAFT)
               .order_by("-created_at").values_list("pk", flat=True)[:200])
        return [reverse("applications:detail", args=[pk]) for pk in random.Random(user_id).sample(list(pks),
                                                                                              min(20, len(pks)))]

    names = dict(User.objects.values_list("id", "username"))
    officers = [(ids[j], names[ids[j]]) for j in range(OFFICERS_PER_SECTION)  # across the sections
                for _section, ids in sorted(staff.officers.items())]

    def held_cases(user_id):
        pks = (ApprovalCase.objects.filter(assignee_id=user_id).exclude(stage__in=CLOSED_STAGES)
               .order_by("id").values_list("pk", flat=True)[:20])
        return [reverse("approvals:case", args=[pk]) for pk in pks]

    clerks = [(uid, names[uid]) for uid in staff.clerks]
    return [
        Page(MINIMAL, visitors(applicants, lambda _u: [reverse("bench_minimal", urlconf="bench.web.urls")])),
        Page("我的办件 /applications/", visitors(applicants, lambda _u: [reverse("applications:list")]),
             TARGET_APPLICANT_P95_MS),
        Page("application detail", visitors(applicants, own_applications), TARGET_APPLICANT_P95_MS),
        Page("guide index (anonymous)", visitors(anonymous, lambda _u: [guide])),
        Page("guide item page", visitors(anonymous, lambda _u: [reverse("catalog:item", args=[pk])
                                                                 for pk, _n in items])),
        Page("guide search", visitors(anonymous, lambda _u: [f"{guide}?q={quote(k)}" for k in keywords])),
        Page("officer's case page", visitors(officers, held_cases)),
        Page("intake queue (clerk)", visitors(clerks, lambda _u: [reverse("approvals:queue")])),
    ]


# The sweep.


class _Rollback(Exception):
    pass


@dataclass
class SweepRun:
    label: str
    open_cases: int
    armed: int
    changed: int
    seconds: float
    statements: int
    kinds: list[str]


def next_working_day(day: date) -> date:
    """`day` when it is a working day of the portal's calendar, else the first working day after it."""
    from portal import clock

    while not clock.is_working_day(day):
        day += timedelta(days=1)
    return day


def sweep_days(today: date) -> tuple[date, date]:
    """The day of the daily sweep measure (the first working day from `today` on: on a weekend or a holiday the
    sweep changes nothing, and a bench that sweeps a Sunday reports a target met on 0 rows) and the day of a week
    of missed sweeps (the first working day from 7 days after it on)."""
    day = next_working_day(today)
    return day, next_working_day(day + timedelta(days=7))


def measure_sweep(today: date, *, shrink: int = 1, label: str = "", repeats: int = 3) -> list[SweepRun]:
    """Run the timer sweep in a transaction that is rolled back (the data stays as generated), `repeats` times.
    shrink > 1 first closes all but 1/shrink of the open cases (in the same transaction)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from approvals.timers import sweep_timers

    runs = []
    for _ in range(repeats):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    if shrink > 1:
                        cursor.execute(f"""
                            UPDATE approvals_approvalcase
                               SET stage = 'approved', decided_at = now(), closed_at = now(), assignee_id = NULL,
                                   claimed_at = NULL, yellow_from = NULL, red_from = NULL, statutory_alarm_from = NULL
                             WHERE stage NOT IN ('approved', 'denied', 'withdrawn', 'terminated') AND id % {shrink} <> 0""")
                    cursor.execute("""SELECT count(*), count(*) FILTER (WHERE yellow_from IS NOT NULL)
                                        FROM approvals_approvalcase
                                       WHERE stage NOT IN ('approved', 'denied', 'withdrawn', 'terminated')""")
                    open_cases, armed = cursor.fetchone()
                    # The foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED), which a rolled-back
                    # run never reaches: checked at once, their cost is in the time measured.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                with CaptureQueriesContext(connection) as captured:
                    t0 = time.perf_counter()
                    changed = sweep_timers(today=today)
                    seconds = time.perf_counter() - t0
                kinds = [" ".join(q["sql"].split())[:70] for q in captured.captured_queries]
                runs.append(SweepRun(label, open_cases, armed, changed, seconds, len(captured.captured_queries), kinds))
                raise _Rollback
        except _Rollback:
            pass
    return runs


def explain(today: date, users: list[BenchUser]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the queue page query, the take-next query and the sweep, rolled back."""
    from django.db import connection, transaction
    from approvals import timers
    from approvals.cases import selectors as case_selectors
    from approvals.cases.services import _eligible
    from portal.models import User

    user = next(u for u in users if u.queue == "review")
    officer = User.objects.get(pk=user.user_id)
    page = case_selectors.queue(user.queue, officer=officer)[:PAGE_SIZE]
    print(f"\n--- EXPLAIN queue page ({user.username}, {user.queue}) ---")
    print(page.explain(analyze=True, buffers=True))
    try:
        with transaction.atomic():
            candidate = (_eligible(user.queue, officer).order_by("promised_due_date", "id")
                         .select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:1])
            print(f"\n--- EXPLAIN take-next candidate ({user.username}) ---")
            print(candidate.explain(analyze=True, buffers=True))
            try:  # the sweep's private statement, as sweep_timers() sends it (its implementation may change)
                sweep_sql = timers._SWEEP_SQL.format(address=timers.address_sql("ch.channel", "u"))
                parameters = timers._sweep_parameters(today)
            except (AttributeError, TypeError, KeyError) as exc:
                print(f"\n--- EXPLAIN sweep: not available ({exc.__class__.__name__}: {exc}) ---")
            else:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sweep_sql, parameters)
                    print("\n--- EXPLAIN sweep ---")
                    print("\n".join(row[0] for row in cursor.fetchall()))
            raise _Rollback
    except _Rollback:
        pass


def explain_statements(label: str, call) -> None:
    """Run `call()` and EXPLAIN (ANALYZE, BUFFERS) every SELECT it sent, in order (the statements as sent)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    print(f"\n--- {label}: {len(captured.captured_queries)} statements ---")
    for number, query in enumerate(captured.captured_queries, 1):
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("%", "%%"))
            plan = [row[0] for row in cursor.fetchall()]
        print(f"[{number}] {' '.join(sql.split())[:300]}")
        print("    " + "\n    ".join(plan))


def explain_applicant_pages() -> None:
    """EXPLAIN ANALYZE of what 我的办件 and the application detail page ask, for an applicant's own account and
    for an agent (bench_user_1 and bench_user_4): the selectors as the views call them."""
    from django.core.paginator import Paginator

    from applications import selectors
    from portal.models import User

    for user_id, username in applicant_users(AGENT_EVERY)[::AGENT_EVERY - 1]:
        user = User.objects.get(pk=user_id)

        def list_page():
            page = Paginator(selectors.my_applications(user), PAGE_SIZE).get_page(1)
            return [a.applicant.name for a in page.object_list]

        explain_statements(f"我的办件, {username}", list_page)
        pk = selectors.my_applications(user).exclude(status="draft").values_list("pk", flat=True).first()

        def detail():
            application = selectors.application_detail(user, pk)
            return selectors.timeline(application), selectors.notices(application)

        explain_statements(f"application detail {pk}, {username}", detail)


# --- the run -------------------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    load = ", load average %.1f at the end" % os.getloadavg()[0] if hasattr(os, "getloadavg") else ""
    return (f"{os.cpu_count()} CPU ({cpu or platform.machine()}){memory}, PostgreSQL {pg}, "
            f"Python {platform.python_version()}{load}")


@_as_owner
def snapshot_waiting() -> None:
    """Remember the waiting cases, so take-next's claims can be undone after the run (the data stays reusable)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_waiting")
        cursor.execute("""CREATE UNLOGGED TABLE bench_waiting AS
                          SELECT id, stage, version FROM approvals_approvalcase
                           WHERE assignee_id IS NULL AND stage NOT IN ('approved', 'denied', 'withdrawn', 'terminated')""")


@_as_owner
def vacuum_cases() -> None:
    """Clean the dead rows the bench itself leaves (undone claims, rolled-back sweeps) before the next measure."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) approvals_approvalcase")


@_as_owner
def restore_waiting() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""UPDATE approvals_approvalcase c SET assignee_id = NULL, claimed_at = NULL, stage = w.stage,
                                 version = w.version
                            FROM bench_waiting w WHERE c.id = w.id AND c.version <> w.version""")
        restored = cursor.rowcount
        cursor.execute("DROP TABLE bench_waiting")
    return restored


def minimal_baseline(timings: list[Timing], think: float) -> tuple[float, float] | None:
    """The minimal view's throughput and p50 in runs with this think time (the mean of its runs: it is measured
    first and last), or None when it was not measured."""
    runs = [t for t in timings if t.label == MINIMAL and t.think == think and t.samples]
    if not runs:
        return None
    return sum(t.throughput for t in runs) / len(runs), sum(t.p50 for t in runs) / len(runs)


def summary(figures: dict, out=print) -> None:
    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    out("")
    out("=" * 112)
    out(f"approvals benchmark — {figures['machine']}")
    out(f"data: {figures['cases']:,} cases, {figures['open']:,} open "
        f"({figures['spread_note']}); {figures['users']} concurrent users; {figures['mode_note']}")
    for think in sorted({t.think for t in figures["timings"]}, reverse=True):
        out("-" * 112)
        out(f"{'with %.1f s mean think time, a new connection per request' % think if think else 'back to back'}"
            f"; share = req/s ÷ the minimal view's, ×p50 = p50 ÷ the minimal view's")
        out(f"{'measure':<44}{'p50 ms':>9}{'p95 ms':>9}{'n':>7}{'req/s':>8}{'share':>8}{'×p50':>7}  target")
        baseline = minimal_baseline(figures["timings"], think)
        for timing in (t for t in figures["timings"] if t.think == think):
            target = ""
            limit = timing.target_ms or (TARGET_QUEUE_P95_MS if timing.label.startswith("queue page") else None)
            if limit and (think or timing.target_ms is None):
                target = f"p95 < {limit:.0f} ms: {verdict(timing.p95 < limit)}"
            share = times = ""
            if baseline and timing.samples:
                share = f"{timing.throughput / baseline[0]:.0%}" if baseline[0] else ""
                times = f"{timing.p50 / baseline[1]:.1f}" if baseline[1] else ""
            out(f"{timing.label + ' [' + timing.mode + ']':<44}{timing.p50:>9.1f}{timing.p95:>9.1f}"
                f"{len(timing.samples):>7}{timing.throughput:>8.1f}{share:>8}{times:>7}  {target}")
            if timing.errors:
                out(f"   {len(timing.errors)} errors, first: {timing.errors[0]}")
    if not figures["sweeps"]:
        out("=" * 112)
        return
    out("-" * 112)
    out(f"{'sweep':<44}{'open':>9}{'armed':>9}{'changed':>9}{'seconds':>9}{'SQL':>6}  target")
    counts = set()
    for run in figures["sweeps"]:
        counts.add(run.statements) if run.changed else None
        out(f"{run.label:<44}{run.open_cases:>9,}{run.armed:>9,}{run.changed:>9,}{run.seconds:>9.3f}{run.statements:>6}"
            f"  < {TARGET_SWEEP_S:.0f} s: {verdict(run.seconds < TARGET_SWEEP_S)}")
    constant = len(counts) <= 1
    out(f"statements per sweep that changes rows: {sorted(counts)} -> constant: {verdict(constant)}")
    out("=" * 112)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000, dest="open_cases")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data even when it is already there")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--requests", type=int, default=30, help="measured requests per user and measure")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean think time between a user's requests, seconds (0: back to back only)")
    parser.add_argument("--no-back-to-back", action="store_false", dest="back_to_back",
                        help="with --think, skip the back-to-back runs")
    parser.add_argument("--skip-pages", action="store_true",
                        help="only the queue page and take-next (not the minimal view and issue 14's pages)")
    parser.add_argument("--mode", choices=("auto", "http", "in-process"), default="auto")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: 2 x CPUs + 1)")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of the queue, take-next, the sweep, 我的办件 and the detail")
    parser.add_argument("--only", default="",
                        help="comma-separated parts of page labels to measure (e.g. '我的办件,detail,queue page'); "
                             "the minimal view is always measured")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--repeats", type=int, default=3, help="sweep runs per measure (the median is shown)")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end (no reuse)")
    args = parser.parse_args(argv)

    url = bench_database_url()
    meta = None if args.fresh else stored_meta(url)
    rebuild = (meta is None or meta.get("cases") != str(args.cases) or meta.get("open") != str(args.open_cases)
               or meta.get("applicant_side") != APPLICANT_SIDE)
    if rebuild:
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    say(f"database {_database_name(url)}: migrate")
    call_command("migrate", verbosity=0)
    from django.utils import timezone

    if rebuild:
        today = timezone.localdate()
        generate(args.cases, args.open_cases, today)
    else:
        today = date.fromisoformat(meta["today"])
        say(f"reusing {int(meta['cases']):,} cases ({int(meta['open']):,} open) generated for {today} "
            f"(--fresh to rebuild)")
    staff = ensure_staff()
    wrong = check_clock()
    if wrong:
        say(f"ERROR: {wrong} open cases have due dates or timers the portal clock would not give")
    facts = spread()
    say(f"spread: {facts}")
    figures = {"machine": machine(), "cases": facts["cases"], "open": facts["open"], "users": args.users,
               "timings": [], "sweeps": [],
               "spread_note": ", ".join(f"{k} {v:,}" for k, v in facts["colours"].items())}
    users = bench_users(staff, args.users)

    errors = 1 if wrong else 0
    urls = find_workflow_urls() if args.mode != "in-process" else None
    if args.mode == "http" and urls is None:
        say("ERROR: --mode http, but the officers' queue page / take-next URLs are not there yet")
        return 1
    mode = "http" if urls else "in-process"
    figures["mode_note"] = (f"HTTP over loopback to gunicorn ({urls.source})" if urls else
                            "in-process: case_selectors.queue + paginate + case_rows / case_services.take_next on threads "
                            + ("(--mode in-process)" if args.mode == "in-process" else
                               "(the officers' pages are not there yet)"))
    # Each measure runs with think time (a new connection per request) and then back to back; the minimal view
    # is measured first and last in each, and every page's throughput is given as a share of it.
    thinks = [args.think] + ([0.0] if args.think and args.back_to_back else [])
    if args.skip_latency:
        figures["mode_note"] = "latency not measured (--skip-latency)"
    else:
        snapshot_waiting()
        try:
            if urls:
                workers = args.workers or 2 * (os.cpu_count() or 1) + 1
                with Gunicorn(url, workers) as server:
                    browsers = {u.user_id: HttpOfficer(u, server.port) for u in users}

                    def queue_op(user):
                        browsers[user.user_id].request("GET", urls.queue.format(queue=user.queue))

                    def take_op(user):  # the POST only: its redirect to the case page is not followed
                        browsers[user.user_id].request("POST", urls.take_next,
                                                       urls.take_next_body.format(queue=user.queue), ok=(302, 303))

                    pages = [] if args.skip_pages else http_pages(staff, server.port, args.users)
                    wanted = [part.strip() for part in args.only.split(",") if part.strip()]

                    def chosen(label: str) -> bool:
                        return not wanted or label == MINIMAL or any(part in label for part in wanted)

                    pages = [page for page in pages if chosen(page.label)]
                    figures["mode_note"] += f", {workers} sync workers"
                    for think in thinks:
                        say(f"measuring {'with %.1f s think time' % think if think else 'back to back'}")
                        for page in pages:
                            timing = run_concurrently(page.label, mode, page.visitors, Page.operation, args.requests,
                                                      args.warmup, think)
                            timing.target_ms = page.target_ms
                            figures["timings"].append(timing)
                            say(f"  {page.label}: p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms, "
                                f"{timing.throughput:.1f}/s")
                        if chosen("queue page"):
                            figures["timings"].append(run_concurrently("queue page", mode, users, queue_op,
                                                                       args.requests, args.warmup, think))
                        if chosen("take next"):
                            figures["timings"].append(run_concurrently("take next", mode, users, take_op,
                                                                       args.requests, args.warmup, think))
                        if pages:  # the yardstick again, last: the machine's load drifts during a run
                            figures["timings"].append(run_concurrently(MINIMAL, mode, pages[0].visitors,
                                                                       Page.operation, args.requests, args.warmup,
                                                                       think))
            else:
                for think in thinks:
                    figures["timings"].append(run_concurrently("queue page", mode, users, queue_page_in_process,
                                                               args.requests, args.warmup, think))
                    figures["timings"].append(run_concurrently("take next", mode, users, take_next_in_process,
                                                               args.requests, args.warmup, think))
        finally:
            say(f"undid {restore_waiting():,} claims made by take-next")
            vacuum_cases()
        if args.think:
            figures["mode_note"] += f", think time {args.think:.2f} s (exponential)"
    for timing in figures["timings"]:
        errors += len(timing.errors)

    def median_run(runs: list[SweepRun]) -> SweepRun:
        return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]

    if not args.skip_sweep:
        # The daily sweep runs on working days: sweep the first working day from the data's day on (the data's
        # colours are as the sweep of the day before left them), and a week of missed sweeps after it.
        day, late = sweep_days(today)
        say(f"sweep day: {day:%a %Y-%m-%d} (the data was generated for {today:%a %Y-%m-%d}); "
            f"a week of sweeps missed: {late:%a %Y-%m-%d}")
        vacuum_cases()
        full = measure_sweep(day, label=f"daily sweep {day:%a %m-%d}, all open", repeats=args.repeats)
        figures["sweeps"].append(median_run(full))
        vacuum_cases()
        figures["sweeps"].append(median_run(measure_sweep(day, shrink=10,
                                                          label=f"daily sweep {day:%a %m-%d}, 1/10 open",
                                                          repeats=args.repeats)))
        vacuum_cases()
        figures["sweeps"].append(median_run(measure_sweep(late, label=f"a week of sweeps missed ({late:%a %m-%d})",
                                                          repeats=args.repeats)))
        vacuum_cases()
        say("statements of one sweep: " + " | ".join(full[0].kinds))
    if args.explain:
        explain(today, users)
        explain_applicant_pages()
    figures["machine"] = machine()
    summary(figures)
    if errors:
        say(f"{errors} errors")
    if args.drop:
        from django.db import connections

        connections.close_all()
        drop_database(url)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
