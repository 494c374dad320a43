"""Reads of the portal package."""
from __future__ import annotations

from django.utils import timezone

from portal.models import AuditEvent, MaintenanceAlert, Notification, WorkerHeartbeat


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
