"""Reads of certificates: an application's, a holder's registry, the public verification lookups."""
from __future__ import annotations

from django.db.models import QuerySet

from approvals.certificates.models import Certificate
from portal import clock, licence_ids
from portal.identifiers import normalise_identifier

LISTED = ("pk", "public_id", "name", "licence_number", "electronic_id", "version", "holder_name", "valid_from",
          "valid_until", "standing", "issued_at", "rendered_at", "application_id", "item_id")


def certificates_of(application) -> list[Certificate]:
    """The application's certificates, every version, in issue order (a correction after its original)."""
    return list(Certificate.objects.filter(application=application).only(*LISTED).order_by("issued_at", "id"))


def certificates_of_case(case) -> list[Certificate]:
    """The case's certificates, every version, with how each reads today."""
    rows = list(Certificate.objects.filter(case=case).only(*LISTED).order_by("issued_at", "id"))
    for row in rows:
        row.reading = reading_of(row)
        row.reading_label = Certificate.READING_LABELS[row.reading.code]
    return rows


def by_electronic_id(value: str) -> Certificate | None:
    """The certificate of an electronic licence id as typed or scanned (full-width characters, spaces and lower
    case are read as meant); None when malformed or unknown."""
    normalised = normalise_identifier(value or "")
    if licence_ids.problem(normalised) is not None:
        return None
    return (Certificate.objects.select_related("item", "superseded_by")
            .filter(electronic_id=normalised).first())


def by_licence_number(value: str) -> Certificate | None:
    """The newest version of a certificate by its printed number."""
    return (Certificate.objects.select_related("item").filter(licence_number=(value or "").strip())
            .order_by("-version").first())


def by_pdf_sha256(digest: str) -> Certificate | None:
    return Certificate.objects.select_related("item").filter(pdf_sha256=digest).first()


def newest_version(certificate: Certificate) -> Certificate:
    """Follow the chain of corrections to the version in force."""
    return (Certificate.objects.filter(serial=certificate.serial, issuer_code=certificate.issuer_code)
            .order_by("-version").first() or certificate)


def reading_of(certificate: Certificate, today=None):
    from approvals.certificates import rules

    return rules.reading(certificate.standing, certificate.valid_from, certificate.valid_until, today or clock.today())


def holder_certificates(id_numbers) -> QuerySet[Certificate]:
    """The registry of holders by their ID numbers (citizen ID or credit code), newest first."""
    return Certificate.objects.filter(holder_id_number__in=list(id_numbers)).select_related("item")
