"""Celery tasks of the intake desk: thin, idempotent wrappers over set-based sweeps (safe to run twice)."""
from celery import shared_task

from approvals.intake import services


@shared_task(name="approvals.tasks.sweep_deemed_acceptance")
def sweep_deemed_acceptance():
    return services.sweep_deemed_acceptance()


@shared_task(name="approvals.tasks.sweep_lapsed_supplements")
def sweep_lapsed_supplements():
    return services.sweep_lapsed_supplements()


@shared_task(name="approvals.tasks.sweep_overdue_tolerated_materials")
def sweep_overdue_tolerated_materials():
    return services.sweep_overdue_tolerated_materials()
