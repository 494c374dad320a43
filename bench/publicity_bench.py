#!/usr/bin/env python
"""Benchmark of the public listing of licensing decisions (双公示, approvals.publicity).

    PYTHONPATH=. DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow \\
        .venv/bin/python bench/publicity_bench.py --cases 300000 --explain

1. Data, in its own database (`onewindow_bench_publicity` on the server of DATABASE_OWNER_URL or DATABASE_URL;
   PUBLICITY_BENCH_DATABASE_URL to choose another): the approval workflow's generator (bench/approvals_bench.py:
   set-based SQL, `--cases` cases over five years, `--open` of them open) makes the cases, about nine in ten of
   the closed ones decided; then one INSERT ... SELECT each adds what the services would have written with each
   decision: a decision notice and a Decision row per case decided by an officer (holder, certificate, validity
   from the item version), and one on-the-spot notice per application decided at the window (every tenth
   application: no Decision row, as approvals.cases.services.approve_on_the_spot leaves it). ANALYZE at the end.
   Reused by the next run with the same --cases/--open (--fresh rebuilds).
2. Figures, in-process through Django's test client as an anonymous visitor (the whole request: middleware,
   selectors, template): the first page, a page 200,000 rows deep, each filter, a keyword that matches nothing
   (the worst case: every listed row is looked at), one record, the export's limit check, and full CSV exports
   (the largest the limit allows, and one month). Median and p95 of --repeats runs; the export's rows, bytes, time.
3. --explain prints EXPLAIN (ANALYZE, BUFFERS) of the row query of the first page and of some filters.
Nothing is asserted: the exit status is non-zero only on errors.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.approvals_bench import (  # noqa: E402 - the path above first
    _database_name,
    drop_database,
    machine,
    recreate_database,
    setup_django,
    stored_meta,
    with_database,
)

BENCH_DATABASE = "onewindow_bench_publicity"
META_KEY = "publicity_decisions"
INSTANT_EVERY = 10  # one application in ten decided on the spot at the window


def say(message: str) -> None:
    print(f"[publicity-bench] {message}", flush=True)


def bench_database_url() -> str:
    explicit = os.environ.get("PUBLICITY_BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = (os.environ.get("DATABASE_OWNER_URL") or os.environ.get("DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/onewindow")
    return with_database(base, BENCH_DATABASE)


# --- generation ----------------------------------------------------------------------------------------------------


def add_decisions(out=say) -> dict[str, int]:
    """The notices and Decision rows of every decided case that has none (what decide() and the window's
    on-the-spot decision write), set-based. Safe to run twice: the second run adds nothing."""
    from django.conf import settings
    from django.db import connection, transaction

    from portal import dbroles

    prefix = getattr(settings, "NOTICE_NUMBER_PREFIX", "") or (settings.CENTRE_NAME[:2] + "审")
    counts = {}
    started = time.perf_counter()

    def run(label: str, sql: str, params=None) -> int:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        out(f"  {label}: {count:,} ({time.perf_counter() - t0:.1f} s)")
        return count

    with dbroles.as_owner(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Which decided cases were decided on the spot: every case of every tenth application, approvals only.
        cursor.execute("DROP TABLE IF EXISTS bench_pub_case")
        cursor.execute(f"""
            CREATE UNLOGGED TABLE bench_pub_case AS
            SELECT c.id, c.application_id, c.stage, c.decided_at, c.decided_by_id, c.item_version_id,
                   c.application_id % {INSTANT_EVERY} = 3 AND NOT EXISTS (
                       SELECT 1 FROM approvals_approvalcase d
                        WHERE d.application_id = c.application_id AND d.stage <> 'approved') AS instant
              FROM approvals_approvalcase c
             WHERE c.stage IN ('approved', 'denied')
               AND NOT EXISTS (SELECT 1 FROM approvals_decision x WHERE x.case_id = c.id)""")
        cursor.execute("ALTER TABLE bench_pub_case ADD PRIMARY KEY (id)")
        params = {"prefix": prefix}
        counts["instant_notices"] = run("on-the-spot notices (one per application)", """
            INSERT INTO approvals_notice (public_id, application_id, kind, number, title, body_html, issued_at,
                                          issued_by_id, pdf, pdf_sha256, rendered_at)
            SELECT gen_random_uuid(), p.application_id, 'instant',
                   %(prefix)s || '准〔' || extract(year FROM min(p.decided_at) AT TIME ZONE 'Asia/Shanghai')
                   || '〕B' || lpad(p.application_id::text, 9, '0') || '号',
                   '准予行政许可决定书（当场办结）', '<p>（基准测试数据）</p>', min(p.decided_at), min(p.decided_by_id),
                   '', '', NULL
              FROM bench_pub_case p
             WHERE p.instant
               AND NOT EXISTS (SELECT 1 FROM approvals_notice n WHERE n.application_id = p.application_id
                                                                  AND n.kind = 'instant')
             GROUP BY p.application_id""", params)
        counts["decision_notices"] = run("decision notices (one per officer's decision)", """
            INSERT INTO approvals_notice (public_id, application_id, kind, number, title, body_html, issued_at,
                                          issued_by_id, pdf, pdf_sha256, rendered_at)
            SELECT gen_random_uuid(), p.application_id,
                   CASE p.stage WHEN 'approved' THEN 'approval' ELSE 'denial' END,
                   %(prefix)s || CASE p.stage WHEN 'approved' THEN '许' ELSE '不许' END || '〔'
                   || extract(year FROM p.decided_at AT TIME ZONE 'Asia/Shanghai') || '〕B'
                   || lpad(p.id::text, 9, '0') || '号',
                   CASE p.stage WHEN 'approved' THEN '准予行政许可决定书' ELSE '不予行政许可决定书' END,
                   '<p>（基准测试数据）</p>', p.decided_at, p.decided_by_id, '', '', NULL
              FROM bench_pub_case p WHERE NOT p.instant""", params)
        counts["decisions"] = run("decisions", """
            INSERT INTO approvals_decision (case_id, outcome, decided_by_id, decided_at, opinion, certificate_name,
                                            holder_name, holder_id_type, holder_id_number, scope, valid_from,
                                            valid_until, reasons, appeal_rights, notice_id)
            SELECT p.id, CASE p.stage WHEN 'approved' THEN 'approve' ELSE 'deny' END, p.decided_by_id,
                   p.decided_at, '同意。',
                   CASE WHEN p.stage = 'approved' THEN coalesce(v.snapshot ->> 'certificate_name', '') ELSE '' END,
                   CASE WHEN p.stage = 'approved' THEN ap.name ELSE '' END,
                   CASE WHEN p.stage = 'approved' THEN ap.id_type ELSE '' END,
                   CASE WHEN p.stage = 'approved' THEN ap.id_number ELSE '' END,
                   CASE WHEN p.stage = 'approved' THEN v.snapshot ->> 'name' ELSE '' END,
                   CASE WHEN p.stage = 'approved' THEN (p.decided_at AT TIME ZONE 'Asia/Shanghai')::date END,
                   CASE WHEN p.stage = 'approved' AND v.snapshot ->> 'certificate_validity_years' IS NOT NULL
                        THEN ((p.decided_at AT TIME ZONE 'Asia/Shanghai')::date
                              + make_interval(years => (v.snapshot ->> 'certificate_validity_years')::int)
                              - interval '1 day')::date END,
                   CASE WHEN p.stage = 'denied' THEN '经审查，申请人不符合法定条件、标准。' ELSE '' END,
                   CASE WHEN p.stage = 'denied'
                        THEN '如不服本决定，可以自收到本决定书之日起60日内申请行政复议，或者在6个月内依法提起行政诉讼。'
                        ELSE '' END,
                   n.id
              FROM bench_pub_case p
              JOIN applications_application a ON a.id = p.application_id
              JOIN applications_applicant ap ON ap.id = a.applicant_id
              JOIN catalog_itemversion v ON v.id = p.item_version_id
              JOIN approvals_notice n ON n.number = %(prefix)s || CASE p.stage WHEN 'approved' THEN '许' ELSE '不许' END
                   || '〔' || extract(year FROM p.decided_at AT TIME ZONE 'Asia/Shanghai') || '〕B'
                   || lpad(p.id::text, 9, '0') || '号'
             WHERE NOT p.instant""", params)
        cursor.execute("DROP TABLE bench_pub_case")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                       [META_KEY, str(counts["decisions"])])
    with dbroles.as_owner(), connection.cursor() as cursor:
        t0 = time.perf_counter()
        cursor.execute("VACUUM (ANALYZE) approvals_approvalcase, approvals_decision, approvals_notice")
        out(f"  VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s")
    out(f"decisions and notices added in {time.perf_counter() - started:.0f} s")
    return counts


def facts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FILTER (WHERE c.stage = 'approved'),
                   count(*) FILTER (WHERE c.stage = 'denied'),
                   count(*) FILTER (WHERE c.stage = 'approved' AND d.id IS NULL),
                   count(*) FILTER (WHERE ap.id_type = '111')
              FROM approvals_approvalcase c
              LEFT JOIN approvals_decision d ON d.case_id = c.id
              JOIN applications_application a ON a.id = c.application_id
              JOIN applications_applicant ap ON ap.id = a.applicant_id
             WHERE c.stage IN ('approved', 'denied')""")
        approved, denied, instant, persons = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM approvals_approvalcase")
        cases = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM approvals_notice")
        notices = cursor.fetchone()[0]
    return {"cases": cases, "approved": approved, "denied": denied, "on_the_spot": instant,
            "natural_persons": persons, "notices": notices}


