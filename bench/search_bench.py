#!/usr/bin/env python
"""Benchmark of the catalogue search (catalog/search.py, catalog.selectors.search_items / search_bundles).

    PYTHONPATH=. DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow \\
        .venv/bin/python bench/search_bench.py --items 5000 --explain

1. Data, in its own database (`onewindow_bench_search` on the server of DATABASE_OWNER_URL or DATABASE_URL;
   SEARCH_BENCH_DATABASE_URL to choose another), rebuilt on every run: the demo catalogue (66 items, 6 bundles),
   then `--items` more published items made from the demo's names and keywords with a place, a variant and a
   department (e.g. "食品经营许可（南关街道第12批）"), cut into words by the same catalog.search code the services use,
   each with a version and a listing in the current edition and a random popularity. VACUUM ANALYZE at the end.
2. Figures: for each query, the guide's first page through Django's test client as an anonymous visitor (the
   whole request: middleware, the search, the bundles, the template) and the selectors alone (count + first page of
   items + bundles); median and p95 of --repeats runs, after one warm-up run (which also loads jieba's dictionary).
3. --explain prints EXPLAIN (ANALYZE, BUFFERS) of the item search: the GIN index (item_search_vector_gin) must
   answer it.
Nothing is asserted: the exit status is non-zero only on errors.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.approvals_bench import (  # noqa: E402 - the path above first
    drop_database,
    machine,
    recreate_database,
    setup_django,
    with_database,
)

BENCH_DATABASE = "onewindow_bench_search"
# Phrasings, names, a fragment (the substring fallback), a code of one generated item, and a miss.
QUERIES = ["开饭店", "办营业执照", "药店", "食品经营许可", "我要开宾馆", "消防验收", "经营许", "B0004321", "火箭发射"]
PLACES = ["宝塔", "南关街道", "凤凰山街道", "宝塔山街道", "桥沟街道", "河庄坪镇", "李渠镇", "姚店镇", "青化砭镇", "蟠龙镇"]


def say(message: str) -> None:
    print(f"[search-bench] {message}", flush=True)


def bench_database_url() -> str:
    explicit = os.environ.get("SEARCH_BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = (os.environ.get("DATABASE_OWNER_URL") or os.environ.get("DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/onewindow")
    return with_database(base, BENCH_DATABASE)


def generate(extra: int, seed: int = 7) -> None:
    """The demo catalogue, then `extra` published items derived from it (bulk inserts, words cut in Python)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog import demo, search
    from catalog.models import Edition, Item, ItemVersion, Listing

    started = time.perf_counter()
    say(demo.load(with_forms=False))
    rng = random.Random(seed)
    templates = list(Item.objects.select_related("competent_department", "supervising_department"))
    edition = Edition.objects.get(is_current=True)
    now = timezone.now()
    batch = 1000
    made = 0
    cut_seconds = 0.0
    while made < extra:
        size = min(batch, extra - made)
        rows = []
        for n in range(made, made + size):
            base = rng.choice(templates)
            place = rng.choice(PLACES)
            name = f"{base.name}（{place}第{n % 97 + 1}批）"
            keywords = "、".join(rng.sample(base.keywords.split("、"), k=min(2, len(base.keywords.split("、"))))) if base.keywords else ""
            departments = [base.competent_department.name, base.competent_department.short_name]
            code = f"B{n:07d}"
            t0 = time.perf_counter()
            words, extra_words = search.item_documents(
                name=name, keywords=keywords, certificate_name=base.certificate_name, department_names=departments,
                codes=(code,),
            )
            cut_seconds += time.perf_counter() - t0
            item = Item(
                **{f.attname: getattr(base, f.attname) for f in Item._meta.concrete_fields
                   if f.attname not in ("id", "search_vector", "created_at", "updated_at")},
            )
            item.name, item.keywords, item.implementation_code, item.base_code = name, keywords, code + "X" * 8, code
            item.search_words, item.search_extra = words, extra_words
            item.search_text = search.normalise(f"{name}|{keywords}|{'|'.join(departments)}|{code}")
            item.popularity = int(rng.paretovariate(1.5)) - 1
            rows.append(item)
        with transaction.atomic():
            created = Item.objects.bulk_create(rows)
            versions = ItemVersion.objects.bulk_create(
                [ItemVersion(item=i, number=1, snapshot={"name": i.name, "bench": True}, digest="bench") for i in created]
            )
            Listing.objects.bulk_create(
                [Listing(edition=edition, item=i, version=v, published_at=now) for i, v in zip(created, versions)]
            )
        made += size
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE catalog_item")  # as autovacuum would, after a bulk load
        cursor.execute("ANALYZE catalog_listing")
        cursor.execute("ANALYZE catalog_bundle")
    say(f"{Item.objects.count()} items ({extra} generated; jieba cut them in {cut_seconds:.1f} s) "
        f"in {time.perf_counter() - started:.1f} s")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(repeats: int) -> None:
    """Through the test client as in production but for the host and HTTPS redirect (static names unhashed: no
    collectstatic)."""
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], SECURE_SSL_REDIRECT=False,
                           STORAGES=storages):
        _measure(repeats)


def _measure(repeats: int) -> None:
    from django.test import Client

    from catalog import selectors

    client = Client()
    say(f"{'query':<10} {'page p50':>9} {'page p95':>9} {'sel p50':>8} {'sel p95':>8}  items  bundles  first hit")
    for query in QUERIES:
        client.get("/guide/", {"q": query})  # warm-up (and jieba's dictionary, once)
        page_times, selector_times = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            response = client.get("/guide/", {"q": query})
            page_times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            t0 = time.perf_counter()
            items = selectors.guide_items(query=query)
            count = items.count()
            first = list(items[: selectors.GUIDE_PAGE_SIZE])
            bundles = selectors.search_bundles(query)
            selector_times.append((time.perf_counter() - t0) * 1000)
        hit = bundles[0].title if bundles else (first[0].name if first else "—")
        say(f"{query:<10} {statistics.median(page_times):8.1f}ms {percentile(page_times, 95):8.1f}ms "
            f"{statistics.median(selector_times):7.1f}ms {percentile(selector_times, 95):7.1f}ms  "
            f"{count:5d}  {len(bundles):7d}  {hit}")


def explain() -> None:
    from django.db import connection

    from catalog import search

    # The planner's own choice, then with sequential scans discouraged: where a word is in one item in twenty
    # (the generated catalogue repeats the demo's 66 names) reading the whole table can be as cheap as the index;
    # for a selective word (a code) the index answers.
    for query, seqscan in (("开饭店", "on"), ("开饭店", "off"), ("B0004321", "on")):
        text = search.tsquery_text(query)
        with connection.cursor() as cursor:
            cursor.execute(f"SET enable_seqscan = {seqscan}")
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT id, name FROM catalog_item "
                "WHERE search_vector @@ to_tsquery('simple', %s) "
                "ORDER BY popularity DESC, ts_rank(search_vector, to_tsquery('simple', %s)) DESC LIMIT 20",
                [text, text],
            )
            say(f"EXPLAIN {query} (enable_seqscan {seqscan}): {text}")
            for (line,) in cursor.fetchall():
                print("    " + line)
            cursor.execute("RESET enable_seqscan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--items", type=int, default=5000, help="published items to generate beyond the demo's")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args, _unknown = parser.parse_known_args()  # `make bench ARGS=...` passes every script the same arguments
    url = bench_database_url()
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    say(machine())
    call_command("migrate", verbosity=0)
    generate(args.items)
    measure(args.repeats)
    if args.explain:
        explain()
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
