"""A proposal for the workflow code (README "Benchmarks"), not run by `make bench`: the timer sweep timed with and
without the foreign-key indexes of approvals_approvalcase that nothing reads (dropped inside a transaction that
is rolled back, so the bench data keeps them). The sweep's UPDATE is not HOT (colour is indexed), so each changed
case writes every index of the table.

(The earlier proposal here, the whole sweep as one SQL statement, was adopted in approvals.services.)
Run after bench/approvals_bench.py has built its database:

    PYTHONPATH=. DATABASE_URL=... .venv/bin/python bench/proposals/sweep_without_fk_indexes.py
"""
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import approvals_bench as bench  # noqa: E402

bench.setup_django(bench.bench_database_url())

from django.db import connection, transaction  # noqa: E402

from approvals.services import sweep_timers  # noqa: E402

# Foreign keys whose index no query uses (pg_stat_user_indexes.idx_scan stays 0 through a bench run): the
# queues, take-next and the sweep use the partial indexes; assignee has approvalcase_assignee_idx.
UNREAD = ["item_id", "item_version_id", "accepted_by_id", "decided_by_id", "legal_reviewer_id", "reviewer_id",
          "section_id", "assignee_id"]


def fk_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("""SELECT i.relname, a.attname FROM pg_index x
                            JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
                           WHERE t.relname = 'approvals_approvalcase' AND x.indnatts = 1 AND NOT x.indisunique
                             AND x.indpred IS NULL""")
        return [name for name, column in cursor.fetchall() if column in UNREAD]


def timed(day: date, drop: list[str]) -> tuple[int, float]:
    result = (0, 0.0)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for name in drop:
                    cursor.execute(f'DROP INDEX "{name}"')
            t0 = time.perf_counter()
            changed = sweep_timers(today=day)
            result = (changed, time.perf_counter() - t0)
            raise bench._Rollback
    except bench._Rollback:
        pass
    bench.vacuum_cases()
    return result


if __name__ == "__main__":
    today = date.fromisoformat(bench.stored_meta(bench.bench_database_url())["today"])
    names = fk_indexes()
    print(f"{len(names)} unread foreign-key indexes: {', '.join(names)}")
    for label, drop in (("with them", []), ("without them", names)) * 2:
        changed, seconds = timed(today, drop)
        print(f"daily sweep {label:13} {changed:>7,} changed  {seconds:.2f} s", flush=True)
