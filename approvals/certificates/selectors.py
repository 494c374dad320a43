"""Reads of certificates: an application's, a holder's registry, the staff's registry search, the public
verification lookups."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import policy as applicant_policy
from approvals.certificates import rules
from approvals.certificates.models import Certificate
from portal import clock, licence_ids, masking
from portal.identifiers import mask_citizen_id, normalise_identifier
from portal.validators import any_identifier_error, identifier_kind

LISTED = ("pk", "public_id", "name", "licence_number", "electronic_id", "version", "holder_name", "valid_from",
          "valid_until", "standing", "issued_at", "rendered_at", "application_id", "item_id")


def certificates_of(application) -> list[Certificate]:
    """The application's certificates, every version, in issue order (a correction after its original)."""
    return list(Certificate.objects.filter(application=application).only(*LISTED).order_by("issued_at", "id"))


def certificates_of_case(case, user=None) -> list[Certificate]:
    """The case's certificates, every version, with how each reads today and (for `user`) what they may do to
    each: correct it, suspend, reinstate or revoke it (approvals.certificates.policy)."""
    from approvals.certificates import policy

    rows = list(Certificate.objects.filter(case=case).select_related("case__section").order_by("issued_at", "id"))
    for row in rows:
        row.reading = reading_of(row)
        row.reading_label = Certificate.READING_LABELS[row.reading.code]
        if user is not None:
            row.may_correct = bool(policy.can_correct(row, user))
            row.may_standing = {action: bool(policy.can_change_standing(row, user, to)) for action, to in (
                ("suspend", Certificate.Standing.SUSPENDED), ("reinstate", Certificate.Standing.VALID),
                ("revoke", Certificate.Standing.REVOKED))}
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
    return rules.reading(certificate.standing, certificate.valid_from, certificate.valid_until, today or clock.today())


def holder_certificates(id_numbers) -> QuerySet[Certificate]:
    """The registry of holders by their ID numbers (citizen ID or credit code), newest first."""
    return Certificate.objects.filter(holder_id_number__in=list(id_numbers)).select_related("item")


# --- the licence registry (电子证照库) -----------------------------------------------------------------------------

# What the registry's lists show of a certificate (the item's name comes with it: select_related).
REGISTRY_ROW = (*LISTED, "holder_id_type", "holder_id_number", "item__name")


def certificates_of_application(application_id: int) -> list[Certificate]:
    """The application's certificates with their item, every version, in issue order."""
    return list(Certificate.objects.filter(application_id=application_id).select_related("item").only(*REGISTRY_ROW)
                .order_by("issued_at", "id"))


def _longer(until: date | None, than: date | None) -> bool:
    """Whether a validity ending `until` (None: long-term) outlasts one ending `than`."""
    if until is None:
        return than is not None
    return than is not None and until > than


def held_by(id_number: str, names, today: date | None = None) -> dict[str, Certificate]:
    """For each certificate name, the certificate of that name the holder (citizen ID or credit code) holds: the
    valid one that lasts longest when there is one, else the newest whatever it reads (so the form can say why it
    does not count). Names held by none are absent. One query, served by the index certificate_holder."""
    today = today or clock.today()
    rows = (Certificate.objects.filter(holder_id_number=id_number, name__in=list(names)).select_related("item")
            .only(*REGISTRY_ROW).order_by("-issued_at", "-id"))
    best: dict[str, tuple[Certificate, bool]] = {}
    for certificate in rows:
        valid = reading_of(certificate, today).is_valid
        current = best.get(certificate.name)
        if current is None or (valid and (not current[1] or _longer(certificate.valid_until, current[0].valid_until))):
            best[certificate.name] = (certificate, valid)
    return {name: certificate for name, (certificate, _valid) in best.items()}


def holder_registry(user) -> QuerySet[Certificate]:
    """The holder's page (/licences/): the certificates held by the applicants an applicant-side account may see
    the licences of (applications.policy.licence_holder_ids), and those of the applications it may see, newest
    first. The application ids are looked up first, so the filter is `holder_id_number IN (...) OR application_id
    IN (...)`, which two indexes serve (an IN (subquery) inside the OR would scan the table)."""
    holder_ids = applicant_policy.licence_holder_ids(user)
    application_ids = list(applicant_policy.visible_applications(user).values_list("pk", flat=True))
    if not (holder_ids or application_ids):
        return Certificate.objects.none()
    rule = Q(pk__in=[])
    if holder_ids:
        rule |= Q(holder_id_number__in=holder_ids)
    if application_ids:
        rule |= Q(application_id__in=application_ids)
    return Certificate.objects.filter(rule).select_related("item").only(*REGISTRY_ROW).order_by("-issued_at", "-id")


