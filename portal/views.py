"""Thin views of the portal package: sign-in, role home pages, health."""
from __future__ import annotations

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal import dashboard, notifications, selectors, services
from portal.forms import SignInForm
from portal.roles import Role

ROLE_HOME_TEMPLATES = {role.value: f"portal/home/{role.value}.html" for role in Role}


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_sign_in(form.get_user(), self.request)
        return response


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
        return render(request, "portal/landing.html")
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
