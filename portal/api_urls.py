"""Every app's API under /api/: each app that has an api.py with a `router` is mounted here."""
from importlib import import_module

from django.urls import include, path

urlpatterns = []
for _label in ("catalog", "applications", "approvals", "supervision"):
    try:
        _module = import_module(f"{_label}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{_label}.api":
            raise
        continue
    urlpatterns.append(path(f"{_label}/", include((_module.router.urls, f"{_label}-api"))))
