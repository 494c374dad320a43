"""What an uploaded file really is, read from its first bytes (never from its name or the browser's claim). Pure.

Only the types a licensing file may be are known: PDF, JPEG and PNG (the national standard for scanned
application materials), and OFD (GB/T 33190, the Chinese electronic document format, a ZIP with OFD.xml).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    key: str
    mime: str
    extension: str
    label: str


PDF = FileType("pdf", "application/pdf", ".pdf", "PDF")
JPEG = FileType("jpeg", "image/jpeg", ".jpg", "JPG")
PNG = FileType("png", "image/png", ".png", "PNG")
OFD = FileType("ofd", "application/ofd", ".ofd", "OFD")

ALLOWED = (PDF, JPEG, PNG, OFD)
# How many leading bytes `sniff` needs to see.
HEAD_BYTES = 2048


def sniff(head: bytes) -> FileType | None:
    """The type of a file from its first bytes, or None when it is none of the allowed types."""
    # Some scanners write a byte-order mark or blank lines before the header; PDF readers accept that.
    if head.lstrip(b"\t\r\n \xef\xbb\xbf").startswith(b"%PDF-"):
        return PDF
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head[:4] == b"PK\x03\x04" and b"OFD.xml" in head[:HEAD_BYTES]:
        return OFD
    return None


def allowed_labels() -> str:
    return "、".join(t.label for t in ALLOWED)
