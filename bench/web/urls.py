"""The portal's URLs, and the minimal view at /bench/minimal/."""
from django.urls import path

from bench.web import views
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("bench/minimal/", views.minimal, name="bench_minimal"), *portal_urlpatterns]
