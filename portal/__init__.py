"""OneWindow project package: settings, users and roles, the working-day clock, audit log."""
from .celery import app as celery_app

__all__ = ("celery_app",)
