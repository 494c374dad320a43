"""The audit log's writers: one row per thing someone did (`record_audit`), and the rows of set-based sweeps
(`record_system_events`: one INSERT for all the rows a sweep changed, written by "系统", with the same columns
record_audit fills for a system actor). There is deliberately no function that changes or removes a row, and
the database refuses UPDATE and DELETE (portal/migrations/0002_audit_append_only.py). The database also sets each
row's time and chains it to the previous row about the same object (0006_audit_chain.py, portal/auditchain.py),
whatever the INSERT says: nothing here needs to know.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from django.conf import settings

from portal.models import AuditEvent, User

SYSTEM_NAME = "系统"
SYSTEM_ROLE = "system"


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address. Behind the TLS proxy (BEHIND_TLS_PROXY) it is the last X-Forwarded-For entry, the
    one our proxy appended: the entries before it are whatever the client sent, and a guesser who could choose
    them would get a fresh throttle for every guess."""
    if request is None:
        return None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            last = _valid_ip(forwarded.split(",")[-1])
            if last:
                return last
    return _valid_ip(request.META.get("REMOTE_ADDR") or "")


def record_audit(
    actor: User | None,
    action: str,
    obj=None,
    *,
    from_state: str = "",
    to_state: str = "",
    opinion: str = "",
    role: str = "",
    request=None,
    ip: str | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one audit row. There is deliberately no function that changes or removes one."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=(str(actor) if actor else SYSTEM_NAME)[:150],
        actor_role=role or (actor.primary_role or "" if actor else SYSTEM_ROLE),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        from_state=from_state,
        to_state=to_state,
        opinion=opinion,
        ip_address=ip or client_ip(request),
        data=data or {},
    )


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
