"""Notices as signed PDFs: the issued HTML body (never re-rendered from its template) in an A4 page with the
centre's name, the number, page numbers and the seal over the date, written by WeasyPrint (portal.documents)
and signed by the bureau (portal.signing, PAdES).

`issue_notice()` schedules the Celery task after its commit; the task is a thin wrapper over
`render_notice_pdf()`, which is idempotent: a notice is rendered once, stored under a generated name with its
SHA-256, and never rendered again. A failure leaves the notice as it was (its HTML page still serves) and the
task retries with backoff; `sweep_unrendered_notices` re-drives whatever a lost broker message left behind.
"""
from __future__ import annotations

import hashlib
import logging
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from approvals.models import Notice
from portal import documents, seal, signing

log = logging.getLogger(__name__)

PDF_TEMPLATE = "approvals/notices/pdf.html"


def css_string(value: str) -> str:
    """A value for inside a double-quoted CSS string (page headers are set in @page margin boxes)."""
    return (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
            .replace("<", "\\3c ").replace(">", "\\3e "))


def notice_pdf_bytes(notice: Notice, *, with_seal: bool = True, sign: bool = True) -> bytes:
    """The PDF of a notice (signed unless told otherwise). Pure with respect to the database."""
    context = {
        "notice": notice,
        "issued_on": timezone.localdate(notice.issued_at),
        "head_left": css_string(settings.CENTRE_NAME),
        "head_right": css_string(notice.number),
        "seal_uri": seal.seal_data_uri(settings.CENTRE_NAME, font_family=documents.font_stack()) if with_seal else "",
    }
    pdf = documents.render_pdf(PDF_TEMPLATE, context)
    if sign:
        pdf = signing.sign_pdf(pdf, reason=f"{notice.title} {notice.number}", location=settings.CENTRE_NAME)
    return pdf


def render_notice_pdf(notice_id: int) -> bool:
    """Render, sign and store the PDF of one notice unless it has one. True when this call stored it.

    Rendering happens outside any transaction (it takes a few hundred ms); the row is then locked and the
    file attached only if nobody did it meanwhile, so two workers running the same task store one PDF.
    """
    notice = Notice.objects.select_related("application").filter(pk=notice_id).first()
    if notice is None or notice.rendered_at is not None:
        return False
    pdf = notice_pdf_bytes(notice)
    digest = hashlib.sha256(pdf).hexdigest()
    stored_name = ""
    try:
        with transaction.atomic():
            locked = Notice.objects.select_for_update().get(pk=notice_id)
            if locked.rendered_at is not None:
                return False
            locked.pdf.save("notice.pdf", ContentFile(pdf), save=False)
            stored_name = locked.pdf.name
            locked.pdf_sha256 = digest
            locked.rendered_at = timezone.now()
            locked.save(update_fields=["pdf", "pdf_sha256", "rendered_at"])
        stored_name = ""  # committed: the file belongs to the row now
    finally:
        if stored_name:  # the transaction failed after the bytes were written
            Notice.pdf.field.storage.delete(stored_name)
    log.info("notice %s rendered (%d bytes)", notice.number, len(pdf))
    return True


def enqueue_render(notice_id: int) -> None:
    """Hand a notice to a worker (call after the commit); a broker that is down only delays it (the sweep)."""
    from approvals.tasks import render_notice

    try:
        render_notice.delay(notice_id)
    except Exception:  # noqa: BLE001 - broker down: sweep_unrendered_notices renders it later
        log.warning("broker unavailable; notice %s waits for the re-drive", notice_id)


def sweep_unrendered_notices(older_than: timedelta = timedelta(minutes=5), limit: int = 200) -> int:
    """Queue the notices still without a PDF some minutes after issue (a lost message, exhausted retries).
    Safe to run twice: the service skips what is rendered. Returns how many were queued."""
    cutoff = timezone.now() - older_than
    ids = list(Notice.objects.filter(rendered_at__isnull=True, issued_at__lt=cutoff)
               .order_by("issued_at").values_list("pk", flat=True)[:limit])
    for notice_id in ids:
        enqueue_render(notice_id)
    return len(ids)


def measure_render(notice: Notice, runs: int = 20, *, sign: bool = True) -> dict:
    """Render (and sign) one notice `runs` times without storing it: {'runs', 'median_ms', 'p95_ms', ...}.
    For the benchmark scripts (bench/); the first run, which may build the font cache, is not counted."""
    notice_pdf_bytes(notice, sign=sign)
    render_ms, total_ms = [], []
    for _ in range(runs):
        started = time.perf_counter()
        pdf = notice_pdf_bytes(notice, sign=False)
        rendered = time.perf_counter()
        if sign:
            signing.sign_pdf(pdf)
        finished = time.perf_counter()
        render_ms.append((rendered - started) * 1000)
        total_ms.append((finished - started) * 1000)

    def p95(values):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    sign_ms = [t - r for t, r in zip(total_ms, render_ms)]
    return {"runs": runs, "median_ms": round(statistics.median(total_ms), 1), "p95_ms": round(p95(total_ms), 1),
            "render_median_ms": round(statistics.median(render_ms), 1),
            "sign_median_ms": round(statistics.median(sign_ms), 1)}
