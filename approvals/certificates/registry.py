"""The licence registry (电子证照库) as the applicant's side reads it: plugged into applications.licences by
ApprovalsConfig.ready(), so the applicant's pages show the licences an applicant holds and those of an
application without the applications app importing this one."""
from __future__ import annotations

from django.urls import reverse

from applications.licences import Licence
from approvals.certificates import selectors
from approvals.certificates.models import Certificate
from portal import clock
from portal.identifiers import mask_citizen_id

def reading_label(code: str) -> str:
    """A certificate's standing as read on a day (rules.reading), in the words of every page."""
    return str(Certificate.READING_LABELS[code])


def as_licence(certificate: Certificate, today=None) -> Licence:
    """The certificate as a Licence read `today` (expects `item` selected with it)."""
    reading = selectors.reading_of(certificate, today)
    return Licence(
        public_id=str(certificate.public_id), electronic_id=certificate.electronic_id, name=certificate.name,
        number=certificate.licence_number, valid_from=certificate.valid_from, valid_until=certificate.valid_until,
        reading=reading.code, reading_label=reading_label(reading.code),
        verify_url=reverse("verify:certificate", args=[certificate.electronic_id]),
        pdf_url=reverse("approvals:certificate_pdf", args=[certificate.public_id]) if certificate.rendered_at else None,
        item_name=certificate.item.name,
    )


class CertificateSource:
    """applications.licences.Source over the certificates table."""

    def held(self, id_number: str, names: list[str]) -> dict[str, Licence]:
        today = clock.today()
        return {name: as_licence(c, today) for name, c in selectors.held_by(id_number, names, today).items()}

    def of_application(self, application_id: int) -> list[Licence]:
        today = clock.today()
        return [as_licence(c, today) for c in selectors.certificates_of_application(application_id)]


def registry_rows(certificates, *, downloadable=None) -> list[dict]:
    """The registry's rows: each certificate with its standing read today (one clock read for the page) and, for
    the staff search, whether this person may download its PDF (`downloadable`: ids, or None for all)."""
    today = clock.today()
    rows = []
    for certificate in certificates:
        reading = selectors.reading_of(certificate, today).code
        rows.append({"certificate": certificate, "reading": reading, "reading_label": reading_label(reading),
                     "pdf": certificate.rendered_at is not None and (downloadable is None
                                                                     or certificate.pk in downloadable),
                     "holder_id": (mask_citizen_id(certificate.holder_id_number) if certificate.holder_id_type == "111"
                                   else certificate.holder_id_number)})
    return rows
