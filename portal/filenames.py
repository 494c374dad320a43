"""Names of served files: the extension comes from what the file really is, never from what it was called
when uploaded; the header that carries the name is safe for Chinese names (RFC 6266 + RFC 5987). Pure.

An upload named "x.html" that is really a PDF is downloaded as "x.pdf": the browser and the desktop then
open it as what it is. The uploaded name stays in the database for display only.
"""
from __future__ import annotations

import mimetypes
import re
import unicodedata
from urllib.parse import quote

# The types the portal's sniffers accept, with the extension each is saved under.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/ofd": ".ofd",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
}
_EXTENSION = re.compile(r"\.[a-z0-9]{1,7}")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')  # controls, quotes and what no file system or header takes
MAX_STEM = 100
DEFAULT_STEM = "文件"


def extension_for(content_type: str, extension: str = "") -> str:
    """The extension of a sniffed type: the stored one when it is well formed, else the type's."""
    extension = (extension or "").lower()
    if _EXTENSION.fullmatch(extension):
        return extension
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ""


def download_name(original_name: str, content_type: str, extension: str = "") -> str:
    """The uploaded name's stem (no folders, no control characters, at most 100 characters) with the
    extension of what the file is: ("x.html", "application/pdf") -> "x.pdf"."""
    name = unicodedata.normalize("NFC", original_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, _old = name.rpartition(".")
    if not dot:
        stem = name
    stem = _UNSAFE.sub("_", stem).strip(" .")[:MAX_STEM].strip(" .") or DEFAULT_STEM
    return stem + extension_for(content_type, extension)


def content_disposition(filename: str, *, attachment: bool) -> str:
    """`attachment; filename="x.pdf"; filename*=UTF-8''...`: a plain-ASCII fallback for old clients and the
    full UTF-8 name, percent-encoded, for every current browser."""
    kind = "attachment" if attachment else "inline"
    filename = _UNSAFE.sub("_", filename) or DEFAULT_STEM
    fallback = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    stem, dot, ext = fallback.rpartition(".")
    if not dot:
        stem, ext = fallback, ""
    if not stem.strip("_ "):
        fallback = "download" + (dot + ext if dot else "")
    if fallback == filename:
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