# --- measuring -----------------------------------------------------------------------------------------------------


def timed(label: str, fn, repeats: int, out=say) -> dict:
    fn()  # warm: the process's first request loads templates, the calendar ...
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, max(0, int(round(0.95 * len(samples) + 0.5)) - 1))]
    row = {"label": label, "median": statistics.median(samples), "p95": p95}
    out(f"{label:<52}{row['median']:>9.1f}{row['p95']:>9.1f}")
    return row


def get(client, path: str, params: dict | None = None, status: int = 200):
    response = client.get(path, params or {})
    if response.status_code != status:
        raise SystemExit(f"GET {path} {params}: {response.status_code}")
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def sample_values() -> dict:
    """A popular and a rare item, a department, a month, an organisation's name part, a notice, a deep cursor."""
    from django.db.models import Count

    from approvals.models import ApprovalCase, Decision
    from approvals.publicity import selectors
    from catalog.models import Item

    listed = selectors.decided_cases()
    by_item = list(listed.values("item_id").annotate(n=Count("id")).order_by("-n"))
    popular, rare = by_item[0], by_item[-1]
    department = Item.objects.get(pk=popular["item_id"]).competent_department_id
    newest = listed.order_by("-decided_at").values_list("decided_at", flat=True).first()
    decision = (Decision.objects.filter(outcome="approve", holder_id_type="001").select_related("notice")
                .order_by("-decided_at").first())
    deep_offset = min(200_000, max(0, listed.count() - 100))
    deep = listed.order_by("-decided_at", "-id").values_list("decided_at", "id")[deep_offset]
    return {
        "popular_item": popular, "rare_item": rare, "department": department,
        "month": (newest.date() - timedelta(days=30), newest.date()),
        "org_part": decision.holder_name[3:5] if decision else "公司",
        "notice_number": decision.notice.number if decision else "",
        "notice_public_id": decision.notice.public_id if decision else None,
        "deep_cursor": selectors.encode_cursor(*deep), "deep_offset": deep_offset,
        "cases": ApprovalCase.objects.count(),
    }


