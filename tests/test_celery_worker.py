"""End to end through Redis and a real Celery worker process on the test database."""
import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.models import CalendarDay, MaintenanceAlert, WorkerHeartbeat

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def celery_worker_process(transactional_db, app_database_url):
    """A real `celery worker` on a queue of its own, reading and writing the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": app_database_url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "DB_CONN_MAX_AGE": "0",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    connection.close()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queue, "-c", "1", "-P", "solo",
         "--without-gossip", "--without-mingle", "-l", "warning", "-n", f"{queue}@%h"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    print(output)


def _wait_for(predicate, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.celery
def test_periodic_tasks_run_in_a_real_worker(celery_worker_process):
    queue = celery_worker_process
    # The worker reports in when it is ready (worker_ready sends the heartbeat task).
    assert _wait_for(lambda: WorkerHeartbeat.objects.filter(hostname__isnull=False).exists()), "no heartbeat"
    # Whatever the package knows, next year is missing here, so the check must raise the alert.
    CalendarDay.objects.filter(date__year=date.today().year + 1).delete()
    app.send_task("portal.tasks.check_calendar_coverage", queue=queue)
    assert _wait_for(lambda: MaintenanceAlert.objects.filter(resolved_at__isnull=True).exists()), "no alert"


def test_beat_schedule_is_stored_in_the_database(transactional_db):
    """django-celery-beat's scheduler installs the settings' schedule as database rows."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    scheduler = DatabaseScheduler(app=app, lazy=True)
    scheduler.setup_schedule()
    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"portal.tasks.record_worker_heartbeat", "portal.tasks.check_calendar_coverage"} <= names
    assert settings.CELERY_TASK_ACKS_LATE is True
