import json
import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header: every script, style and font comes from this host."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


# C0 control characters (and DEL). Tab, CR and LF are ordinary in a text area, so bodies may carry them;
# a path or a query string never has a reason to.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _any_match(pattern: re.Pattern, data: QueryDict) -> bool:
    return any(pattern.search(key) or any(pattern.search(v) for v in values if isinstance(v, str))
               for key, values in data.lists())


def _json_strings(document):
    """Every key and string value in a parsed JSON document, without recursion."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            yield from (k for k in node if isinstance(k, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


class ControlCharacterMiddleware:
    """Refuse (400, in Chinese) a request whose path, query string or form fields carry a NUL or another
    control character, before any view can hand one to PostgreSQL (which refuses NUL in text with an error
    that would otherwise be a 500).

    Looked at: the path; every query parameter name and value; the fields of urlencoded and multipart bodies
    (names and values, not the contents of uploaded files); the keys and strings of JSON bodies. Bodies may
    carry tab, CR and LF. Multipart bodies are read from request.POST, which Django only parses for POST:
    the API takes other methods as JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._hostile(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _hostile(request) -> bool:
        if _CONTROL.search(request.path_info) or _any_match(_CONTROL, request.GET):
            return True
        content_type = request.content_type or ""
        if content_type in _FORM_TYPES:
            if request.method == "POST":
                return _any_match(_CONTROL_EXCEPT_LINES, request.POST)
            if content_type == _FORM_TYPES[0]:
                return _any_match(_CONTROL_EXCEPT_LINES, QueryDict(request.body, encoding=request.encoding))
            return False
        if content_type == "application/json" or content_type.endswith("+json"):
            try:
                document = json.loads(request.body)
            except (ValueError, RecursionError):
                return False  # not JSON: the API's parser answers 400 itself
            return any(_CONTROL_EXCEPT_LINES.search(text) for text in _json_strings(document))
        return False

    @staticmethod
    def _refuse(request) -> HttpResponse:
        message = _("请求中含有不允许的控制字符（如空字符），请删除后重试。")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": str(message)}, status=400, json_dumps_params={"ensure_ascii": False})
        html = render_to_string("portal/bad_request.html", {
            "message": message, "centre_name": settings.CENTRE_NAME,
        })
        return HttpResponseBadRequest(html)
