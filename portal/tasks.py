"""Celery tasks of the portal package: thin, idempotent wrappers over services."""
import socket

from celery import shared_task

from portal import services


@shared_task(name="portal.tasks.record_worker_heartbeat")
def record_worker_heartbeat():
    services.record_worker_heartbeat(socket.gethostname())


@shared_task(name="portal.tasks.check_calendar_coverage")
def check_calendar_coverage():
    alert = services.check_calendar_coverage()
    return alert.code if alert else None


@shared_task(name="portal.tasks.verify_audit_chain")
def verify_audit_chain():
    alert = services.check_audit_chain()
    return alert.code if alert else None


@shared_task(name="portal.tasks.deliver_notifications")
def deliver_notifications(delivery_ids=None):
    from portal import notifications

    return notifications.deliver(delivery_ids)


@shared_task(name="portal.tasks.forget_old_failures")
def forget_old_failures():
    from portal import throttle

    return throttle.purge_old_failures()


@shared_task(name="portal.tasks.drain_outbox", acks_late=True)
def drain_outbox():
    """Hand pending outbox events to their consumers (after each commit that published one, and on the beat)."""
    from portal import outbox

    return outbox.drain()


@shared_task(name="portal.tasks.roll_up_figures")
def roll_up_figures():
    """Every registered roll-up of closed days (portal/rollups.py), up to yesterday; idempotent."""
    from portal import rollups

    return [{"key": done["key"], "through": str(done["through"]), "rows": done["rows"]}
            for done in rollups.roll_up_all()]
