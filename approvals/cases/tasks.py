"""Celery tasks of the staged workflow: thin, idempotent wrappers over set-based sweeps (safe to run twice)."""
from celery import shared_task

from approvals import timers
from approvals.cases import services


@shared_task(name="approvals.tasks.sweep_timers")
def sweep_timers():
    """Yellow / red / statutory alarm on the day their timers say; notifies once per change."""
    return timers.sweep_timers()


@shared_task(name="approvals.tasks.sweep_overdue_rectifications")
def sweep_overdue_rectifications():
    return services.sweep_overdue_rectifications()
