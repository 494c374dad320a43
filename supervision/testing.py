"""For tests and the benchmark of 审管联动 (not used by requests): a department's webhook receiver, and a real Celery
worker process on a queue of its own.

    with Receiver([subscription.secret]) as receiver:     # http://127.0.0.1:<free port>/hook
        receiver.answer = lambda receipt: 500              # fail for a while (None: answer normally)
        ...
        receiver.accepted                                  # [(webhook-id, sequence), ...] in arrival order, once each

The receiver checks every request as a department would, with the Standard Webhooks library (PyPI
`standardwebhooks`, not our code): `Webhook(secret).verify(body, headers)` for each secret it knows; a request that
fails verification (tampered body, wrong secret, timestamp more than 5 minutes off) is refused with 400. It
de-duplicates on `webhook-id`, records every request it saw (`receipts`) and can hold one request open for a while
(`stall_next`), so a test can kill the sender mid-delivery.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

PROJECT_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, every: float = 0.2,
             tick: Callable[[], None] | None = None):
    """Poll until `predicate()` is truthy (returned) or `timeout` seconds pass (None). `tick` runs between polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        if tick is not None:
            tick()
        time.sleep(every)


@dataclass
class Receipt:
    """One request the receiver saw."""

    webhook_id: str
    timestamp: str
    signatures: list[str]
    received_at: float  # time.time() on arrival
    body: bytes
    headers: dict
    sequence: int | None = None
    message: dict | None = None
    status: int = 0
    reason: str = ""  # why it was refused or failed; "duplicate" for an id seen before
    secret_index: int | None = None  # which of the receiver's secrets verified it


@dataclass
class Receiver:
    secrets: list[str]
    answer: Callable[[Receipt], int | None] | None = None  # a status to answer instead of 200 (None: normally)
    receipts: list[Receipt] = field(default_factory=list)
    accepted: list[tuple[str, int]] = field(default_factory=list)
    arrival: dict[str, float] = field(default_factory=dict)  # webhook-id -> first verified arrival (time.time())

    def __post_init__(self):
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._stall_seconds = 0.0
        self.release = threading.Event()
        self.stalled = threading.Event()  # set when a stalled request is being held
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # --- control -------------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real endpoint behind a proxy would
            disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._handle(body, {k: v for k, v in self.headers.items()})
                text = b"ok" if status < 300 else b"refused"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:
                    pass  # the sender went away (killed mid-delivery)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> "Receiver":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stall_next(self, seconds: float) -> None:
        """Hold the next verified request open (after accepting it) for up to `seconds`, or until `release`."""
        self.release.clear()
        self.stalled.clear()
        self._stall_seconds = seconds

    # --- what happened ---------------------------------------------------------------------------------------------

    def sequences(self) -> list[int]:
        with self._lock:
            return [sequence for _id, sequence in self.accepted]

    def receipts_for(self, webhook_id: str) -> list[Receipt]:
        with self._lock:
            return [r for r in self.receipts if r.webhook_id == webhook_id]

    def refused(self) -> list[Receipt]:
        with self._lock:
            return [r for r in self.receipts if r.status == 400]

    # --- the handler -----------------------------------------------------------------------------------------------

    def _handle(self, body: bytes, headers: dict) -> int:
        from standardwebhooks import Webhook, WebhookVerificationError

        lowered = {k.lower(): v for k, v in headers.items()}
        receipt = Receipt(webhook_id=lowered.get("webhook-id", ""), timestamp=lowered.get("webhook-timestamp", ""),
                          signatures=lowered.get("webhook-signature", "").split(), received_at=time.time(),
                          body=body, headers=headers)
        for index, secret in enumerate(list(self.secrets)):
            try:
                receipt.message = Webhook(secret).verify(body, headers)
                receipt.secret_index = index
                break
            except WebhookVerificationError as exc:
                receipt.reason = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - a malformed header is refused, not a crash of the server
                receipt.reason = f"{type(exc).__name__}: {exc}"
        if receipt.message is None:
            receipt.status = 400
            with self._lock:
                self.receipts.append(receipt)
            return 400
        receipt.reason = ""
        receipt.sequence = (receipt.message.get("data") or {}).get("sequence")
        forced = self.answer(receipt) if self.answer is not None else None
        if forced is not None:
            receipt.status, receipt.reason = forced, f"answered {forced} on purpose"
            with self._lock:
                self.receipts.append(receipt)
            return forced
        with self._lock:
            receipt.status = 200
            if receipt.webhook_id in self._seen:
                receipt.reason = "duplicate"
            else:
                self._seen.add(receipt.webhook_id)
                self.accepted.append((receipt.webhook_id, receipt.sequence))
                self.arrival[receipt.webhook_id] = receipt.received_at
            self.receipts.append(receipt)
            stall, self._stall_seconds = self._stall_seconds, 0.0
        if stall:
            self.stalled.set()
            self.release.wait(stall)
        return 200


# --- a real Celery worker -------------------------------------------------------------------------------------------


class Worker:
    """`celery worker` (solo pool, concurrency 1) in a subprocess, on the given database, broker and queue, with
    extra environment (e.g. SUPERVISION_MAX_ATTEMPTS). The same code as `make run`'s worker."""

    def __init__(self, database_url: str, broker_url: str, queue: str, env: dict | None = None,
                 secret_key: str = ""):
        self.queue = queue
        self.env = {key: value for key, value in os.environ.items() if key != "DATABASE_OWNER_URL"}
        self.env.update({"DATABASE_URL": database_url, "REDIS_URL": broker_url, "CELERY_BROKER_URL": broker_url,
                         "CELERY_QUEUE": queue, "DB_CONN_MAX_AGE": "0", "PYTHONPATH": str(PROJECT_DIR),
                         "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"})
        if secret_key:
            self.env["SECRET_KEY"] = secret_key
        self.env.update({k: str(v) for k, v in (env or {}).items()})
        self.process: subprocess.Popen | None = None
        self.log_path = Path(f"/tmp/onewindow-worker-{queue}-{uuid.uuid4().hex[:6]}.log")

    def start(self) -> "Worker":
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", self.queue, "-c", "1", "-P", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
             "-n", f"{self.queue}-{uuid.uuid4().hex[:4]}@%h"],
            cwd=PROJECT_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine or the OOM killer takes the process."""
        if self.alive():
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def delete_queues(broker_url: str, *names: str) -> None:
    """Forget Celery queues of ours in a Redis broker: their lists (with the priority variants), bindings, and any
    unacknowledged message a killed worker left for them (which would otherwise come back an hour later)."""
    import redis

    client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=5)
    for name in names:
        keys = [name, *client.scan_iter(match=f"{name}\x06\x16*"), f"_kombu.binding.{name}",
                f"_kombu.binding_permanent.{name}"]
        client.delete(*keys)
        for tag, raw in client.hscan_iter("unacked"):
            try:
                routing_key = json.loads(raw)[2]
            except (ValueError, IndexError, TypeError):
                continue
            if routing_key == name:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def message_of(receipt: Receipt) -> dict:
    return receipt.message if receipt.message is not None else json.loads(receipt.body)
