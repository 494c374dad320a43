#!/usr/bin/env python
"""Benchmark of the dashboards (统计分析) and the hall screen (大厅屏), issue 15 items 3 and 4.

    PYTHONPATH=. BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow_bench \\
        .venv/bin/python bench/dashboard_bench.py                      # 1,000,000 cases, 30 renders per measure

1. Data: the workflow bench's database and generator (bench/approvals_bench.py: 1,000,000 cases, 900,000 closed
   over five years with acceptance and decision times, 100,000 open with timer days), reused when it is there.
   Added here once, set-based (INSERT ... SELECT): a handoff (审管联动) per decision of the last 400 days, nine in
   ten claimed (some late), and, for one application in 20 of the last 400 days each, a 容缺受理, a 告知承诺 and a
   不予受理 notice, and a supplement request for one in 10, so every figure reads real rows. Then the nightly
   roll-ups of closed days (portal/rollups.py) up to yesterday, timed: the dashboards read today live.
2. Figures: p50/p95 of whole pages rendered in-process through Django's test client (middleware, the SQL, the
   templates and the SVG charts), signed in as the bench leader or a section head: the dashboard for the default
   period (本月), for the year, for one section over the year, for one item, a head's own section, the whole
   workbook export, and the hall screen; then each section's provider alone for the year. Target: p95 < 300 ms,
   reported as met/missed (the exit status is non-zero only on errors). `--explain` prints the statements' plans.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import approvals_bench as base  # noqa: E402

TARGET_P95_MS = 300.0
EXTRAS_KEY = "dashboard_extras"
RECENT_DAYS = 400


def say(message: str) -> None:
    print(f"[dashboard-bench] {message}", flush=True)


@base._as_owner
def add_extras(today, out=say) -> dict[str, int]:
    """Handoffs, notices and supplement requests for the figures that read them (set-based, once)."""
    from django.db import connection, transaction

    counts: dict[str, int] = {}
    since = today.toordinal() - RECENT_DAYS
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SELECT setseed(0.15)")
        cursor.execute("DELETE FROM supervision_handoff WHERE idempotency_key LIKE 'bench\\_%%'")
        t0 = time.perf_counter()
        cursor.execute("""
            INSERT INTO supervision_handoff (public_id, department_id, sequence, event_id, idempotency_key, kind,
                                             payload, application_id, case_id, item_id, created_at, claim_due_on,
                                             claimed_at, claimed_by_id)
            SELECT gen_random_uuid(), x.department_id,
                   coalesce(m.last, 0) + row_number() OVER (PARTITION BY x.department_id ORDER BY x.decided_at, x.id),
                   gen_random_uuid(), 'bench_' || x.id || '_' || x.department_id, 'decision', '{}'::jsonb,
                   x.application_id, x.id, x.item_id, x.decided_at + interval '5 minutes',
                   (x.decided_at AT TIME ZONE 'Asia/Shanghai')::date + 5,
                   CASE WHEN x.r < 0.9 THEN x.decided_at + (x.r * 8) * interval '1 day' END,
                   CASE WHEN x.r < 0.9 THEN %(leader)s END
              FROM (SELECT c.id, c.application_id, c.item_id, c.decided_at, i.supervising_department_id AS department_id,
                           random() AS r
                      FROM approvals_approvalcase c JOIN catalog_item i ON i.id = c.item_id
                     WHERE c.stage IN ('approved', 'denied') AND c.decided_at >= now() - %(days)s * interval '1 day') x
              -- the departments' last sequence numbers, read once (a subquery per row would rescan the new rows)
              LEFT JOIN (SELECT department_id, max(sequence) AS last FROM supervision_handoff GROUP BY department_id) m
                     ON m.department_id = x.department_id
        """, {"leader": base.ensure_staff().leader, "days": RECENT_DAYS})
        counts["handoffs"] = cursor.rowcount
        out(f"  handoffs: {cursor.rowcount:,} ({time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        cursor.execute("DELETE FROM approvals_notice WHERE number LIKE 'BENCH-%%'")
        cursor.execute("""
            INSERT INTO approvals_notice (public_id, application_id, kind, number, title, body_html, issued_at,
                                          issued_by_id, pdf, pdf_sha256)
            SELECT gen_random_uuid(), a.id, k.kind, 'BENCH-' || k.kind || '-' || a.id, k.title, '<p>bench</p>',
                   a.accepted_at, a.filed_by_id, '', ''
              FROM applications_application a
              JOIN (VALUES (0, 'tolerance', '容缺受理通知书'), (1, 'commitment', '告知承诺受理通知书'),
                           (2, 'refusal', '不予受理决定书')) AS k(m, kind, title) ON a.id %% 20 = k.m
             WHERE a.accepted_at >= now() - %(days)s * interval '1 day'""", {"days": RECENT_DAYS})
        counts["notices"] = cursor.rowcount
        out(f"  notices (容缺, 告知承诺, 不予受理): {cursor.rowcount:,} ({time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        cursor.execute("""
            INSERT INTO applications_supplementrequest (application_id, requested_by_id, requested_at, due_date, note,
                                                         answered_at, lapsed_at)
            SELECT a.id, a.filed_by_id, a.received_at, (a.received_at AT TIME ZONE 'Asia/Shanghai')::date + 28, '',
                   a.accepted_at, NULL
              FROM applications_application a
             WHERE a.id %% 10 = 3 AND a.received_at >= now() - %(days)s * interval '1 day'
               AND NOT EXISTS (SELECT 1 FROM applications_supplementrequest r WHERE r.application_id = a.id)""",
                       {"days": RECENT_DAYS})
        counts["supplement_requests"] = cursor.rowcount
        out(f"  supplement requests: {cursor.rowcount:,} ({time.perf_counter() - t0:.1f} s)")
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {base.META_TABLE} (key text PRIMARY KEY, value text NOT NULL)")
        cursor.execute(f"INSERT INTO {base.META_TABLE} VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
                       "excluded.value", [EXTRAS_KEY, str(since)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE supervision_handoff, approvals_notice, applications_supplementrequest")
    return counts


@dataclass
class Measure:
    label: str
    samples: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    note: str = ""

    def p(self, q: float) -> float:
        ordered = sorted(self.samples)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    @property
    def met(self) -> bool:
        return bool(self.samples) and not self.errors and self.p(0.95) < TARGET_P95_MS


def time_it(label: str, operation, renders: int, warmup: int, note: str = "") -> Measure:
    measure = Measure(label, note=note)
    for index in range(warmup + renders):
        t0 = time.perf_counter()
        try:
            operation()
        except Exception as exc:  # noqa: BLE001 - reported, the run goes on
            measure.errors.append(f"{exc.__class__.__name__}: {exc}")
            continue
        if index >= warmup:
            measure.samples.append((time.perf_counter() - t0) * 1000)
    say(f"{label}: p50 {measure.p(0.5):.0f} ms, p95 {measure.p(0.95):.0f} ms ({len(measure.samples)} renders"
        f"{', ' + str(len(measure.errors)) + ' errors' if measure.errors else ''})")
    return measure


def page_getter(client, url: str, params: dict | None = None):
    def get():
        response = client.get(url, params or {}, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}")
        return response
    return get


def measures(renders: int, warmup: int, export: bool = True) -> list[Measure]:
    from django.test import Client
    from django.urls import reverse

    from catalog.models import Item, Section
    from portal import oversight
    from portal.models import User
    from portal.oversight_views import FilterForm
    from portal import clock

    staff = base.ensure_staff()
    leader = User.objects.get(pk=staff.leader)
    busiest = Section.objects.order_by("code").first()
    head = User.objects.get(pk=staff.heads[busiest.pk])
    item = Item.objects.order_by("sort_order", "id").first()
    as_leader, as_head = Client(), Client()
    as_leader.force_login(leader)
    as_head.force_login(head)
    dashboard, hall, book = reverse("portal:oversight"), reverse("portal:hall"), reverse("portal:oversight_workbook")
    year = {"period": "year"}
    out = [
        time_it("dashboard, 本月 (default)", page_getter(as_leader, dashboard), renders, warmup, "leader"),
        time_it("dashboard, 本年度", page_getter(as_leader, dashboard, year), renders, warmup, "leader"),
        time_it("dashboard, 本年度, one section", page_getter(as_leader, dashboard, {**year, "section": busiest.pk}),
                renders, warmup, busiest.name),
        time_it("dashboard, 本年度, one item", page_getter(as_leader, dashboard, {**year, "item": item.pk}),
                renders, warmup, item.name[:16]),
        time_it("dashboard, section head, 本月", page_getter(as_head, dashboard), renders, warmup, busiest.name),
        time_it("hall screen (大厅屏)", page_getter(as_leader, hall), renders, warmup, "today"),
    ]
    if export:
        out.append(time_it("export workbook XLSX, 本月", page_getter(as_leader, book), max(2, renders // 5), 1,
                           "every table, lists up to 10,000 rows"))
    scope = oversight.scope_for(leader)
    form = FilterForm(year, scope=scope, today=clock.today())
    assert form.is_valid(), form.errors
    filters = form.filters()
    for section in oversight.sections_for(leader, oversight.OVERSIGHT):
        out.append(time_it(f"section {section.key}, 本年度 (provider)", lambda s=section: s.provider(filters), renders,
                           warmup, "SQL + shaping"))
    return out


def explain() -> None:
    """EXPLAIN ANALYZE of the year's statements (captured from one render)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from approvals.oversight import providers
    from portal import clock, oversight

    start, end = oversight.period_bounds("year", clock.today())
    filters = oversight.Filters(start=start, end=end, today=clock.today())
    with CaptureQueriesContext(connection) as captured:
        providers.intake(filters)
        providers.timeliness(filters)
        providers.warnings(filters)
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "catalog_item\".\"id\" IN" in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(r[0] for r in cursor.fetchall()[:40]))
            print("-" * 96)


