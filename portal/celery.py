"""The Celery application. Schedules live in the database (django-celery-beat), seeded from settings."""
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _first_heartbeat(sender=None, **kwargs):
    """Report in as soon as a worker is up, not only at the first beat."""
    sender.app.send_task("portal.tasks.record_worker_heartbeat")
