"""The Celery application. Schedules live in the database (django-celery-beat), seeded from settings."""
import os

from celery import Celery
from celery.signals import task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _first_heartbeat(sender=None, **kwargs):
    """Report in as soon as a worker is up, not only at the first beat; check the calendar's coverage at once
    (the missing-year alert and e-mail do not wait for the first daily run)."""
    sender.app.send_task("portal.tasks.record_worker_heartbeat")
    sender.app.send_task("portal.tasks.check_calendar_coverage")


@task_prerun.connect
def _fresh_calendar(**kwargs):
    """Every task counts days by the calendar as it is now (an administrator's edit reaches the workers at once)."""
    from portal import clock

    clock.refresh_if_changed()
