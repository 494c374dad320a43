"""A tiny run of the workflow benchmark (bench/approvals_bench.py): the generator makes the spread it promises,
with due dates the portal clock agrees with, and the figures come out. Nothing here is timed."""
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bench import approvals_bench as bench
from portal import clock

pytestmark = pytest.mark.django_db(transaction=True)  # the measures run on threads with their own connections

OPEN_STAGES = {"received", "review", "inspection", "legal_review", "decision"}
CLOSED_STAGES = {"approved", "denied", "withdrawn", "terminated"}


def test_generator_spread_and_figures():
    today = timezone.localdate()
    lines = []
    counts = bench.generate(2000, 200, today, out=lines.append)

    assert counts["cases"] == 2000
    assert counts["application_items"] == 2000
    assert 0 < counts["applications"] <= 2000 and counts["applicants"] >= 50
    # The applicant side (issue 14): filers represent applicants, agents file with consents, an intake queue.
    assert counts["representations"] > 0 and counts["agent_consents"] > 0 and counts["submitted"] > 0
    assert counts["supplements"] > 0
    facts = bench.spread()
    assert facts["cases"] == 2000 and facts["open"] == 200
    assert set(facts["stages"]) == OPEN_STAGES | CLOSED_STAGES, facts["stages"]
    assert sum(n for stage, n in facts["stages"].items() if stage in OPEN_STAGES) == 200
    assert {"red", "yellow", "green"} <= set(facts["colours"]), facts["colours"]
    assert facts["colours"]["green"] > facts["colours"]["red"]
    assert facts["sections"] >= 5 and facts["items"] >= 10
    assert 0 < facts["waiting"] < 200
    with connection.cursor() as cursor:
        # Bundles open several cases of one application; identifiers carry valid check characters.
        cursor.execute("SELECT count(*) FROM applications_application WHERE bundle_id IS NOT NULL")
        assert cursor.fetchone()[0] > 0
        cursor.execute("SELECT id_type, id_number FROM applications_applicant ORDER BY id LIMIT 40")
        from portal.identifiers import is_valid_citizen_id, is_valid_credit_code

        for id_type, number in cursor.fetchall():
            assert (is_valid_citizen_id if id_type == "111" else is_valid_credit_code)(number), number
        # Due dates around today: some open cases already past their promised date, most still ahead.
        cursor.execute("""SELECT count(*) FILTER (WHERE promised_due_date < %s), count(*) FILTER (WHERE promised_due_date >= %s)
                            FROM approvals_approvalcase WHERE stage IN ('received', 'review', 'inspection',
                                                                        'legal_review', 'decision')""", [today, today])
        past, ahead = cursor.fetchone()
        assert 0 < past < ahead
    # The SQL generation counts working days exactly as the portal's clock does.
    assert bench.check_clock(sample=200) == 0

    staff = bench.ensure_staff()
    users = bench.bench_users(staff, 4)
    bench.snapshot_waiting()
    queue = bench.run_concurrently("queue page", "in-process", users, bench.queue_page_in_process, 2, 1, 0)
    take = bench.run_concurrently("take next", "in-process", users, bench.take_next_in_process, 2, 0, 0)
    assert bench.restore_waiting() > 0
    assert not queue.errors and not take.errors, (queue.errors, take.errors)
    assert len(queue.samples) == 8 and len(take.samples) == 8

    # The sweep is measured on a working day (a weekend sweep changes nothing), a week late on one too.
    day, late = bench.sweep_days(today)
    assert today <= day < late and clock.is_working_day(day) and clock.is_working_day(late)
    full = bench.measure_sweep(today, label="daily sweep, all open", repeats=1)[0]
    small = bench.measure_sweep(today, shrink=10, label="daily sweep, 1/10 open", repeats=1)[0]
    later = bench.measure_sweep(today + timedelta(days=7), label="a week of sweeps missed", repeats=1)[0]
    assert full.open_cases == 200 and small.open_cases == 20
    assert later.changed > 0
    changing = [run for run in (full, small, later) if run.changed]
    assert len({run.statements for run in changing}) == 1, [(r.label, r.statements, r.kinds) for r in changing]
    # The sweep ran in a rolled-back transaction: the data is as generated.
    assert bench.spread()["colours"] == facts["colours"]

    printed = []
    bench.summary({"machine": "test", "cases": facts["cases"], "open": facts["open"], "users": len(users),
                   "spread_note": "", "mode_note": "in-process", "timings": [queue, take],
                   "sweeps": [full, small, later]}, out=printed.append)
    text = "\n".join(printed)
    for expected in ("queue page [in-process]", "take next [in-process]", "daily sweep, all open",
                     "daily sweep, 1/10 open", "p95 < 50 ms", "constant: met"):
        assert expected in text, text