def explain(values: dict, out=say) -> None:
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    from approvals.publicity import selectors

    plans = [
        ("first page", selectors.Filters(), None),
        ("page 200,000 rows deep", selectors.Filters(), values["deep_cursor"]),
        ("filter: the most decided item", selectors.Filters(item=values["popular_item"]["item_id"]), None),
        ("filter: the least decided item", selectors.Filters(item=values["rare_item"]["item_id"]), None),
        ("filter: department", selectors.Filters(department=values["department"]), None),
        ("filter: one month", selectors.Filters(date_from=values["month"][0], date_to=values["month"][1]), None),
        ("keyword matching nothing", selectors.Filters(keyword="不存在的单位名称"), None),
        ("keyword: organisation name part", selectors.Filters(keyword=values["org_part"]), None),
    ]
    for label, filters, after in plans:
        cases = selectors.decided_cases(filters)
        if after:
            moment, pk = selectors.decode_cursor(after)
            cases = cases.filter(decided_at__lte=moment).exclude(decided_at=moment, id__gte=pk)
        query = selectors._rows(cases).order_by("-decided_at", "-id")[: selectors.PAGE_SIZE + 1]
        try:
            sql, params = query.query.sql_with_params()
        except EmptyResultSet:
            out(f"--- EXPLAIN {label}: no row query (nothing matched in the narrow tables first)")
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
        out(f"--- EXPLAIN {label}")
        for line in lines:
            out("    " + line)


