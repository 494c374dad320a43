"""The holder's licence pages of renewals (mounted at /licences/ by approvals/urls.py, namespace "approvals")."""
from django.urls import path

from approvals.renewals import views

urlpatterns = [
    path("<uuid:public_id>/renew/", views.renew, name="renew"),
]
