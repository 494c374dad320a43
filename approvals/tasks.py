"""Celery tasks of the staff side: thin, idempotent wrappers over set-based sweeps (safe to run twice).
Every sweep is named sweep_*; the schedules are in portal/settings.py (CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from approvals import timers
from approvals.cases import services as case_services
from approvals.intake import services as intake_services


@shared_task(name="approvals.tasks.sweep_deemed_acceptance")
def sweep_deemed_acceptance():
    return intake_services.sweep_deemed_acceptance()


@shared_task(name="approvals.tasks.sweep_lapsed_supplements")
def sweep_lapsed_supplements():
    return intake_services.sweep_lapsed_supplements()


@shared_task(name="approvals.tasks.sweep_overdue_tolerated_materials")
def sweep_overdue_tolerated_materials():
    return intake_services.sweep_overdue_tolerated_materials()


@shared_task(name="approvals.tasks.sweep_timers")
def sweep_timers():
    """Yellow / red / statutory alarm on the day their timers say; notifies once per change."""
    return timers.sweep_timers()


@shared_task(name="approvals.tasks.sweep_overdue_rectifications")
def sweep_overdue_rectifications():
    return case_services.sweep_overdue_rectifications()
