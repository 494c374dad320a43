from django.http import HttpResponse
from django.urls import path

app_name = "approvals"


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns = [
    path("intake/", _todo, name="queue"),
    path("intake/new/", _todo, name="walk_in"),
    path("notices/<int:pk>/", _todo, name="notice"),
    path("intake/<int:pk>/", _todo, name="intake"),
    path("intake/<int:pk>/claim/", _todo, name="claim"),
]
