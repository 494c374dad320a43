"""Verifying the audit log's hash chains (the chains themselves are built by the database: migration 0006).

Why a chain per stream, not one for the whole log. A stream is the audit history of one object (object_type,
object_id; rows about no object form one stream of their own). Appending to a chain means taking its head's lock
until the transaction commits: with one global chain every writing transaction of the portal would wait for the
one before it to commit, which the sweeps (thousands of rows in one statement) and the officers' queues cannot
afford. A writer of an object's audit row already holds that object's row lock in practice, so a per-object chain
adds almost no waiting, and the history of one case, the unit an auditor or a court asks for, verifies on its own.
The lock is the row lock of the stream's head, not pg_advisory_xact_lock on the stream key: the timer sweep appends
to some 15,000 streams in one statement, and as many advisory locks overflow the server's lock table ("out of
shared memory" with the default max_locks_per_transaction), where row locks cost no shared memory.

What the chains catch. A row whose content changed no longer matches its hash; a row removed from the middle of a
stream leaves a gap in the positions and a next row whose `chain_prev` points at nothing; rows removed from the end,
or a whole stream, fall short of the stream's head (portal_auditstream, written by the same trigger); a row slipped
in with the trigger off has no matching position or head. What they do not catch: someone with the owner's or a
superuser's rights who recomputes every later hash and the head as well. That is why the application connects as
a role that has neither (portal/dbroles.py): tampering then needs the owner's credentials, which only the migrate
job holds.

The hash is recomputed here, in Python, from the columns as the database stores them, so a replaced hash function
in the database does not make a tampered row pass.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from django.db import connections, transaction
from django.utils.translation import gettext as _

FORMAT = "onewindow-audit-1"
GENESIS = "0" * 64
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)
FETCH_SIZE = 2000
KEEP_BREAKS = 100  # listed by `verify_audit --all`; all of them are counted

# Every row with its stream's head; rows of a stream together, in chain order. Text forms as the trigger hashed them.
ROWS_SQL = """
SELECT e.id, e.object_type, e.object_id, e.chain_seq, e.chain_prev, e.chain_hash, e.created_at, e.actor_id,
       e.actor_name, e.actor_role, e.action, e.object_repr, e.from_state, e.to_state, e.opinion,
       e.ip_address::text, e.data::text, h.id, h.last_seq, h.last_hash, h.last_event_id
  FROM portal_auditevent e
  LEFT JOIN portal_auditstream h ON h.object_type = e.object_type AND h.object_id = e.object_id
 ORDER BY e.object_type, e.object_id, e.chain_seq, e.id
"""

# Heads whose stream has no row left at all.
EMPTY_HEADS_SQL = """
SELECT h.object_type, h.object_id, h.last_seq, h.last_event_id
  FROM portal_auditstream h
 WHERE NOT EXISTS (SELECT 1 FROM portal_auditevent e
                    WHERE e.object_type = h.object_type AND e.object_id = h.object_id)
