"""The public verification pages, mounted at /verify/ (namespace "verify"), no sign-in."""
from django.urls import path

from approvals.certificates import views

app_name = "verify"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:electronic_id>", views.certificate, name="certificate"),
]
