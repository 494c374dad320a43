"""The holder's licences (我的证照), mounted at /licences/ (namespace "licences"): the applicant's side, signed in."""
from django.urls import path

from approvals.certificates import views

app_name = "licences"

urlpatterns = [
    path("", views.my_licences, name="mine"),
]
