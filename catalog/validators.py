"""Checks on files uploaded as blank forms and samples: by content (sniffed), not by the name alone."""
from __future__ import annotations

from pathlib import Path

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# extension -> the content family it must sniff as
FORM_FILE_FAMILIES = {
    ".pdf": "pdf",
    ".doc": "ole",
    ".xls": "ole",
    ".wps": "ole",
    ".docx": "zip",
    ".xlsx": "zip",
    ".ofd": "zip",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
}
_SNIFFED_FAMILY = {
    ".pdf": "pdf",
    ".doc": "ole",
    ".xls": "ole",
    ".ppt": "ole",
    ".msi": "ole",
    ".docx": "zip",
    ".xlsx": "zip",
    ".pptx": "zip",
    ".zip": "zip",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
}


def sniff_family(head: bytes) -> str | None:
    try:
        matches = puremagic.magic_string(head)
    except puremagic.PureError:
        return None
    for match in matches:
        family = _SNIFFED_FAMILY.get(match.extension.lower())
        if family:
            return family
    return None


def validate_form_file(file) -> None:
    """A blank form or sample: a document or image type, within the size limit, whose content matches
    its extension."""
    if not file:
        return
    extension = Path(file.name).suffix.lower()
    family = FORM_FILE_FAMILIES.get(extension)
    if family is None:
        raise ValidationError(
            _("不支持的文件类型：请上传 PDF、Word、Excel、WPS、OFD 或图片（JPG/PNG）文件。"), code="file_type"
        )
    limit = getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
    if file.size and file.size > limit:
        raise ValidationError(_("文件过大：不能超过 %(mb)s MB。"), code="file_size", params={"mb": limit // (1024 * 1024)})
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(8192)
    file.seek(position)
    if sniff_family(head) != family:
        raise ValidationError(_("文件内容与扩展名不符，请检查后重新上传。"), code="file_content")
