"""Pushing handoffs to the departments' webhooks, signed as Standard Webhooks v1.0.0 says.

Each message is POSTed as JSON with three headers:

    webhook-id:         the handoff's idempotency key (the same in every attempt: receivers de-duplicate on it)
    webhook-timestamp:  seconds since the epoch, when this attempt was signed
    webhook-signature:  v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>" with the secret's key bytes>
                        (two entries, space-separated, while a rotated-out secret still signs)

Secrets are `whsec_` + base64 of the key, so a department verifies with the specification's libraries (PyPI
`standardwebhooks`: `Webhook(secret).verify(body, headers)`).

Order and reliability. One subscription is served by one worker at a time (a PostgreSQL advisory lock held by
that worker's connection, released if the process dies), in sequence order: a message that fails is retried
with exponential backoff and full jitter, and the later ones wait behind it, so a department receives its
handoffs in order. After SUPERVISION_MAX_ATTEMPTS the message is dead-lettered (administrators alerted) and the
next ones go on; an administrator re-drives dead letters. Every attempt is recorded (time, HTTP status,
latency, error) once its answer is in: an attempt cut short by a worker that dies mid-delivery leaves no row.
Nothing is lost then: the delivery is still pending, and the beat's re-drive (`redrive_due`) hands it to a worker
again; the receiver may then see it twice, with the same id.

Speed (bench/supervision_bench.py): one worker sends a run of messages over one kept-alive connection, reads the
line a hundred at a time, records a delivered message in one statement, and lets these records commit without
waiting for the disk flush (see _wait_for_flush); a drain of many events for one department asks for one run.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.models import MaintenanceAlert, User
from portal.roles import Role
from supervision.messages import message_for
from supervision.models import Delivery, DeliveryAttempt, Subscription

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x5E_0A  # pg_advisory_lock(namespace, subscription id)
USER_AGENT = "OneWindow-Webhooks/1.0 (+Standard Webhooks v1)"
LINE_BATCH = 100  # pending deliveries read at once, in sequence order


# --- signing (pure) ----------------------------------------------------------------------------------------------


def secret_key(secret: str) -> bytes:
    value = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    return base64.b64decode(value + "==")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def signing_secrets(subscription: Subscription, now=None) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    now = now or timezone.now()
    secrets = [subscription.secret]
    if subscription.previous_secret and subscription.previous_secret_until and subscription.previous_secret_until > now:
        secrets.append(subscription.previous_secret)
    return secrets


def body_of(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def headers_for(subscription: Subscription, msg_id: str, body: bytes, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json; charset=utf-8",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in signing_secrets(subscription)),
    }


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter: uniform(first, min(cap, first * 2^(attempts-1)))."""
    first = max(0, settings.SUPERVISION_RETRY_FIRST_SECONDS)
    ceiling = min(settings.SUPERVISION_RETRY_MAX_SECONDS, first * 2 ** max(0, attempts - 1))
    return random.uniform(first, max(first, ceiling))


# --- sending -------------------------------------------------------------------------------------------------------


def post(url: str, body: bytes, headers: dict, session=None) -> tuple[int | None, str]:
    """(HTTP status, error text); a status outside 2xx or an exception is a failure. `session` (a
    requests.Session) keeps the connection to the receiver alive between messages of one delivery run."""
    import requests

    try:
        response = (session or requests).post(url, data=body, headers=headers,
                                              timeout=settings.SUPERVISION_WEBHOOK_TIMEOUT_SECONDS,
                                              allow_redirects=False)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000]
    error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}: {response.text[:300]}"
    return response.status_code, error


def _try_lock(subscription_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, subscription_id])
        return cursor.fetchone()[0]


def _unlock(subscription_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, subscription_id])


