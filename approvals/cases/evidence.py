"""What an inspection's evidence file may be (photos and videos taken on site) and how large.

Photos: JPEG, PNG (and PDF for a scanned inspection record); videos: MP4 / MOV. Size caps come from settings:
INSPECTION_PHOTO_MAX_BYTES (20 MB), INSPECTION_VIDEO_MAX_BYTES (200 MB), checked while the upload streams in
(portal.sniffing.read_upload), so an oversized video is never read whole.
"""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from portal import sniffing
from portal.sniffing import FileType

MP4, MOV = sniffing.MP4, sniffing.MOV
ALLOWED = (sniffing.JPEG, sniffing.PNG, sniffing.PDF, MP4, MOV)


def sniff(head: bytes) -> FileType | None:
    """The evidence type of a file from its first bytes (an OFD is a material format, not evidence)."""
    kind = sniffing.sniff(head)
    return kind if kind in ALLOWED else None


def limit_for(kind: FileType) -> int:
    if kind in sniffing.VIDEOS:
        return int(getattr(settings, "INSPECTION_VIDEO_MAX_BYTES", 200 * 1024 * 1024))
    return int(getattr(settings, "INSPECTION_PHOTO_MAX_BYTES", 20 * 1024 * 1024))


def check(uploaded) -> sniffing.CheckedUpload:
    """The checked upload, or a DomainError saying what is wrong with it."""
    return sniffing.read_upload(uploaded, allowed=ALLOWED, limit_for=limit_for, type_message=_(
        "文件“%(name)s”不是可接受的勘验证据格式：只接受 JPG、PNG、PDF 照片或记录，MP4、MOV 视频（按文件内容识别，修改扩展名无效）。"))
