#!/usr/bin/env python
"""Benchmark of issued documents (issue 11, point 9): render and sign one certificate and one decision notice, and
documents per second through one real Celery worker.

    make bench                                       # every bench script; this one takes about a minute
    PYTHONPATH=. DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/documents_bench.py --runs 30 --documents 40

1. Data. In its own scratch database (`onewindow_bench_documents` on the server of DATABASE_OWNER_URL or
   DATABASE_URL; dropped at the end): migrate, then one approved case through the real services (review,
   decision), which issues a decision notice and a certificate.
2. Latency. The certificate and the decision notice are each rendered (WeasyPrint, the CJK subset fonts, the
   seal, the QR code) and signed (pyHanko PAdES) --runs times in this process, nothing stored: median and p95 of
   render + sign, and of each part. The first run (font cache) is not counted.
3. Throughput. --documents certificates are issued in one transaction; their commit queues one render task each;
   one Celery worker (concurrency 1, started here, same code as `make run`) renders, signs and stores them.
   Documents per second = documents / (last stored - first stored) * (documents - 1) / documents, i.e. measured
   between the worker's first and last store, so the worker's start-up is not counted.
The target (certificate median < 150 ms) is reported, not asserted.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
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

DATABASE = "onewindow_bench_documents"
TARGET_CERTIFICATE_MEDIAN_MS = 150.0


def bench_url() -> str:
    base = (os.environ.get("DATABASE_OWNER_URL") or os.environ.get("DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/onewindow")
    return with_database(base, DATABASE)


def approved_case():
    """One approved case through the real services: (decision, certificate)."""
    from approvals.cases import services as case_services
    from approvals.certificates.models import Certificate
    from approvals.testing import Flow

    flow = Flow.build()
    case = flow.case(validity_years=5)
    case = case_services.complete_review(case_services.claim_case(case, flow.reviewer), flow.reviewer, "材料齐全")
    case = case_services.claim_case(case, flow.certifier)
    decision = case_services.decide(case, flow.certifier, True, opinion="经审查，符合法定条件，准予许可。")
    return flow, decision, Certificate.objects.get(decision=decision)


def worker_throughput(flow, certificate, documents: int, timeout: float = 600.0) -> dict:
    """Issue `documents` certificates in one transaction and let one real worker render them all."""
    from django.db import transaction
    from django.utils import timezone

    from approvals.certificates import services as certificate_services
    from approvals.certificates.models import Certificate

    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "portal", "worker", "--concurrency", "1",
                               "--loglevel", "WARNING", "--without-heartbeat", "--without-mingle",
                               "--without-gossip", "-n", f"bench-documents-{os.getpid()}@%h"],
                              cwd=PROJECT_DIR, env=env)
    try:
        case = certificate.case
        values = {"certificate_name": certificate.name, "holder_name": certificate.holder_name,
                  "holder_id_type": certificate.holder_id_type, "holder_id_number": certificate.holder_id_number,
                  "scope": certificate.scope, "valid_from": certificate.valid_from,
                  "valid_until": certificate.valid_until}
        with transaction.atomic():
            ids = [certificate_services.create_certificate(
                case, values, basis=Certificate.Basis.ON_THE_SPOT, issued_by=flow.certifier,
                issued_at=timezone.now()).pk for _ in range(documents)]
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            done = Certificate.objects.filter(pk__in=ids, rendered_at__isnull=False).count()
            if done == documents:
                break
            if worker.poll() is not None:
                raise SystemExit(f"the worker stopped (exit {worker.returncode})")
            time.sleep(0.5)
        else:
            raise SystemExit(f"the worker rendered only {done} of {documents} in {timeout:.0f} s")
        stamps = sorted(Certificate.objects.filter(pk__in=ids).values_list("rendered_at", flat=True))
        span = (stamps[-1] - stamps[0]).total_seconds()
        per_second = (documents - 1) / span if span > 0 else float("inf")
        sizes = [Certificate.objects.get(pk=pk).pdf.size for pk in ids[:5]]
        return {"documents": documents, "per_second": round(per_second, 2), "span_s": round(span, 2),
                "pdf_kb": round(sum(sizes) / len(sizes) / 1024, 1)}
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="renders per document kind")
    parser.add_argument("--documents", type=int, default=40, help="certificates through the worker (0: skip)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args, _unknown = parser.parse_known_args(argv)  # `make bench ARGS=...` passes the other benches' options too

    url = bench_url()
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        from approvals.certificates.documents import measure_render as measure_certificate
        from approvals.documents import measure_render as measure_notice

        host = machine()
        flow, decision, certificate = approved_case()
        say(f"measuring {args.runs} renders of a certificate and of a decision notice")
        figures = {"certificate": measure_certificate(certificate, args.runs),
                   "decision notice": measure_notice(decision.notice, args.runs)}
        throughput = worker_throughput(flow, certificate, args.documents) if args.documents else None
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url)

    print()
    print(f"Issued documents, {host}")
    print(f"{'document':<18}{'median ms':>11}{'p95 ms':>9}{'render ms':>11}{'sign ms':>9}")
    for label, f in figures.items():
        print(f"{label:<18}{f['median_ms']:>11}{f['p95_ms']:>9}{f['render_median_ms']:>11}{f['sign_median_ms']:>9}")
    median = figures["certificate"]["median_ms"]
    verdict = "met" if median < TARGET_CERTIFICATE_MEDIAN_MS else "MISSED"
    print(f"target: certificate median < {TARGET_CERTIFICATE_MEDIAN_MS:.0f} ms (render + sign): {verdict}")
    if throughput:
        print(f"one worker: {throughput['per_second']} certificates/s rendered, signed and stored "
              f"({throughput['documents']} in {throughput['span_s']} s; PDF about {throughput['pdf_kb']} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
