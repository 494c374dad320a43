"""Celery tasks of the receive stage: thin, idempotent wrappers over set-based services (safe to run twice)."""
from celery import shared_task

from approvals import services


@shared_task(name="approvals.tasks.deem_overdue_accepted")
def deem_overdue_accepted():
    return services.deem_overdue_accepted()


@shared_task(name="approvals.tasks.lapse_unanswered_supplements")
def lapse_unanswered_supplements():
    return services.lapse_unanswered_supplements()


@shared_task(name="approvals.tasks.flag_overdue_tolerated_materials")
def flag_overdue_tolerated_materials():
    return services.flag_overdue_tolerated_materials()


@shared_task(name="approvals.tasks.sweep_timers")
def sweep_timers():
    """Yellow / red / statutory alarm on the day their timers say; notifies once per change."""
    return services.sweep_timers()


@shared_task(name="approvals.tasks.flag_overdue_rectifications")
def flag_overdue_rectifications():
    return services.flag_overdue_rectifications()
