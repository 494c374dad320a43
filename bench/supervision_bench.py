#!/usr/bin/env python
"""Benchmark of 审管联动 push (issue 12, point 7): handoffs delivered per second by one worker, and the latency from
a decision's commit to its receipt at the department's webhook.

    make bench                                       # every bench script; this one takes about a minute
    PYTHONPATH=. DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/supervision_bench.py --handoffs 2000 --decisions 200 --rate 20

1. Data. In its own scratch database (`onewindow_bench_supervision` on the server of DATABASE_OWNER_URL or
   DATABASE_URL; dropped at the end): migrate, a section with its officers, one item, its supervising department
   with a webhook subscription to a receiver in this process (127.0.0.1, keep-alive, checks every request with
   the Standard Webhooks library as a department would: supervision/testing.py).
2. Throughput. One real decision is made; its outbox event is copied --handoffs times and handed to
   `supervision.services.receive_event` in one transaction (the drain's own consumer): --handoffs handoffs with
   their deliveries commit at once. One Celery worker (solo pool, concurrency 1, the same code as `make run`)
   delivers them. Handoffs per second = (n - 1) / (last receipt - first receipt), so the worker's start-up is not
   counted.
3. Latency. --decisions cases, reviewed and held by the certifier beforehand, are decided through the real service
   (`approvals.cases.services.decide`) at --rate a second. Latency = receipt at the receiver (first verified
   arrival) - the decision's commit (an on_commit hook registered before the decision, so it runs first): the
   outbox kick, the drain, the delivery task and the signed POST. The notice and certificate rendering and the
   notifications that a decision also queues are sent to a side queue no worker takes (documents_bench.py
   measures them; in production more workers share that load): the worker here does 审管联动 only.
The targets (>= 200 handoffs/s, p99 < 1 s) are reported, not asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.approvals_bench import (  # noqa: E402 - the path above makes the project importable
    drop_database,
    machine,
    recreate_database,
    say,
    setup_django,
    with_database,
)

DATABASE = "onewindow_bench_supervision"
TARGET_PER_SECOND = 200.0
TARGET_P99_S = 1.0
OFFICERS = 4  # threads deciding (each with its own database connection)
# What the worker here takes; everything else a decision queues goes to the side queue.
SUPERVISION_TASKS = ("portal.tasks.drain_outbox", "supervision.tasks.")


def bench_url() -> str:
    base = (os.environ.get("DATABASE_OWNER_URL") or os.environ.get("DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/onewindow")
    return with_database(base, DATABASE)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


class Scene:
    """The section, the item, the department and its subscription to the receiver."""

    def __init__(self, receiver):
        from approvals.testing import Flow, make_person
        from portal.roles import Role
        from supervision import services

        self.flow = Flow.build()
        self.item = self.flow.item()
        self.department = self.item.supervising_department
        officer = make_person(Role.DEPARTMENT_USER, "周监管")
        self.department.members.add(officer)
        self.subscription = services.add_subscription(officer, "执法系统", receiver.url)
        receiver.secrets[:] = [self.subscription.secret]

    def ready_case(self):
        """An accepted case, reviewed and held by the certifier."""
        from approvals.cases import services as case_services
        from approvals.models import ApprovalCase

        flow = self.flow
        case = ApprovalCase.objects.get(application=flow.accepted(item=self.item))
        case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "材料齐全")
        return case_services.claim_case(case, flow.certifier)

    def decide(self, case):
        from approvals.cases import services as case_services

        return case_services.decide(case, self.flow.certifier, True, opinion="经审查，符合法定条件，准予许可。")


def wait(predicate, timeout: float, worker, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if not worker.alive():
            raise SystemExit(f"the worker stopped while {what}:\n{worker.output()[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s while {what}")
        time.sleep(0.1)


def throughput(scene, receiver, worker, count: int) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from portal.models import OutboxEvent
    from supervision import services

    case = scene.ready_case()
    scene.decide(case)
    original = OutboxEvent.objects.get(topic="case.decided", subject_id=str(case.pk))
    wait(lambda: len(receiver.accepted) >= 1, 60, worker, "delivering the first decision")
    before = len(receiver.accepted)
    events = OutboxEvent.objects.bulk_create([
        OutboxEvent(topic=original.topic, subject_type=original.subject_type, subject_id=original.subject_id,
                    payload=original.payload, processed_at=timezone.now()) for _ in range(count)])
    started = time.perf_counter()
    with transaction.atomic():
        for event in events:
            services.receive_event(event)
    made = time.perf_counter() - started
    say(f"{count} handoffs with their deliveries made in {made:.1f} s; delivering")
    wait(lambda: len(receiver.accepted) >= before + count, 600, worker, f"delivering {count} handoffs")
    arrivals = sorted(t for _id, t in list(receiver.arrival.items())[before:])
    span = arrivals[-1] - arrivals[0]
    sequences = receiver.sequences()[before:]
    return {"handoffs": count, "span_s": span, "per_second": (count - 1) / span if span > 0 else float("inf"),
            "in_order": sequences == sorted(sequences), "refused": len(receiver.refused())}


def latency(scene, receiver, worker, decisions: int, rate: float) -> dict:
    from django.db import connection, transaction

    from supervision.models import Handoff

    say(f"preparing {decisions} cases for the certifier")
    cases = [scene.ready_case() for _ in range(decisions)]
    committed: dict[int, float] = {}
    decide_seconds: list[float] = []
    say(f"deciding {decisions} cases at {rate:g}/s")
    start = time.perf_counter()

    def decide_at(n: int, case) -> None:
        """Decision n, at its time (a few officers at once: one decision takes longer than 1/rate here)."""
        pause = start + n / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        began = time.perf_counter()
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: committed.__setitem__(case.pk, time.time()))
                scene.decide(case)
            decide_seconds.append(time.perf_counter() - began)
        finally:
            connection.close()  # this thread's own connection: none is left open when the pool ends

    with ThreadPoolExecutor(max_workers=OFFICERS) as officers:
        for outcome in [officers.submit(decide_at, n, case) for n, case in enumerate(cases)]:
            outcome.result()
    achieved = decisions / (time.perf_counter() - start)
    keys: dict[int, str] = {}

    def drained() -> bool:
        keys.update(Handoff.objects.filter(case_id__in=[c.pk for c in cases], kind=Handoff.Kind.DECISION)
                    .values_list("case_id", "idempotency_key"))
        return len(keys) == decisions

    wait(drained, 120, worker, "draining the decisions")
    wait(lambda: all(key in receiver.arrival for key in keys.values()), 120, worker, "delivering the decisions")
    seconds = [receiver.arrival[keys[pk]] - at for pk, at in committed.items()]
    return {"decisions": decisions, "rate": achieved, "p50": statistics.median(seconds),
            "p99": percentile(seconds, 99), "max": max(seconds),
            "decide_ms": statistics.median(decide_seconds) * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handoffs", type=int, default=2000, help="handoffs delivered by one worker (0: skip)")
    parser.add_argument("--decisions", type=int, default=200, help="decisions timed commit -> receipt (0: skip)")
    parser.add_argument("--rate", type=float, default=20.0, help="decisions a second")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args, _unknown = parser.parse_known_args(argv)  # `make bench ARGS=...` passes the other benches' options too

    url = bench_url()
    recreate_database(url)
    os.environ["SUPERVISION_WEBHOOK_ALLOW_PRIVATE"] = "1"  # the receiver is on 127.0.0.1, plain http
    setup_django(url)
    from django.conf import settings
    from django.core.management import call_command

    from portal.celery import app
    from supervision.testing import Receiver, Worker, delete_queues

    call_command("migrate", verbosity=0)
    queue = f"bench-supervision-{uuid.uuid4().hex[:8]}"
    side = f"{queue}-other"
    app.conf.task_default_queue = queue
    app.conf.task_routes = (lambda name, *a, **kw: None if name.startswith(SUPERVISION_TASKS) else {"queue": side},)
    receiver = Receiver(secrets=[]).start()
    worker = None
    try:
        host = machine()
        scene = Scene(receiver)
        worker = Worker(url, settings.CELERY_BROKER_URL, queue,
                        env={"SUPERVISION_WEBHOOK_ALLOW_PRIVATE": "1", "DB_CONN_MAX_AGE": "60"}).start()
        flow_figures = throughput(scene, receiver, worker, args.handoffs) if args.handoffs else None
        if flow_figures:
            # Let the worker finish what the burst queued before the latency run.
            time.sleep(2)
        latency_figures = latency(scene, receiver, worker, args.decisions, args.rate) if args.decisions else None
    finally:
        if worker is not None:
            worker.stop()
            worker.log_path.unlink(missing_ok=True)
        receiver.stop()
        try:
            delete_queues(settings.CELERY_BROKER_URL, queue, side)
        except Exception as exc:  # noqa: BLE001 - a leftover queue in the bench's Redis db is harmless
            say(f"could not delete the bench queues: {exc}")
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)

    print()
    print(f"审管联动 webhooks, one worker (solo pool), {host}")
    print(f"{'measure':<44}{'figure':>14}{'target':>12}{'':>8}")
    if flow_figures:
        f = flow_figures
        verdict = "met" if f["per_second"] >= TARGET_PER_SECOND else "MISSED"
        print(f"{'handoffs delivered per second':<44}{f['per_second']:>14.0f}{'>= 200':>12}{verdict:>8}")
        print(f"{'  (' + str(f['handoffs']) + ' handoffs in, s)':<44}{f['span_s']:>14.2f}")
        print(f"{'  in sequence order, refused by receiver':<44}{str(f['in_order']) + ', ' + str(f['refused']):>14}")
    if latency_figures:
        f = latency_figures
        verdict = "met" if f["p99"] < TARGET_P99_S else "MISSED"
        print(f"{'commit -> receipt p50, ms':<44}{f['p50'] * 1000:>14.0f}")
        print(f"{'commit -> receipt p99, ms':<44}{f['p99'] * 1000:>14.0f}{'< 1000':>12}{verdict:>8}")
        print(f"{'commit -> receipt max, ms':<44}{f['max'] * 1000:>14.0f}")
        print(f"{'  decisions, at per second':<44}{str(f['decisions']) + ' at ' + format(f['rate'], '.1f'):>14}")
        print(f"{'  decide() median, ms (the officer)':<44}{f['decide_ms']:>14.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