def summary(rows: list[Measure], facts: str, out=print) -> None:
    out("=" * 104)
    out(f"dashboard benchmark — {base.machine()}")
    out(f"data: {facts}")
    out("-" * 104)
    out(f"{'measure':<44}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'n':>5}  target p95 < {TARGET_P95_MS:.0f} ms   note")
    for m in rows:
        verdict = "ERROR" if m.errors else ("met" if m.met else "missed")
        out(f"{m.label:<44}{m.p(0.5):>9.1f}{m.p(0.95):>9.1f}{max(m.samples or [0]):>9.1f}{len(m.samples):>5}  "
            f"{verdict:<26}{m.note}")
        for error in m.errors[:2]:
            out(f"    {error}")
    out("=" * 104)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000, dest="open_cases")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data even when it is already there")
    parser.add_argument("--renders", type=int, default=30, help="measured renders per measure")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--skip-export", action="store_true", help="leave out the whole-workbook export measure")
    # `make bench ARGS=...` passes the same arguments to every bench script: the others' are not ours to refuse.
    args, _others = parser.parse_known_args(argv)

    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    # DEBUG off (as in production) serves hashed static names from the manifest: collected once into var/bench.
    os.environ.setdefault("ONEWINDOW_VAR_DIR", str(base.PROJECT_DIR / "var" / "bench"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    url = base.bench_database_url()
    meta = None if args.fresh else base.stored_meta(url)
    rebuild = meta is None or meta.get("cases") != str(args.cases) or meta.get("open") != str(args.open_cases)
    if rebuild:
        base.recreate_database(url)
    base.setup_django(url)
    from django.core.management import call_command
    from django.utils import timezone

    say(f"database {base._database_name(url)}: migrate")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if rebuild:
        base.generate(args.cases, args.open_cases, timezone.localdate())
        meta = base.stored_meta(url)
    if rebuild or EXTRAS_KEY not in (meta or {}):
        say("adding handoffs, notices and supplement requests")
        add_extras(timezone.localdate())
    else:
        say(f"reusing {int(meta['cases']):,} cases generated for {meta['today']} (--fresh to rebuild)")
    from portal import rollups

    for done in rollups.roll_up_all():
        if done["rows"] or done["from"]:
            say(f"roll-up {done['key']}: {done['rows']:,} rows for {done['from'] or 'every day'} .. "
                f"{done['through']} ({done['seconds']:.1f} s)")
        else:
            say(f"roll-up {done['key']}: already through {done['through']}")
    facts = base.spread()
    rows = measures(args.renders, args.warmup, export=not args.skip_export)
    if args.explain:
        explain()
    summary(rows, f"{facts['cases']:,} cases ({facts['open']:,} open), {facts['applications']:,} applications, "
                  f"{args.renders} renders per measure after {args.warmup} warm-up, in-process (Django test client, "
                  "DEBUG off)")
    return 1 if any(m.errors for m in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
