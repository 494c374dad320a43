"""The admin site: Django's, entered only through the portal's sign-in and with the second factor.

Django's own admin login form would be a second way in with no throttle and no second factor, so the admin's
login page sends everyone to the portal's sign-in (one throttle, the code step, the audit) and comes back."""
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal import second_factor


class PortalAdminSite(admin.AdminSite):
    site_header = settings.ADMIN_SITE_HEADER
    site_title = settings.ADMIN_SITE_HEADER

    def has_permission(self, request):
        # Like django-otp's OTPAdminSite, but a code is demanded only of accounts that have a device or must
        # have one (ADMIN_SECOND_FACTOR_REQUIRED), so the DEBUG demo's administrator needs none.
        return super().has_permission(request) and second_factor.session_state(request) == "ok"

    def login(self, request, extra_context=None):
        target = request.GET.get(REDIRECT_FIELD_NAME) or ""
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if second_factor.session_state(request) == "enrol":
                return redirect(f"{reverse('portal:two_factor')}?next={target}")
            raise PermissionDenied  # signed in, but not someone the admin is for
        return redirect_to_login(target, reverse("portal:login"))
