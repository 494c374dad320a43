from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect, JsonResponse
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


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a session that lacks the second factor it needs goes no further.

    - The account has a confirmed device but this session never gave a code (a session made by some other
      path): it is signed out and sent to the sign-in, which asks for the code.
    - An administrator without a device while ADMIN_SECOND_FACTOR_REQUIRED is on: every page but the enrolment
      page and signing out redirects to enrolment; the API answers 403.
    Pages, the admin and the API (DRF's session authentication reads the same request.user) are all covered.
    """

    ALLOWED_WHILE_ENROLLING = {"portal:two_factor", "portal:logout", "portal:healthz", "portal:login",
                               "portal:login_verify", "admin:logout"}

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