# --- the staff's registry search ------------------------------------------------------------------------------------

NAME_MIN_LENGTH = 2
_HAN = re.compile(r"[\u3400-\u9fff]")
_ID_LIKE = re.compile(r"[0-9A-Z]{15,20}")
# 宝塔审证〔2026〕000123号 as typed: other brackets (after NFKC: [ ( 【), spaces, the 号 left out.
_NUMBER_LIKE = re.compile(r"(.+?证)[〔\[(【](\d{4})[〕\])】](\d{1,7})号?")


@dataclass(frozen=True)
class RegistryQuery:
    """A parsed staff search: `mode` holder_id / licence_number / electronic_id / holder_name, the normalised
    `value`, or an `error` in Chinese for what cannot be searched."""

    mode: str = ""
    value: str = ""
    error: str = ""

    def masked(self) -> str:
        """The query as the audit log keeps it: a citizen ID 6 + 4, a name its first character; a credit code, a
        licence number and an electronic id are not personal data."""
        if self.mode == "holder_id" and identifier_kind(self.value) == "citizen_id":
            return mask_citizen_id(self.value)
        if self.mode == "holder_name":
            return masking.mask_name(self.value)
        return self.value


MODE_LABELS = {"holder_id": gettext_lazy("持证主体证件号码"), "licence_number": gettext_lazy("证照编号"),
               "electronic_id": gettext_lazy("电子证照标识"), "holder_name": gettext_lazy("持证主体名称（前缀）")}


def parse_registry_query(text: str) -> RegistryQuery | None:
    """What a clerk typed, read as the holder's citizen ID or credit code (exact, normalised and checked), a
    licence number, an electronic licence id, or the first characters of the holder's name. None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    normalised = normalise_identifier(text)
    if normalised.startswith(licence_ids.ROOT[:8]):  # "1.2.156."
        problem = licence_ids.problem(normalised)
        return RegistryQuery("electronic_id", normalised, _(problem) if problem else "")
    if _ID_LIKE.fullmatch(normalised):
        error = any_identifier_error(normalised)
        return RegistryQuery("holder_id", normalised, str(error) if error else "")
    number = _NUMBER_LIKE.fullmatch(normalised)
    if number is not None:
        prefix, year, sequence = number.group(1)[:-1], int(number.group(2)), int(number.group(3))
        return RegistryQuery("licence_number", rules.licence_number_for(prefix, year, sequence))
    if _HAN.search(text):
        name = " ".join(text.split())
        if len(name) < NAME_MIN_LENGTH:
            return RegistryQuery("holder_name", name, _("按持证主体名称查询，请至少输入两个字。"))
        return RegistryQuery("holder_name", name)
    return RegistryQuery(error=_("请输入持证主体的18位居民身份证号码或统一社会信用代码、证照编号、电子证照标识，"
                                 "或持证主体名称的前两个字以上。"))


def search_registry(query: RegistryQuery) -> QuerySet[Certificate]:
    """The certificates a parsed query finds, newest first. Each mode is served by an index: holder_id by
    certificate_holder, licence_number by certificate_number_version_unique, electronic_id by its unique index,
    holder_name (LIKE 'prefix%') by certificate_holder_name_prefix (varchar_pattern_ops, migration 0008)."""
    rows = Certificate.objects.select_related("item").only(*REGISTRY_ROW).order_by("-issued_at", "-id")
    if query.error or not query.mode:
        return rows.none()
    lookup = {"holder_id": "holder_id_number", "licence_number": "licence_number", "electronic_id": "electronic_id",
              "holder_name": "holder_name__startswith"}[query.mode]
    return rows.filter(**{lookup: query.value})


def registry_certificates(materials, today: date | None = None) -> dict[int, tuple[Certificate, object]]:
    """For the application materials proved by the registry at submission (registry_reference), the certificate
    and how it reads today (rules.Reading), by material id: the intake desk checks the licence still holds.
    One query, none when no material came from the registry."""
    wanted = {m.pk: m.registry_reference.get("public_id") for m in materials if m.registry_reference}
    if not wanted:
        return {}
    today = today or clock.today()
    found = {str(c.public_id): c for c in Certificate.objects.filter(public_id__in=[p for p in wanted.values() if p])
             .only(*LISTED)}
    return {pk: (found[public_id], reading_of(found[public_id], today))
            for pk, public_id in wanted.items() if public_id in found}
