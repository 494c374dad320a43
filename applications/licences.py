"""The licence registry (电子证照库) as the applicant's side sees it: the licences an applicant holds, and those
issued on an application.

Certificates belong to the staff side (approvals.certificates), which applications never imports. The staff side
plugs its registry in here from ApprovalsConfig.ready() (`register_source`), as apps fill portal's navigation and
dashboard registries; without a source (approvals not installed) nothing is held and every material is uploaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Licence:
    """One certificate as read today: `reading` is valid / expired / suspended / revoked / superseded /
    not_yet_valid (approvals.certificates.rules.reading), `reading_label` its Chinese words."""

    public_id: str
    electronic_id: str
    name: str
    number: str
    valid_from: date
    valid_until: date | None  # None: long-term
    reading: str
    reading_label: str
    verify_url: str
    pdf_url: str | None  # None until the signed PDF is rendered
    item_name: str = ""

    @property
    def is_valid(self) -> bool:
        return self.reading == "valid"

    def validity_text(self) -> str:
        if self.valid_until is None:
            return str(_("长期有效"))
        until = self.valid_until
        return _("有效期至%(y)s年%(m)s月%(d)s日") % {"y": until.year, "m": until.month, "d": until.day}

    def reference(self) -> dict:
        """What an application material records of the licence that proved it (JSON)."""
        return {"public_id": self.public_id, "electronic_id": self.electronic_id, "name": self.name,
                "number": self.number, "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "verify_url": self.verify_url}


class Source(Protocol):
    def held(self, id_number: str, names: list[str]) -> dict[str, Licence]:
        """For each certificate name, the licence of that name the holder (by ID number) holds: a valid one when
        there is one (the longest valid), else the newest, whatever it reads; names held by none are absent."""

    def of_application(self, application_id: int) -> list[Licence]:
        """The licences issued on an application, in issue order."""


_source: Source | None = None


def register_source(source: Source) -> None:
    global _source
    _source = source


def held(id_number: str, names) -> dict[str, Licence]:
    names = sorted({n for n in names if n})
    if _source is None or not names or not id_number:
        return {}
    return _source.held(id_number, names)


def of_application(application_id: int) -> list[Licence]:
    return [] if _source is None else _source.of_application(application_id)
