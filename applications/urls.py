from django.http import HttpResponse
from django.urls import path

app_name = "applications"


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns = [
    path("applications/", _todo, name="list"),
    path("applications/<int:pk>/", _todo, name="detail"),
    path("progress/", _todo, name="progress"),
    path("applicants/", _todo, name="applicants"),
    path("consents/", _todo, name="consents"),
    path("register/", _todo, name="register"),
]
