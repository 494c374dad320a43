import json
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import second_factor


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


class CalendarRevisionMiddleware:
    """Every request counts days by the calendar as it is now: one Redis GET tells whether another process
    changed it since this one read it (portal.clock.refresh_if_changed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from portal import clock

        clock.refresh_if_changed()
        return self.get_response(request)


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a session that lacks the second factor it needs goes no further.

    - The account has a confirmed device but this session never gave a code (a session made by some other
      path): it is signed out and sent to the sign-in, which asks for the code.
    - An administrator without a device while ADMIN_SECOND_FACTOR_REQUIRED is on: every page but the enrolment
      page and signing out redirects to enrolment; the API answers 403.
    Pages, the admin and the API (DRF's session authentication reads the same request.user) are all covered.
    """

    ALLOWED_WHILE_ENROLLING = {"portal:two_factor", "portal:logout", "portal:healthz", "portal:login",
                               "portal:login_verify", "admin:logout", "portal:display_mode"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = second_factor.session_state(request)
        if state == "ok":
            return None
        if state == "verify":
            logout(request)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("请重新登录并输入动态验证码。")}, status=403)
            return redirect_to_login(request.get_full_path())
        match = request.resolver_match
        if match is not None and match.view_name in self.ALLOWED_WHILE_ENROLLING:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("系统管理员须先启用两步验证。")}, status=403)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return HttpResponseRedirect(reverse("portal:two_factor") + (f"?{query}" if query else ""))


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
