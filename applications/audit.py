"""Audit rows for set-based sweeps: one INSERT for all the rows a sweep changed, written by "系统".

portal.services.record_audit writes one row per call; a sweep that changes a thousand applications in one
UPDATE writes their thousand audit rows in one bulk INSERT here, with the same columns record_audit fills
for a system actor. Audit rows stay append-only (the database refuses UPDATE and DELETE).
"""
from __future__ import annotations

from collections.abc import Sequence

from portal.models import AuditEvent

SYSTEM_NAME = "系统"
SYSTEM_ROLE = "system"


def record_system_events(
    action: str,
    object_type: str,
    rows: Sequence[tuple[int, str | None]],
    *,
    from_state: str = "",
    to_state: str = "",
    opinion: str = "",
    opinions: Sequence[str] | None = None,
    data: Sequence[dict] | None = None,
) -> int:
    """Append one audit row per (object id, object repr) in `rows`; returns how many were written."""
    if not rows:
        return 0
    events = [
        AuditEvent(
            actor=None,
            actor_name=SYSTEM_NAME,
            actor_role=SYSTEM_ROLE,
            action=action,
            object_type=object_type,
            object_id=str(pk),
            object_repr=(text or "")[:200],
            from_state=from_state,
            to_state=to_state,
            opinion=opinions[i] if opinions is not None else opinion,
            data=data[i] if data is not None else {},
        )
        for i, (pk, text) in enumerate(rows)
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)
