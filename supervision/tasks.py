"""Celery tasks of 审管联动: thin and idempotent (the schedules are in portal/settings.py)."""
from celery import shared_task

from supervision import delivery, services


@shared_task(name="supervision.tasks.deliver", acks_late=True)
def deliver(subscription_id: int):
    """Push one subscription's pending messages in order (one worker per subscription at a time)."""
    return delivery.deliver_subscription(subscription_id)


@shared_task(name="supervision.tasks.redrive_deliveries")
def redrive_deliveries():
    return delivery.redrive_due()


@shared_task(name="supervision.tasks.sweep_unclaimed_handoffs")
def sweep_unclaimed_handoffs():
    return services.sweep_unclaimed()
