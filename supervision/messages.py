"""The message a department receives for a handoff, the same by push (webhook body) and by pull (the feed API):
{"type": "handoff.<kind>", "timestamp": ..., "data": {...}} as Standard Webhooks recommends."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def _iso(value):
    return value.isoformat() if value else None


def handoff_data(handoff) -> dict:
    return {
        "id": str(handoff.public_id),
        "sequence": handoff.sequence,
        "idempotency_key": handoff.idempotency_key,
        "department": {"id": handoff.department_id, "name": handoff.department.name},
        "kind": handoff.kind,
        "kind_label": str(handoff.get_kind_display()),
        "created_at": _iso(handoff.created_at),
        "claim_due_on": _iso(handoff.claim_due_on),
        "check_due_on": _iso(handoff.check_due_on),
        "claimed_at": _iso(handoff.claimed_at),
        "event": handoff.payload,
        "links": {
            "page": settings.PUBLIC_BASE_URL + reverse("supervision:handoff", args=[handoff.public_id]),
            "claim": settings.PUBLIC_BASE_URL + reverse("supervision-api:handoff-claim", args=[handoff.public_id]),
        },
    }


def handoff_message(handoff) -> dict:
    return {"type": f"handoff.{handoff.kind}", "timestamp": _iso(handoff.created_at), "data": handoff_data(handoff)}


def platform_message(handoff) -> dict:
    """What a 12345 platform receives for its work order: {"type": "problem.replied" | "problem.followed_up",
    "timestamp", "data": {"id", "sequence", "idempotency_key", "platform", "work_order_number", "ticket", ...}}.
    The same fields as the work-order API's state (GET /api/applications/hotline-orders/{number}/)."""
    event = dict(handoff.payload)
    event.pop("platform_id", None)
    return {
        "type": event.get("topic", f"problem.{handoff.kind}"),
        "timestamp": _iso(handoff.created_at),
        "data": {"id": str(handoff.public_id), "sequence": handoff.sequence,
                 "idempotency_key": handoff.idempotency_key,
                 "platform": handoff.platform.code if handoff.platform_id else None, **event},
    }


def message_for(handoff) -> dict:
    """The webhook body: a department's handoff message, or a 12345 platform's work-order message."""
    return platform_message(handoff) if handoff.platform_id else handoff_message(handoff)