def _wait_for_flush(wait: bool) -> None:
    """The attempt records of a delivery run commit without waiting for the WAL flush (synchronous_commit off, for
    this connection while the run lasts): a commit is then a fraction of a millisecond instead of a disk flush.
    Nothing the portal promises rests on them: were PostgreSQL itself to crash within a fraction of a second of
    such a commit, the last few messages would be pending again and sent again, with the same webhook-id, which
    receivers de-duplicate on anyway (the same as a worker killed between the POST and the commit)."""
    with connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit" if wait else "SET synchronous_commit TO off")


def deliver_subscription(subscription_id: int, *, max_messages: int = 1000, max_seconds: float = 30.0) -> dict:
    """Send the subscription's pending messages in sequence order until none is due, one fails, or the budget is
    spent. Returns {'sent', 'failed', 'dead', 'busy', 'more'}; schedules its own continuation.

    One run reads the line LINE_BATCH messages at a time and sends them over one kept-alive HTTP connection; each
    attempt is recorded as soon as its answer is in (a delivered one in a single statement, see _send)."""
    import requests

    result = {"sent": 0, "failed": 0, "dead": 0, "busy": False, "more": False}
    if not _try_lock(subscription_id):
        result["busy"] = True  # another worker is on it; it continues until nothing is due
        return result
    started = time.monotonic()
    session = requests.Session()
    try:
        _wait_for_flush(False)
        subscription = Subscription.objects.filter(pk=subscription_id, active=True).first()
        stop = subscription is None
        while not stop:
            line = list(Delivery.objects.filter(subscription_id=subscription_id, status=Delivery.Status.PENDING)
                        .select_related("handoff__department", "handoff__platform")
                        .order_by("sequence")[:LINE_BATCH])
            if not line:
                break
            for delivery in line:
                if (result["sent"] + result["failed"] + result["dead"] >= max_messages
                        or time.monotonic() - started > max_seconds):
                    result["more"] = stop = True
                    schedule(subscription_id)
                    break
                if delivery.next_attempt_at > timezone.now():  # the head of the line waits for its retry; so do
                    schedule(subscription_id, at=delivery.next_attempt_at)  # the others
                    stop = True
                    break
                outcome = _send(subscription, delivery, session)
                result[outcome] += 1
                if outcome == "failed":
                    stop = True
                    break
    finally:
        session.close()
        try:
            _unlock(subscription_id)
        finally:
            _wait_for_flush(True)
    # A message committed while this worker held the lock, whose own task found it busy, must not wait for the
    # beat: look once more after letting go.
    if not (result["more"] or result["failed"]) and Delivery.objects.filter(
            subscription_id=subscription_id, status=Delivery.Status.PENDING,
            next_attempt_at__lte=timezone.now()).exists():
        schedule(subscription_id)
    return result


def _send(subscription: Subscription, delivery: Delivery, session=None) -> str:
    body = body_of(message_for(delivery.handoff))
    headers = headers_for(subscription, delivery.handoff.idempotency_key, body)
    started_at = timezone.now()
    clock = time.perf_counter()
    status, error = post(subscription.url, body, headers, session)
    latency_ms = round((time.perf_counter() - clock) * 1000)
    if not error:
        _record_delivered(delivery, started_at, status, latency_ms)
        return "sent"
    with transaction.atomic():
        DeliveryAttempt.objects.create(delivery=delivery, started_at=started_at, http_status=status,
                                       latency_ms=latency_ms, error=error)
        delivery.attempts += 1
        delivery.last_error = error
        if delivery.attempts >= settings.SUPERVISION_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.DEAD
            delivery.save(update_fields=["status", "attempts", "last_error"])
            _alert_dead_letter(subscription, delivery)
            return "dead"
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(delivery.attempts))
        delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    schedule(subscription.pk, at=delivery.next_attempt_at)
    return "failed"


