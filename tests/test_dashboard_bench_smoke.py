"""A tiny run of the dashboards' benchmark (bench/dashboard_bench.py): the workflow generator's data plus the
handoffs, notices and supplement requests it adds, every measure renders without error, and the figures read
them. Nothing here is timed."""
import pytest
from django.utils import timezone

from approvals.oversight import selectors
from bench import approvals_bench as base
from bench import dashboard_bench as bench
from portal import clock, oversight

pytestmark = pytest.mark.django_db(transaction=True)


def test_tiny_dashboard_bench():
    today = timezone.localdate()
    base.generate(2000, 200, today, out=lambda _line: None)
    counts = bench.add_extras(today, out=lambda _line: None)
    assert counts["handoffs"] > 0 and counts["notices"] > 0 and counts["supplement_requests"] > 0

    start, end = oversight.period_bounds("year", clock.today())
    year = oversight.Filters(start=start - (end - start) if start == end else start.replace(year=start.year - 1),
                             end=end, today=clock.today())
    _unit, _buckets, totals = selectors.intake_counts(year)
    assert totals["completed"] > 0 and totals["tolerance"] > 0 and totals["supplemented"] > 0
    assert any(t.level == "total" and t.completed for t in selectors.timeliness(year))

    rows = bench.measures(renders=2, warmup=0)
    assert not [m.errors for m in rows if m.errors]
    assert {m.label for m in rows} >= {"dashboard, 本月 (default)", "hall screen (大厅屏)", "section timeliness, 本年度 (provider)"}
    printed = []
    bench.summary(rows, "tiny", out=printed.append)
    text = "\n".join(printed)
    assert "p95 < 300 ms" in text and "ERROR" not in text
