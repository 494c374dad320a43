"""Celery tasks of the applicant's side: thin and idempotent (the schedules are in portal/settings.py)."""
from celery import shared_task


@shared_task(name="applications.tasks.escalate_overdue_problems")
def escalate_overdue_problems():
    """办不成事反映 past their reply deadline go to the bureau's leaders, once per ticket."""
    from applications.problems import services

    return services.escalate_overdue()
