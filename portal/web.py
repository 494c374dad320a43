"""Small helpers every app's views share: error messages from services, safe redirects, query strings for
pagination links, and serving a stored file that a selector has already allowed."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from portal.filenames import content_disposition, download_name


_SOME_ID = 987654321  # a number no URL pattern treats specially: reversed once, then replaced by each row's id


def url_around_id(name: str) -> tuple[str, str]:
    """The text of an object's URL before and after its id, from one reverse(): a table of rows builds each link
    as before + id + after instead of reversing it per row."""
    before, _sep, after = reverse(name, args=[_SOME_ID]).partition(str(_SOME_ID))
    return before, after


def error_messages(exc: Exception) -> list[str]:
    """The Chinese messages of a refusal from a service (a ValidationError / DomainError or PermissionDenied)."""
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc) or _("您无权进行此操作。")]


def problem_status(exc: Exception) -> int:
    """The HTTP status of a page that shows a service's refusal: 409 someone else was first, 403 not allowed,
    400 a rule of the domain."""
    from portal.errors import Conflict

    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, PermissionDenied):
        return 403
    return 400


def flash_error(request, exc: Exception) -> None:
    for text in error_messages(exc):
        messages.error(request, text)


# The 长辈版 (elderly mode) preference: "1" while on (portal.views.display_mode, static/portal/js/display.js).
ELDER_COOKIE = "elder_mode"

def safe_next(request, default: str = "") -> str:
    """The `next` parameter when it points at this site, else `default` (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def stored_file_response(stored, *, as_attachment: bool = False) -> FileResponse:
    """Serve an uploaded file (anything with `file`, `content_type`, `original_name`, and `extension` when it
    has one) the caller's permission check let through: its sniffed type, under its uploaded name with the
    extension of that type (an "x.html" that is a PDF downloads as "x.pdf"), never sniffed again by the
    browser, never cached by a shared cache."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在。")) from None
    content_type = stored.content_type or "application/octet-stream"
    name = download_name(stored.original_name, content_type, getattr(stored, "extension", ""))
    response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment)
    response["Content-Disposition"] = content_disposition(name, attachment=as_attachment)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def issued_pdf_response(document, filename: str) -> FileResponse:
    """The stored, signed PDF of an issued document (a notice, a certificate), shown inline and framable by this
    site only (the document pages embed it). Http404 when the file is gone."""
    try:
        handle = document.pdf.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件已不存在。")) from None
    response = FileResponse(handle, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename, attachment=False)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response
