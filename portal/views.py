"""Thin views of the portal package: sign-in (password, then the second factor), second-factor enrolment,
role home pages, health."""
from __future__ import annotations

import time

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.util import random_hex

from portal import dashboard, notifications, second_factor, selectors, services, throttle
from portal.forms import SecondFactorForm, SignInForm
from portal.models import User
from portal.roles import Role
from portal.web import ELDER_COOKIE, error_messages, safe_next

ROLE_HOME_TEMPLATES = {role.value: f"portal/home/{role.value}.html" for role in Role}


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if second_factor.has_confirmed_device(user):
            # The password is right; the session is made only after the code.
            self.request.session.cycle_key()
            self.request.session[second_factor.SESSION_PENDING_KEY] = {
                "user": user.pk, "backend": user.backend, "next": self.get_success_url(), "at": time.time(),
            }
            return redirect("portal:login_verify")
        response = super().form_valid(form)
        services.record_sign_in(user, self.request)
        return response


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class SecondFactorView(FormView):
    """The second step of signing in: the code from the authenticator app."""

    form_class = SecondFactorForm
    template_name = "registration/second_factor.html"

    def dispatch(self, request, *args, **kwargs):
        pending = request.session.get(second_factor.SESSION_PENDING_KEY)
        self.user = None
        if pending and time.time() - pending.get("at", 0) <= second_factor.PENDING_SECONDS:
            self.user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
        if self.user is None:
            request.session.pop(second_factor.SESSION_PENDING_KEY, None)
            messages.info(request, _("请输入用户名和密码登录。"))
            return redirect("portal:login")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            device = services.verify_second_factor(self.request, self.user, form.cleaned_data["token"])
        except throttle.TooManyAttempts as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        except ValidationError as exc:
            form.add_error("token", exc)
            return self.form_invalid(form)
        pending = self.request.session.pop(second_factor.SESSION_PENDING_KEY)
        auth_login(self.request, self.user, backend=pending["backend"])
        otp_login(self.request, device)
        services.record_sign_in(self.user, self.request)
        return redirect(pending["next"])  # made safe by SignInView.get_success_url


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Enrol an authenticator app (a QR code and the secret, then one code to confirm), or see and remove it."""
    user = request.user
    if not second_factor.may_enrol(user):
        raise PermissionDenied(_("只有工作人员可以启用两步验证。"))
    device = second_factor.confirmed_device(user)
    form = SecondFactorForm(request.POST or None)
    next_url = safe_next(request)
    context = {"device": device, "form": form, "next": next_url, "required": second_factor.required_for(user)}
    if device is None:
        key = request.session.get(second_factor.SESSION_ENROL_KEY) or random_hex(20)
        request.session[second_factor.SESSION_ENROL_KEY] = key
        if request.method == "POST" and form.is_valid():
            try:
                device = services.enrol_second_factor(user, key, form.cleaned_data["token"], request=request)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error("token", error_messages(exc))
            else:
                request.session.pop(second_factor.SESSION_ENROL_KEY, None)
                otp_login(request, device)
                request.session[second_factor.SESSION_STATE_KEY] = "device"
                messages.success(request, _("两步验证已启用：以后登录时，输入密码后还需输入身份验证器中的动态验证码。"))
                return redirect(next_url or "portal:two_factor")
        pending = second_factor.new_device(user, key)
        context.update(qr_svg=mark_safe(second_factor.qr_svg(pending.config_url)),  # noqa: S308 - generated here
                       secret=second_factor.base32_secret(key))
    elif request.method == "POST" and form.is_valid():
        try:
            services.remove_second_factor(user, form.cleaned_data["token"], request=request)
        except (ValidationError, PermissionDenied) as exc:
            refused = isinstance(exc, (throttle.TooManyAttempts, PermissionDenied))
            form.add_error(None if refused else "token", error_messages(exc))
        else:
            request.session[second_factor.SESSION_STATE_KEY] = "none"
            messages.success(request, _("两步验证已停用。"))
            return redirect("portal:two_factor")
    return render(request, "portal/two_factor.html", context, status=400 if form.errors else 200)


class SignOutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_audit(self.request.user, "password_change", self.request.user, request=self.request)
        messages.success(self.request, _("密码已修改。"))
        return response


def home(request):
    """The public landing page for visitors; each signed-in role lands on its own work page."""
    if not request.user.is_authenticated:
        # What the apps show visitors (search, popular items, bundles, notices), and the hall's own facts.
        return render(request, "portal/landing.html", {
            "panels": dashboard.panels_for(request, dashboard.VISITOR),
            "hall": settings.SERVICE_HALL,
        })
    role = request.user.primary_role
    template = ROLE_HOME_TEMPLATES.get(role, "portal/home/no_role.html")
    context = {
        "role": role,
        "role_label": Role(role).label if role else "",
        "panels": dashboard.panels_for(request, role) if role else [],
    }
    return render(request, template, context)


@never_cache
@require_GET
def healthz(request):
    """Database, Redis and the newest worker heartbeat; 200 when all are well, 503 otherwise."""
    report: dict = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        report["database"] = {"ok": False, "error": exc.__class__.__name__}
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        report["redis"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001
        report["redis"] = {"ok": False, "error": exc.__class__.__name__}
    if report["database"]["ok"]:
        beat = selectors.latest_worker_heartbeat()
        age = selectors.heartbeat_age_seconds(beat)
        report["worker"] = {
            "ok": age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS,
            "last_heartbeat": beat.seen_at.isoformat() if beat else None,
            "age_seconds": None if age is None else round(age, 1),
            "hostname": beat.hostname if beat else None,
        }
    else:
        report["worker"] = {"ok": False, "error": "database unavailable"}
    healthy = all(part["ok"] for part in report.values())
    report["status"] = "ok" if healthy else "degraded"
    return JsonResponse(report, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


@login_required
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/notifications.html", {"page": page})


@login_required
@require_POST
def notification_mark_read(request):
    ids = request.POST.getlist("id") or None
    notifications.mark_read(request.user, ids)
    return redirect(request.POST.get("next") or "portal:notifications")


# 长辈版 (elderly mode, issue 13 item 11): larger text and controls, remembered in a cookie (no sign-in needed).
# The header's switch is a link here, so it works without JavaScript; static/portal/js/display.js turns it at
# once in the page and writes the same cookie (so the cookie is not HttpOnly: it holds only this preference).
# A link rather than a form: it changes nothing but how this browser shows the pages.
ELDER_COOKIE_AGE = 365 * 24 * 3600


@require_GET
def display_mode(request):
    """Switch the 长辈版 on (?elder=1) or off (?elder=0) and go back to the page the switch was on (?next=)."""
    response = redirect(safe_next(request, default="/"))
    if request.GET.get("elder") == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=ELDER_COOKIE_AGE, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE, httponly=False)
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
