"""Reads of the portal package."""
from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from portal.models import AuditEvent, MaintenanceAlert, Notification, User, WorkerHeartbeat

_MOBILE_WITH_PREFIX = re.compile(r"^(?:\+86|0086)(1[3-9]\d{9})$")


def normalise_identifier(identifier: str) -> str:
    """What someone typed to sign in, tidied: no spaces or dashes in a mobile number, no +86 in front."""
    text = (identifier or "").strip()
    compact = re.sub(r"[\s-]", "", text)
    if compact.lstrip("+").isdigit():
        match = _MOBILE_WITH_PREFIX.match(compact)
        return match.group(1) if match else compact
    return text


def find_account(identifier: str) -> User | None:
    """The account a sign-in names: by username in any case, else by mobile number. A username wins over
    another account's equal mobile number, so the answer never depends on row order."""
    text = normalise_identifier(identifier)
    if not text:
        return None
    return (
        User.objects.filter(Q(username__iexact=text) | Q(mobile=text))
        .annotate(by_name=Case(When(username__iexact=text, then=Value(0)), default=Value(1),
                               output_field=IntegerField()))
        .order_by("by_name", "pk")
        .first()
    )


def open_maintenance_alerts():
    return MaintenanceAlert.objects.filter(resolved_at__isnull=True).order_by("raised_at")


def latest_worker_heartbeat() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-seen_at").first()


def heartbeat_age_seconds(beat: WorkerHeartbeat | None) -> float | None:
    return None if beat is None else (timezone.now() - beat.seen_at).total_seconds()


def audit_trail(obj):
    """Every audit row about one object, oldest first."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by(
        "created_at", "id"
    )


def notifications_for(user):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
