"""The transactional outbox: how one app tells others what happened without importing them, and without losing
a word when a process, the broker or a consumer fails.

    outbox.publish("case.decided", case, {...})       # inside the transaction that decides the case
    outbox.subscribe("case.decided", handler)           # in the consumer's AppConfig.ready()

`publish` writes an OutboxEvent row in the caller's transaction, so the event exists exactly when the change does
(a rolled-back decision leaves no event; a committed one always has its event). After the commit it asks a
worker to drain (a broker that is down only delays that: the beat drains every few seconds too). `drain` takes
pending events in id order (FOR UPDATE SKIP LOCKED, so two drains never take the same event), and for each
runs every handler subscribed to its topic and marks it processed in one savepoint: the handlers' effects and
"processed" commit together, so an event is handled exactly once in effect. A handler that raises rolls back its
own effects only; the event stays pending with its error counted and is retried by the next drain (after
OUTBOX_MAX_ATTEMPTS, administrators get a maintenance alert and the event waits for a re-drive). Handlers must
also be idempotent by `event.event_id` (a re-drive after an alert runs them again).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.models import MaintenanceAlert, OutboxEvent

log = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)

DRAIN_TASK = "portal.tasks.drain_outbox"


def subscribe(topic: str, handler: Handler) -> None:
    """Run `handler(event)` for every event of `topic` (once per process; AppConfig.ready calls this)."""
    if handler not in _handlers[topic]:
        _handlers[topic].append(handler)


def handlers_for(topic: str) -> list[Handler]:
    return list(_handlers.get(topic, ()))


def publish(topic: str, subject=None, payload: dict | None = None) -> OutboxEvent:
    """Record an event in the current transaction (required: an event outside one could outlive a rollback)."""
    from django.db import connection

    if not connection.in_atomic_block:
        raise RuntimeError("outbox.publish must run inside the transaction of the change it reports")
    event = OutboxEvent.objects.create(
        topic=topic,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        payload=payload or {},
    )
    transaction.on_commit(kick)
    return event


def kick() -> None:
    """Ask a worker to drain now (after a commit). The beat drains anyway: a broker that is down only delays."""
    from celery import current_app

    try:
        current_app.send_task(DRAIN_TASK)
    except Exception:  # noqa: BLE001 - broker down: the next beat drain takes the event
        log.warning("broker unavailable; outbox events wait for the next drain")


def _max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 10)


def drain(batch: int = 200) -> int:
    """Process pending events, oldest first, until none is left that may be tried. Returns how many were
    processed now."""
    processed = 0
    while True:
        with transaction.atomic():
            events = list(OutboxEvent.objects.select_for_update(skip_locked=True)
                          .filter(processed_at__isnull=True, attempts__lt=_max_attempts()).order_by("id")[:batch])
            for event in events:
                if _process(event):
                    processed += 1
        if len(events) < batch:
            return processed


def _process(event: OutboxEvent) -> bool:
    try:
        with transaction.atomic():
            for handler in handlers_for(event.topic):
                handler(event)
            event.processed_at = timezone.now()
            event.save(update_fields=["processed_at"])
        return True
    except Exception as exc:  # noqa: BLE001 - one consumer's failure must not stop the others' events
        log.exception("outbox event %s (%s) failed", event.event_id, event.topic)
        event.attempts += 1
        event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        event.save(update_fields=["attempts", "last_error"])
        if event.attempts >= _max_attempts():
            MaintenanceAlert.objects.update_or_create(
                code=f"outbox-{event.event_id}"[:64],
                defaults={"message": f"事件 {event.topic}（{event.event_id}）处理失败 {event.attempts} 次，已暂停重试："
                                     f"{event.last_error[:300]}。请排查后在后台重新投递。",
                          "raised_at": timezone.now(), "resolved_at": None})
        return False


def redrive(event_ids) -> int:
    """Let failed events be tried again (an administrator, after fixing the cause)."""
    count = OutboxEvent.objects.filter(event_id__in=list(event_ids), processed_at__isnull=True).update(attempts=0)
    MaintenanceAlert.objects.filter(code__in=[f"outbox-{e}"[:64] for e in event_ids]).update(
        resolved_at=timezone.now())
    transaction.on_commit(kick)
    return count