"""


def _field(value: str | None) -> str:
    if value is None:
        return "-"
    return f"{len(value.encode('utf-8'))}:{value},"


def row_hash(*, prev: str, seq: int, event_id: int, created_at: datetime, actor_id: int | None, actor_name: str,
             actor_role: str, action: str, object_type: str, object_id: str, object_repr: str, from_state: str,
             to_state: str, opinion: str, ip_text: str | None, data_text: str) -> str:
    """The hash the trigger gives a row (format onewindow-audit-1); `ip_text` and `data_text` as PostgreSQL prints
    `ip_address::text` and `data::text`."""
    micros = (created_at - EPOCH) // MICROSECOND
    parts = [FORMAT, prev, str(seq), str(event_id), str(micros), None if actor_id is None else str(actor_id),
             actor_name, actor_role, action, object_type, object_id, object_repr, from_state, to_state, opinion,
             ip_text, data_text]
    return hashlib.sha256("".join(_field(part) for part in parts).encode("utf-8")).hexdigest()


def stream_label(object_type: str, object_id: str) -> str:
    return f"{object_type}:{object_id}" if (object_type or object_id) else _("（无对象）")


@dataclass(frozen=True)
class Break:
    """One broken link: the row it is found at (or the removed row the head names), its stream, what differs."""

    event_id: int | None
    stream: str
    problem: str

    def describe(self) -> str:
        row = _("记录 #%(id)s") % {"id": self.event_id} if self.event_id is not None else _("记录（编号不明）")
        return _("%(row)s，审计链 %(stream)s：%(problem)s") % {"row": row, "stream": self.stream,
                                                            "problem": self.problem}


@dataclass
class Report:
    rows: int = 0
    streams: int = 0
    total_breaks: int = 0
    breaks: list[Break] = field(default_factory=list)  # the first KEEP_BREAKS by row id

    @property
    def ok(self) -> bool:
        return self.total_breaks == 0

    @property
    def first(self) -> Break | None:
        return self.breaks[0] if self.breaks else None

    def add(self, found: Break) -> None:
        self.total_breaks += 1
        self.breaks.append(found)
        self.breaks.sort(key=lambda b: (b.event_id is None, b.event_id or 0))
        del self.breaks[KEEP_BREAKS:]


class _Stream:
    """The state of the stream being read: the last row seen and its head."""

    def __init__(self, object_type: str, object_id: str, head: tuple):
        self.key = (object_type, object_id)
        self.label = stream_label(object_type, object_id)
        self.head_id, self.head_seq, self.head_hash, self.head_event = head
        self.last_seq = 0
        self.last_hash = GENESIS
        self.last_id: int | None = None


def verify(using: str = "default") -> Report:
    """Recompute every chain and compare it with the heads; one consistent snapshot, read in chunks."""
    report = Report()
    connection = connections[using]
    opens_transaction = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if opens_transaction:  # inside a caller's transaction (the tests') its snapshot is used as it is
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(ROWS_SQL)
            stream: _Stream | None = None
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    stream = _check_row(report, stream, row)
            if stream is not None:
                _close_stream(report, stream)
        finally:
            cursor.close()
        with connection.cursor() as heads:
            heads.execute(EMPTY_HEADS_SQL)
            for object_type, object_id, last_seq, last_event in heads.fetchall():
                report.add(Break(last_event, stream_label(object_type, object_id),
                                 _("整条审计链被删除（原有 %(n)s 条记录）") % {"n": last_seq}))
    return report


def _check_row(report: Report, stream: _Stream | None, row: tuple) -> _Stream:
    (event_id, object_type, object_id, seq, prev, stored, created_at, actor_id, actor_name, actor_role, action,
     object_repr, from_state, to_state, opinion, ip_text, data_text, *head) = row
    if stream is None or stream.key != (object_type, object_id):
        if stream is not None:
            _close_stream(report, stream)
        stream = _Stream(object_type, object_id, tuple(head))
        report.streams += 1
        if stream.head_id is None:
            report.add(Break(event_id, stream.label, _("审计链没有链头：记录不是经由数据库触发器写入的")))
    report.rows += 1
    expected = row_hash(prev=prev, seq=seq, event_id=event_id, created_at=created_at, actor_id=actor_id,
                        actor_name=actor_name, actor_role=actor_role, action=action, object_type=object_type,
                        object_id=object_id, object_repr=object_repr, from_state=from_state, to_state=to_state,
                        opinion=opinion, ip_text=ip_text, data_text=data_text)
    if stored != expected:
        report.add(Break(event_id, stream.label,
                         _("内容与其哈希不符（记录被改动）：存储 %(stored)s，重算 %(expected)s")
                         % {"stored": stored[:16], "expected": expected[:16]}))
    if seq > stream.last_seq + 1:
        after = _("记录 #%(id)s 之后") % {"id": stream.last_id} if stream.last_id else _("链首")
        report.add(Break(event_id, stream.label,
                         _("%(after)s缺少第 %(first)s 至 %(last)s 条（记录被删除）")
                         % {"after": after, "first": stream.last_seq + 1, "last": seq - 1}))
    elif seq <= stream.last_seq:
        report.add(Break(event_id, stream.label, _("链序号 %(seq)s 重复或倒退（前一条为第 %(last)s 条）")
                         % {"seq": seq, "last": stream.last_seq}))
    elif prev != stream.last_hash:
        before = _("记录 #%(id)s") % {"id": stream.last_id} if stream.last_id else _("链首")
        report.add(Break(event_id, stream.label,
                         _("前一条哈希与%(before)s不符（前一条被改动或替换）") % {"before": before}))
    stream.last_seq = max(seq, stream.last_seq)
    stream.last_hash = stored
    stream.last_id = event_id
    return stream


def _close_stream(report: Report, stream: _Stream) -> None:
    if stream.head_id is None:
        return
    if stream.head_seq > stream.last_seq:
        report.add(Break(stream.head_event, stream.label,
                         _("链尾缺少第 %(first)s 至 %(last)s 条（记录被删除），最后一条应为记录 #%(id)s")
                         % {"first": stream.last_seq + 1, "last": stream.head_seq, "id": stream.head_event}))
    elif stream.head_seq < stream.last_seq:
        report.add(Break(stream.last_id, stream.label,
                         _("链头停在第 %(head)s 条，之后的记录未经触发器写入") % {"head": stream.head_seq}))
    elif stream.head_hash != stream.last_hash:
        report.add(Break(stream.last_id, stream.label, _("最后一条记录的哈希与链头不符")))
