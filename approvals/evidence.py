"""What an inspection's evidence file really is (photos and videos taken on site), read from its first bytes,
and whether its size is acceptable. Sniffing is pure; `check` reads an upload and raises a Chinese DomainError.

Photos: JPEG, PNG (and PDF for a scanned inspection record); videos: MP4 / MOV (ISO base media: "ftyp" box at
offset 4). Size caps come from settings: INSPECTION_PHOTO_MAX_BYTES (20 MB), INSPECTION_VIDEO_MAX_BYTES (200 MB).
"""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils.translation import gettext as _

from applications import sniffing
from applications.errors import DomainError
from applications.sniffing import FileType

MP4 = FileType("mp4", "video/mp4", ".mp4", "MP4")
MOV = FileType("mov", "video/quicktime", ".mov", "MOV")
ALLOWED = (sniffing.JPEG, sniffing.PNG, sniffing.PDF, MP4, MOV)
VIDEOS = (MP4, MOV)


def sniff(head: bytes) -> FileType | None:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return MOV if head[8:10] == b"qt" else MP4
    kind = sniffing.sniff(head)
    return kind if kind in ALLOWED else None


def limit_for(kind: FileType) -> int:
    if kind in VIDEOS:
        return int(getattr(settings, "INSPECTION_VIDEO_MAX_BYTES", 200 * 1024 * 1024))
    return int(getattr(settings, "INSPECTION_PHOTO_MAX_BYTES", 20 * 1024 * 1024))


def check(uploaded) -> tuple[FileType, bytes, str]:
    """(type, content, sha256) of an upload, or a DomainError saying what is wrong with it."""
    name = getattr(uploaded, "name", "") or "file"
    content = b"".join(uploaded.chunks()) if hasattr(uploaded, "chunks") else uploaded.read()
    if not content:
        raise DomainError(_("文件“%(name)s”是空文件。"), code="empty", params={"name": name})
    kind = sniff(content[: sniffing.HEAD_BYTES])
    if kind is None:
        raise DomainError(_("文件“%(name)s”不是可接受的勘验证据格式：只接受 JPG、PNG、PDF 照片或记录，MP4、MOV 视频"
                            "（按文件内容识别，修改扩展名无效）。"), code="bad_type", params={"name": name})
    limit = limit_for(kind)
    if len(content) > limit:
        raise DomainError(_("文件“%(name)s”超过 %(mb)s MB。"), code="too_large",
                          params={"name": name, "mb": limit // (1024 * 1024)})
    return kind, content, hashlib.sha256(content).hexdigest()
