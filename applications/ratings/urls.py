"""好差评 routes, added to applications/urls.py (namespace "applications")."""
from django.urls import path

from applications.ratings import views

urlpatterns = [
    path("applications/<int:pk>/rate/", views.rate, name="rate"),
    path("ratings/visit/", views.visit_start, name="rating_visit_start"),
    path("ratings/visit/<uuid:token>/", views.visit_rate, name="rating_visit"),
    path("ratings/tickets/", views.tickets, name="rating_tickets"),
    path("ratings/tickets/<int:pk>/", views.ticket, name="rating_ticket"),
    path("ratings/appeals/", views.appeals, name="rating_appeals"),
    path("ratings/appeals/<int:pk>/decide/", views.appeal_decide, name="rating_appeal_decide"),
]
