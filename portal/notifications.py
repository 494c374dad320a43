"""One way to tell people things: in-portal messages plus pluggable outside channels (e-mail, SMS, ...).

A channel is a small class with `name`, `address_for(user)` and `send(address, title, body)`; adding one is
adding a class to CHANNELS. Outside copies are rows that a Celery task sends after the commit, so a message is
never lost when Redis or a gateway is down: the re-drive task picks up whatever is still pending.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from portal.models import Notification, NotificationDelivery, User
from portal.sms import send_sms

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class EmailChannel:
    name = "email"
    user_field = "email"  # the User column holding the address, for set-based sends (notify_many)

    def address_for(self, user: User) -> str:
        return user.email

    def send(self, address: str, title: str, body: str) -> None:
        send_mail(title, body, None, [address], fail_silently=False)


class SmsChannel:
    name = "sms"
    user_field = "mobile"

    def address_for(self, user: User) -> str:
        return user.mobile

    def send(self, address: str, title: str, body: str) -> None:
        send_sms(address, f"【{settings.CENTRE_NAME}】{title}。{body}"[:300])


CHANNELS = {channel.name: channel for channel in (EmailChannel(), SmsChannel())}


def notify(
    recipient: User, title: str, body: str = "", *, url: str = "", channels=(), dedupe_key: str = ""
) -> Notification | None:
    """Store the in-portal message and queue copies to `channels`; None when `dedupe_key` was already used."""
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                recipient=recipient, title=title[:200], body=body, url=url[:300], dedupe_key=dedupe_key[:200]
            )
    except IntegrityError:
        if dedupe_key:
            return None
        raise
    deliveries = []
    for name in channels:
        address = CHANNELS[name].address_for(recipient)
        if address:
            deliveries.append(NotificationDelivery(notification=note, channel=name, address=address))
    if deliveries:
        NotificationDelivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _enqueue(ids))
    return note


@dataclass(frozen=True)
class Message:
    recipient_id: int
    title: str
    body: str = ""
    url: str = ""
    dedupe_key: str = ""


def notify_many(messages: list[Message], *, channels=()) -> list[int]:
    """notify() for many people at once, in a constant number of statements whatever their number (one INSERT
    of the in-portal messages, one per outside channel): for sweeps over many cases. A message whose dedupe key
    its recipient already has is skipped, with its copies. Returns the ids of the messages stored."""
    if not messages:
        return []
    notes, users = Notification._meta.db_table, User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {notes} (recipient_id, title, body, url, dedupe_key, created_at)
                SELECT m.recipient_id, m.title, m.body, m.url, m.dedupe_key, now()
                  FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
                       AS m(recipient_id, title, body, url, dedupe_key)
                ON CONFLICT DO NOTHING
             RETURNING id""",
            [
                [m.recipient_id for m in messages],
                [str(m.title)[:200] for m in messages],
                [str(m.body) for m in messages],
                [m.url[:300] for m in messages],
                [m.dedupe_key[:200] for m in messages],
            ],
        )
        stored = [row[0] for row in cursor.fetchall()]
        delivery_ids: list[int] = []
        for name in channels if stored else ():
            column = CHANNELS[name].user_field
            cursor.execute(
                f"""INSERT INTO {NotificationDelivery._meta.db_table}
                        (notification_id, channel, address, status, attempts, last_error, created_at)
                    SELECT n.id, %s, u.{column}, %s, 0, '', now()
                      FROM {notes} n JOIN {users} u ON u.id = n.recipient_id
                     WHERE n.id = ANY(%s) AND u.{column} <> ''
                 RETURNING id""",
                [name, NotificationDelivery.Status.PENDING, stored],
            )
            delivery_ids += [row[0] for row in cursor.fetchall()]
    if delivery_ids:
        transaction.on_commit(lambda: _enqueue(delivery_ids))
    return stored


def address_sql(channel: str, user: str) -> str:
    """SQL for the address of a user row (alias `user`) on a channel named by the expression `channel`, for
    set-based sends written in SQL (e.g. the deadline sweep); the column names come from the channel classes."""
    whens = " ".join(f"WHEN '{name}' THEN {user}.{c.user_field}" for name, c in sorted(CHANNELS.items()))
    return f"(CASE {channel} {whens} END)"


def enqueue_deliveries(ids: list[int]) -> None:
    """Hand stored copies to a worker (call after the commit); a broker that is down only delays them."""
    _enqueue(ids)


def _enqueue(ids: list[int]) -> None:
    from portal.tasks import deliver_notifications

    try:
        deliver_notifications.delay(ids)
    except Exception:  # noqa: BLE001 - broker down: the re-drive task sends them later
        log.warning("broker unavailable; %d notification copies wait for the re-drive", len(ids))


def deliver(delivery_ids=None, limit: int = 200) -> int:
    """Send pending copies (the given ones, or the oldest pending); safe to run twice. Returns how many were sent."""
    sent = 0
    with transaction.atomic():
        pending = NotificationDelivery.objects.select_for_update(skip_locked=True).filter(
            status=NotificationDelivery.Status.PENDING
        )
        if delivery_ids is not None:
            pending = pending.filter(pk__in=delivery_ids)
        for delivery in pending.select_related("notification").order_by("created_at")[:limit]:
            delivery.attempts += 1
            try:
                note = delivery.notification
                CHANNELS[delivery.channel].send(delivery.address, note.title, note.body)
            except Exception as exc:  # noqa: BLE001 - recorded, retried by the re-drive
                delivery.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
                if delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = NotificationDelivery.Status.FAILED
            else:
                delivery.status = NotificationDelivery.Status.SENT
                delivery.sent_at = timezone.now()
                sent += 1
            delivery.save(update_fields=["attempts", "status", "last_error", "sent_at"])
    return sent


def mark_read(user: User, notification_ids=None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