def _record_delivered(delivery: Delivery, started_at, status: int, latency_ms: int) -> None:
    """The common case in one statement (atomic on its own: one round trip instead of four): the delivery is
    delivered and its attempt recorded."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH done AS (
                    UPDATE {Delivery._meta.db_table}
                       SET status = %s, delivered_at = statement_timestamp(), attempts = attempts + 1, last_error = ''
                     WHERE id = %s AND status = %s
                 RETURNING id, delivered_at)
                INSERT INTO {DeliveryAttempt._meta.db_table} (delivery_id, started_at, http_status, latency_ms, error)
                SELECT id, %s, %s, %s, '' FROM done
                RETURNING (SELECT delivered_at FROM done)""",
            [Delivery.Status.DELIVERED, delivery.pk, Delivery.Status.PENDING, started_at, status, latency_ms])
        row = cursor.fetchone()
    if row is not None:
        delivery.status, delivery.delivered_at, delivery.last_error = Delivery.Status.DELIVERED, row[0], ""
        delivery.attempts += 1


def _alert_dead_letter(subscription: Subscription, delivery: Delivery) -> None:
    from portal.notifications import notify

    message = (f"审管推送投递失败：{subscription.recipient}“{subscription.name}”第 {delivery.sequence} 号消息"
               f"已尝试 {delivery.attempts} 次（{delivery.last_error[:200]}），已停止重试，请排查接收地址后重新投递。")
    MaintenanceAlert.objects.update_or_create(code=f"webhook-dead-{subscription.pk}",
                                              defaults={"message": message, "raised_at": timezone.now(),
                                                        "resolved_at": None})
    for admin in User.objects.filter(groups__name=Role.ADMINISTRATOR.value, is_active=True):
        notify(admin, "审管推送投递失败", message, url="/supervision/deliveries/?status=dead", channels=("email",),
               dedupe_key=f"webhook-dead:{delivery.pk}:{admin.pk}")


# --- scheduling ------------------------------------------------------------------------------------------------------


def schedule(subscription_id: int, at=None) -> None:
    """Ask a worker to deliver for this subscription (now, or at `at`); a broker that is down only delays it."""
    from supervision.tasks import deliver

    try:
        if at is None:
            deliver.delay(subscription_id)
        else:
            deliver.apply_async((subscription_id,), eta=at)
    except Exception:  # noqa: BLE001 - broker down: the beat's re-drive finds the pending deliveries
        log.warning("broker unavailable; deliveries of subscription %s wait for the re-drive", subscription_id)


def enqueue_department(department_id: int) -> None:
    for subscription_id in Subscription.objects.filter(department_id=department_id, active=True).values_list(
            "pk", flat=True):
        schedule(subscription_id)


def enqueue_platform(platform_id: int) -> None:
    for subscription_id in Subscription.objects.filter(platform_id=platform_id, active=True).values_list(
            "pk", flat=True):
        schedule(subscription_id)


def redrive_due() -> int:
    """The beat's safety net: every active subscription with a pending delivery that is due gets a worker (after a
    broker outage, a killed worker, a lost message). Returns how many were scheduled."""
    ids = list(Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now(),
                                       subscription__active=True)
               .values_list("subscription_id", flat=True).distinct())
    for subscription_id in ids:
        schedule(subscription_id)
    return len(ids)


@transaction.atomic
def redrive_dead(delivery_ids, user: User) -> int:
    """An administrator re-drives dead letters: pending again, attempts from zero, due now."""
    from portal.audit import record_audit

    deliveries = list(Delivery.objects.select_for_update().filter(pk__in=list(delivery_ids),
                                                                  status=Delivery.Status.DEAD))
    for delivery in deliveries:
        delivery.status = Delivery.Status.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        record_audit(user, "delivery_redriven", delivery.handoff, data={"delivery": delivery.pk})
    for subscription_id in {d.subscription_id for d in deliveries}:
        # The subscription's alert is resolved once none of its dead letters is left (it stands for all of them).
        if not Delivery.objects.filter(subscription_id=subscription_id, status=Delivery.Status.DEAD).exists():
            MaintenanceAlert.objects.filter(code=f"webhook-dead-{subscription_id}", resolved_at__isnull=True).update(
                resolved_at=timezone.now())
        transaction.on_commit(lambda s=subscription_id: schedule(s))
    return len(deliveries)