def measure(repeats: int, out=say) -> list[dict]:
    """The figures, with DEBUG off as in production, but served in-process over plain http to the test client
    (static names unhashed: no collectstatic)."""
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], SECURE_SSL_REDIRECT=False,
                           STORAGES=storages):
        return _measure(repeats, out)


def _measure(repeats: int, out=say) -> list[dict]:
    from django.test import Client
    from django.urls import reverse

    from approvals.publicity import selectors

    values = sample_values()
    out(f"samples: most decided item {values['popular_item']}, least {values['rare_item']}, "
        f"keyword {values['org_part']!r}, deep page at row {values['deep_offset']:,}")
    client = Client()
    index, export = reverse("publicity:index"), reverse("publicity:export")
    month = {"date_from": values["month"][0].isoformat(), "date_to": values["month"][1].isoformat()}
    out("-" * 72)
    out(f"{'request (anonymous, in-process, ms)':<52}{'median':>9}{'p95':>9}")
    rows = [
        timed("listing: first page", lambda: get(client, index), repeats),
        timed("listing: next page (cursor from the first)",
              lambda: get(client, index, {"after": selectors.page().older}), repeats),
        timed(f"listing: page {values['deep_offset']:,} rows deep",
              lambda: get(client, index, {"after": values["deep_cursor"]}), repeats),
        timed("filter: most decided item", lambda: get(client, index, {"item": values["popular_item"]["item_id"]}),
              repeats),
        timed("filter: least decided item", lambda: get(client, index, {"item": values["rare_item"]["item_id"]}),
              repeats),
        timed("filter: department", lambda: get(client, index, {"department": values["department"]}), repeats),
        timed("filter: one month", lambda: get(client, index, month), repeats),
        timed(f"keyword: organisation name part {values['org_part']!r}",
              lambda: get(client, index, {"q": values["org_part"]}), repeats),
        timed("keyword: a notice number (whole)", lambda: get(client, index, {"q": values["notice_number"]}),
              repeats),
        timed("keyword matching nothing (every row looked at)",
              lambda: get(client, index, {"q": "不存在的单位名称"}), repeats),
    ]
    if values["notice_public_id"]:
        rows.append(timed("one record (detail page)",
                          lambda: get(client, reverse("publicity:detail", args=[values["notice_public_id"]])),
                          repeats))
    rows.append(timed("export: limit check, no filter",
                      lambda: selectors.exceeds_export_limit(selectors.Filters()), repeats))
    out("-" * 72)
    for label, params in (("export: one month", month),
                          ("export: most decided item (up to the limit)", {"item": values["popular_item"]["item_id"]}),
                          ("export: everything (refused above the limit)", {})):
        t0 = time.perf_counter()
        response = client.get(export, params)
        if response.status_code == 302:
            out(f"{label:<52} refused: more than {selectors.EXPORT_LIMIT:,} rows "
                f"({(time.perf_counter() - t0) * 1000:.0f} ms)")
            continue
        size, lines = 0, 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        seconds = time.perf_counter() - t0
        out(f"{label:<52} {lines - 1:>8,} rows {size / 1e6:>6.1f} MB {seconds:>6.2f} s "
            f"({(lines - 1) / max(seconds, 1e-9):,.0f} rows/s)")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--open", type=int, default=5_000, dest="open_cases")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data even when it is already there")
    parser.add_argument("--repeats", type=int, default=15, help="measured requests per figure")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the row queries")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end (no reuse)")
    args, _others = parser.parse_known_args(argv)  # `make bench ARGS=...` gives every script the same arguments

    url = bench_database_url()
    meta = None if args.fresh else stored_meta(url)
    rebuild = (meta is None or meta.get("cases") != str(args.cases) or meta.get("open") != str(args.open_cases)
               or META_KEY not in meta)
    if rebuild:
        recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.utils import timezone

    say(f"database {_database_name(url)}: migrate")
    call_command("migrate", verbosity=0)
    if rebuild:
        from bench.approvals_bench import generate

        generate(args.cases, args.open_cases, timezone.localdate())
        add_decisions()
    else:
        say(f"reusing {int(meta['cases']):,} cases with {int(meta[META_KEY]):,} decisions (--fresh to rebuild)")
    say(f"data: {facts()}")
    if args.explain:
        explain(sample_values())
    measure(args.repeats)
    say(f"machine: {machine()}")
    if args.drop:
        from django.db import connections

        connections.close_all()
        drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
