"""Certificates as signed PDFs: a template per certificate type (templates/approvals/certificates/pdf/<name>.html,
falling back to default.html), the holder, item, scope, number, validity, the electronic licence id, a QR code to
the public verification page, and the seal, written by WeasyPrint (portal.documents) and signed by the bureau
(portal.signing, PAdES). Rendered once after the commit by a worker and stored with its SHA-256 (as notices are);
`sweep_unrendered_certificates` re-drives what a lost broker message left behind.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone

from approvals.certificates.models import Certificate
from portal import documents, qr, seal, signing

log = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "approvals/certificates/pdf/default.html"
# A certificate type's own layout, by certificate name (a centre adds its own templates and names here).
TEMPLATES_BY_NAME = {
    "食品经营许可证": "approvals/certificates/pdf/food_business.html",
}


def verification_url(certificate: Certificate) -> str:
    """The absolute address printed as the QR code: the public verification page of this certificate."""
    return settings.PUBLIC_BASE_URL + reverse("verify:certificate", args=[certificate.electronic_id])


def template_names(certificate: Certificate) -> list[str]:
    names = [TEMPLATES_BY_NAME[certificate.name]] if certificate.name in TEMPLATES_BY_NAME else []
    return [*names, DEFAULT_TEMPLATE]


def certificate_pdf_bytes(certificate: Certificate, *, sign: bool = True) -> bytes:
    """The PDF of a certificate (signed unless told otherwise). Reads only the certificate row."""
    url = verification_url(certificate)
    template = select_template(template_names(certificate))
    context = {
        "certificate": certificate,
        "issued_on": timezone.localdate(certificate.issued_at),
        "centre_name": settings.CENTRE_NAME,
        "verification_url": url,
        "qr_svg": qr.qr_svg(url, size_mm=28, title="扫码核验证照"),
        "seal_uri": seal.seal_data_uri(settings.CENTRE_NAME, font_family=documents.font_stack()),
        "head_right": documents.css_string(certificate.licence_number),
    }
    pdf = documents.render_pdf(template.template.name, context)
    if sign:
        pdf = signing.sign_pdf(pdf, reason=f"{certificate.name} {certificate.licence_number}",
                               location=settings.CENTRE_NAME)
    return pdf


def render_certificate_pdf(certificate_id: int) -> bool:
    """Render, sign and store the PDF of one certificate unless it has one. True when this call stored it."""
    return documents.store_once(Certificate, certificate_id, certificate_pdf_bytes, label="certificate")


def enqueue_render(certificate_id: int) -> None:
    """Hand a certificate to a worker (call after the commit); a broker that is down only delays it."""
    from approvals.certificates.tasks import render_certificate

    try:
        render_certificate.delay(certificate_id)
    except Exception:  # noqa: BLE001 - broker down: sweep_unrendered_certificates renders it later
        log.warning("broker unavailable; certificate %s waits for the re-drive", certificate_id)


def sweep_unrendered_certificates(older_than: timedelta = timedelta(minutes=5), limit: int = 200) -> int:
    """Queue the certificates still without a PDF some minutes after issue. Returns how many were queued."""
    cutoff = timezone.now() - older_than
    ids = list(Certificate.objects.filter(rendered_at__isnull=True, issued_at__lt=cutoff)
               .order_by("issued_at").values_list("pk", flat=True)[:limit])
    for certificate_id in ids:
        enqueue_render(certificate_id)
    return len(ids)


def measure_render(certificate: Certificate, runs: int = 20, *, sign: bool = True) -> dict:
    """Render (and sign) one certificate `runs` times without storing it (portal.documents.measure)."""
    return documents.measure(lambda: certificate_pdf_bytes(certificate, sign=False), runs, sign=sign)
