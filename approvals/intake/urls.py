"""The window clerk's pages (mounted at /office/ by approvals/urls.py, namespace "approvals")."""
from django.urls import path

from approvals.intake import views

urlpatterns = [
    path("intake/", views.queue, name="queue"),
    path("intake/new/", views.walk_in, name="walk_in"),
    path("intake/new/<int:pk>/", views.walk_in_fill, name="walk_in_fill"),
    path("intake/new/<int:pk>/upload/", views.walk_in_upload, name="walk_in_upload"),
    path("intake/new/<int:pk>/files/<uuid:public_id>/delete/", views.walk_in_delete_file, name="walk_in_delete_file"),
    path("intake/supplements/", views.supplements, name="supplements"),
    path("intake/<int:pk>/", views.intake, name="intake"),
    path("intake/<int:pk>/supplement-papers/", views.supplement, name="supplement"),
    path("intake/<int:pk>/claim/", views.claim, name="claim"),
    path("intake/<int:pk>/release/", views.release, name="release"),
    path("intake/<int:pk>/<slug:name>/", views.outcome, name="outcome"),
    path("issuing/", views.issuing_queue, name="issuing_queue"),
    path("issuing/<int:pk>/", views.handover, name="handover"),
]
