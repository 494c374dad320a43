"""A tiny run of the public listing's benchmark (bench/publicity_bench.py): the decisions it adds are ones the
listing accepts (masking, on-the-spot rows, denials), and every figure comes out. Nothing here is timed."""
import pytest
from django.db import connection
from django.utils import timezone

from approvals.models import ApprovalCase, Decision, Notice
from approvals.publicity import selectors
from bench import approvals_bench
from bench import publicity_bench as bench

pytestmark = pytest.mark.django_db(transaction=True)  # VACUUM, and the export's server-side cursor


def test_generated_decisions_are_listed_and_measured():
    approvals_bench.generate(800, 50, timezone.localdate(), out=lambda _line: None)
    lines = []
    counts = bench.add_decisions(out=lines.append)
    assert counts["decisions"] > 0 and counts["instant_notices"] > 0
    assert bench.add_decisions(out=lines.append)["decisions"] == 0  # a second run adds nothing
    facts = bench.facts()
    decided = ApprovalCase.objects.filter(stage__in=["approved", "denied"]).count()
    assert Decision.objects.count() + facts["on_the_spot"] == decided
    assert Notice.objects.filter(kind="instant").count() == counts["instant_notices"]

    page = selectors.page()
    assert len(page.records) == selectors.PAGE_SIZE and page.older
    kinds = {r.category for r in page.records}
    assert selectors.NATURAL_PERSON in kinds and selectors.ORGANISATION in kinds
    for record in page.records:
        assert record.document_number and record.public_id
        if record.category == selectors.NATURAL_PERSON:
            assert "*" in record.holder_name and "*" in record.id_number
    assert any(r.instant for r in selectors.export_records(selectors.Filters()))

    printed = []
    bench.explain(bench.sample_values(), out=printed.append)
    rows = bench.measure(1, out=printed.append)
    text = "\n".join(printed)
    assert "Index Scan Backward using approvalcase_decided_idx" in text, text
    assert {"listing: first page", "keyword matching nothing (every row looked at)"} <= {r["label"] for r in rows}
    assert "export: one month" in text and "rows/s" in text
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_pub_case')")
        assert cursor.fetchone()[0] is None  # the scratch table is gone
