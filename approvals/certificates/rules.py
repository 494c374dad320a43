"""Pure rules of certificates: numbers, the electronic licence id's parts, and what a certificate's standing reads
as on a given day. No database. (What the public may see of a holder: portal.masking.)"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal import licence_ids

SERIAL_DIGITS = 7  # per year: up to 9,999,999 certificates a year


def serial_for(year: int, sequence: int) -> str:
    """The electronic id's serial (流水号): the year and a yearly counter, e.g. 20260000123."""
    return f"{year}{sequence:0{SERIAL_DIGITS}d}"


def licence_number_for(prefix: str, year: int, sequence: int) -> str:
    """The number printed on the certificate, e.g. 宝塔审证〔2026〕000123号 (the counter is the serial's)."""
    return f"{prefix}证〔{year}〕{sequence:06d}号"


def type_code_for(definer_code: str, type_number: int) -> str:
    """A licence-type code of 21 characters: the defining body's credit code and a 3-digit type number. A centre
    configures the provincial catalogue's codes (LICENCE_TYPE_CODES); this is the fallback for a type without one."""
    return f"{definer_code}{type_number % 1000:03d}"


def electronic_id_for(type_code: str, issuer_code: str, serial: str, version: int) -> str:
    return licence_ids.build(type_code, issuer_code, serial, version)


@dataclass(frozen=True)
class Reading:
    """How a certificate reads on a day: a code (valid, expired, suspended, revoked, superseded, not_yet_valid)."""

    code: str

    @property
    def is_valid(self) -> bool:
        return self.code == "valid"


def reading(standing: str, valid_from: date, valid_until: date | None, today: date) -> Reading:
    """Revoked, superseded and suspended come first (the bureau's act); then the dates."""
    if standing != "valid":
        return Reading(standing)
    if valid_from > today:
        return Reading("not_yet_valid")
    if valid_until is not None and valid_until < today:
        return Reading("expired")
    return Reading("valid")
