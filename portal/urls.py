from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from portal import api, oversight_views, views

portal_patterns = (
    [
        path("", views.home, name="home"),
        path("accounts/login/", views.SignInView.as_view(), name="login"),
        path("accounts/login/code/", views.SecondFactorView.as_view(), name="login_verify"),
        path("accounts/two-factor/", views.two_factor, name="two_factor"),
        path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
        path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
        path("healthz", views.healthz, name="healthz"),
        path("notifications/", views.notification_list, name="notifications"),
        path("notifications/read/", views.notification_mark_read, name="notifications_read"),
        path("display/", views.display_mode, name="display_mode"),
        # Dashboards (统计分析) and the hall's wall screen: sections registered by the apps (portal/oversight.py).
        path("oversight/", oversight_views.dashboard, name="oversight"),
        path("oversight/export.xlsx", oversight_views.export_workbook, name="oversight_workbook"),
        re_path(r"^oversight/(?P<key>[a-z0-9_-]+)/(?P<table>[a-z0-9_-]+)\.(?P<fmt>csv|xlsx)$",
                oversight_views.export_table, name="oversight_export"),
        path("hall/", oversight_views.hall, name="hall"),
    ],
    "portal",
)

urlpatterns = [
    path("", include(portal_patterns)),
    path("guide/", include("catalog.urls")),
    path("", include("applications.urls")),
    path("", include("approvals.urls")),  # /office/ (staff) and /licences/ (holders)
    path("verify/", include("approvals.certificates.urls")),
    path("licences/", include("approvals.certificates.holder_urls")),
    path("supervision/", include("supervision.urls")),
    path("publicity/", include("approvals.publicity.urls")),
    path("api/", include("portal.api_urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Any other path under /api/ (ending with a slash: CommonMiddleware still adds a missing one) answers 404 in
    # the API's JSON, as its schema says, not with the HTML error page.
    re_path(r"^api/(?:.*/)?$", api.not_found),
]
