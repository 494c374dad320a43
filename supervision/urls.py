"""The department user's pages, mounted at /supervision/ (namespace "supervision")."""
from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("handoffs/<uuid:public_id>/", views.handoff, name="handoff"),
    path("handoffs/<uuid:public_id>/claim/", views.claim, name="claim"),
    path("handoffs/<uuid:public_id>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("handoffs/<uuid:public_id>/documents/<uuid:document_id>/", views.record_document, name="record_document"),
    path("settings/", views.settings_page, name="settings"),
    path("deliveries/", views.deliveries, name="deliveries"),
]
