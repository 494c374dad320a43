"""Notices as signed PDFs: the issued HTML body (never re-rendered from its template) in an A4 page with the
centre's name, the number, page numbers and the seal over the date, written by WeasyPrint (portal.documents)
and signed by the bureau (portal.signing, PAdES).

`issue_notice()` schedules the Celery task after its commit; the task is a thin wrapper over
`render_notice_pdf()`, which is idempotent: a notice is rendered once, stored under a generated name with its
SHA-256, and never rendered again. A failure leaves the notice as it was (its HTML page still serves) and the
task retries with backoff; `sweep_unrendered_notices` re-drives whatever a lost broker message left behind.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from approvals.models import Notice
from portal import documents, seal, signing

log = logging.getLogger(__name__)

PDF_TEMPLATE = "approvals/notices/pdf.html"


def notice_pdf_bytes(notice: Notice, *, with_seal: bool = True, sign: bool = True) -> bytes:
    """The PDF of a notice (signed unless told otherwise). Pure with respect to the database."""
    context = {
        "notice": notice,
        "issued_on": timezone.localdate(notice.issued_at),
        "head_left": documents.css_string(settings.CENTRE_NAME),
        "head_right": documents.css_string(notice.number),
        "seal_uri": seal.seal_data_uri(settings.CENTRE_NAME, font_family=documents.font_stack()) if with_seal else "",
    }
    pdf = documents.render_pdf(PDF_TEMPLATE, context)
    if sign:
        pdf = signing.sign_pdf(pdf, reason=f"{notice.title} {notice.number}", location=settings.CENTRE_NAME)
    return pdf


def render_notice_pdf(notice_id: int) -> bool:
    """Render, sign and store the PDF of one notice unless it has one. True when this call stored it."""
    return documents.store_once(Notice, notice_id, notice_pdf_bytes, label="notice")


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
    """Render (and sign) one notice `runs` times without storing it (portal.documents.measure)."""
    return documents.measure(lambda: notice_pdf_bytes(notice, sign=False), runs, sign=sign)
