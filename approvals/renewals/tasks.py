"""Celery tasks of licence expiry and renewal (re-exported by approvals.tasks, where autodiscovery looks): thin,
idempotent wrappers over the sweeps (safe to run twice)."""
from celery import shared_task

from approvals.renewals import services


@shared_task(name="approvals.tasks.sweep_licence_expiry_reminders")
def sweep_licence_expiry_reminders():
    """Remind holders of licences reaching a point before expiry, each point once."""
    return services.sweep_licence_expiry_reminders()


@shared_task(name="approvals.tasks.sweep_deemed_renewals")
def sweep_deemed_renewals():
    """Art. 50: renewals undecided when the old licence expired are deemed granted."""
    return services.sweep_deemed_renewals()
