"""What an uploaded file really is, read from its content (never from its name or the browser's claim).

`sniff` looks at the first bytes (pure); `read_upload` streams an upload with its size cap checked while
reading (a file over the cap is never read whole), sniffs it, and checks that it really parses: a PDF opens with
pypdf and has a page, an image decodes with Pillow, an OFD is a ZIP holding OFD.xml. A renamed script or a
truncated scan is refused with a Chinese DomainError that names the file.

Known types: PDF, JPEG and PNG (the national standard for scanned application materials), OFD (GB/T 33190, the
Chinese electronic document format), and the videos an inspection may record (MP4, MOV).
"""
from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.files import File
from django.utils.translation import gettext as _

from portal.errors import DomainError


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
MP4 = FileType("mp4", "video/mp4", ".mp4", "MP4")
MOV = FileType("mov", "video/quicktime", ".mov", "MOV")

DOCUMENTS = (PDF, JPEG, PNG, OFD)
ALLOWED = DOCUMENTS  # what an application material may be
VIDEOS = (MP4, MOV)
# How many leading bytes `sniff` needs to see.
HEAD_BYTES = 2048
# Uploads up to this size stay in memory while checked; larger ones spill to a temporary file.
IN_MEMORY_BYTES = 8 * 1024 * 1024


def sniff(head: bytes) -> FileType | None:
    """The type of a file from its first bytes, or None when it is none of the known types."""
    # Some scanners write a byte-order mark or blank lines before the header; PDF readers accept that.
    if head.lstrip(b"\t\r\n \xef\xbb\xbf").startswith(b"%PDF-"):
        return PDF
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head[:4] == b"PK\x03\x04" and b"OFD.xml" in head[:HEAD_BYTES]:
        return OFD
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return MOV if head[8:10] == b"qt" else MP4
    return None


def allowed_labels(types: Iterable[FileType] = ALLOWED) -> str:
    return "、".join(t.label for t in types)


def parses(kind: FileType, stream) -> bool:
    """Whether the content really is what its first bytes say (the stream is rewound before and after)."""
    stream.seek(0)
    try:
        if kind == PDF:
            from pypdf import PdfReader

            return len(PdfReader(stream, strict=False).pages) > 0
        if kind in (JPEG, PNG):
            from PIL import Image

            with Image.open(stream) as image:
                image.verify()
            return True
        if kind == OFD:
            with zipfile.ZipFile(stream) as archive:
                return any(name.rsplit("/", 1)[-1] == "OFD.xml" for name in archive.namelist())
        return kind in VIDEOS  # the ISO media box header is all we check of a video
    except Exception:  # noqa: BLE001 - any failure to parse means "not that kind of file"
        return False
    finally:
        stream.seek(0)


@dataclass
class CheckedUpload:
    """An upload that passed: its type, size, SHA-256 and content (a rewound file to save from)."""

    kind: FileType
    size: int
    sha256: str
    content: File
    original_name: str

    def close(self) -> None:
        self.content.close()


def _name_of(uploaded) -> str:
    name = (getattr(uploaded, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:200] or "file"


def read_upload(uploaded, *, allowed: Iterable[FileType] = ALLOWED,
                limit_for: Callable[[FileType], int], type_message: str = "") -> CheckedUpload:
    """Stream `uploaded` (a Django UploadedFile or any file object) through the checks, or raise DomainError.

    The size cap of the sniffed type is enforced while reading: the declared size first, then every chunk.
    """
    allowed = tuple(allowed)
    name = _name_of(uploaded)
    chunks = uploaded.chunks() if hasattr(uploaded, "chunks") else iter(lambda: uploaded.read(64 * 1024), b"")
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)
    digest = hashlib.sha256()
    size, kind, head = 0, None, b""
    try:
        for chunk in chunks:
            if not chunk:
                continue
            if kind is None:
                head += chunk
                if len(head) < HEAD_BYTES and size + len(chunk) < HEAD_BYTES:
                    size += len(chunk)
                    digest.update(chunk)
                    spool.write(chunk)
                    continue
                kind = _known(head, allowed, name, type_message)
                _check_declared_size(uploaded, kind, limit_for, name)
            size += len(chunk)
            if size > limit_for(kind):
                raise _too_large(name, limit_for(kind))
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise DomainError(_("文件“%(name)s”是空文件。"), code="empty", params={"name": name})
        if kind is None:
            kind = _known(head, allowed, name, type_message)
            if size > limit_for(kind):
                raise _too_large(name, limit_for(kind))
        if not parses(kind, spool):
            raise DomainError(_("文件“%(name)s”已损坏或不是真正的 %(type)s 文件，请重新扫描或导出后上传。"),
                              code="corrupt", params={"name": name, "type": kind.label})
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return CheckedUpload(kind=kind, size=size, sha256=digest.hexdigest(), content=File(spool, name=name),
                         original_name=name)


def _known(head: bytes, allowed: tuple[FileType, ...], name: str, type_message: str) -> FileType:
    kind = sniff(head[:HEAD_BYTES])
    if kind is None or kind not in allowed:
        raise DomainError(type_message or _("文件“%(name)s”不是可接受的格式：只接受 %(types)s 文件（按文件内容识别，"
                                            "修改扩展名无效）。"),
                          code="bad_type", params={"name": name, "types": allowed_labels(allowed)})
    return kind


def _check_declared_size(uploaded, kind: FileType, limit_for, name: str) -> None:
    declared = getattr(uploaded, "size", None)
    if declared is not None and declared > limit_for(kind):
        raise _too_large(name, limit_for(kind))


def _too_large(name: str, limit: int) -> DomainError:
    return DomainError(_("文件“%(name)s”超过 %(mb)s MB，请压缩或分页后上传。"), code="too_large",
                       params={"name": name, "mb": max(1, limit // (1024 * 1024))})


def bytes_upload(content: bytes, name: str) -> io.BytesIO:
    """A file object with a name, for services called with raw bytes (demo data, tests)."""
    stream = io.BytesIO(content)
    stream.name = name
    return stream
