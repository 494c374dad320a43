"""The public listing of licensing decisions (双公示), mounted at /publicity/: no sign-in."""
from django.urls import path

from approvals.publicity import views

app_name = "publicity"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("<uuid:public_id>/", views.detail, name="detail"),
]
