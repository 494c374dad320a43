"""Render and sign one notice N times: `measure(notice_id, runs)` -> {'median_ms', 'p95_ms', ...}.

    DEBUG=1 .venv/bin/python manage.py shell -c "from bench.documents_bench import main; main()"

Uses the newest notice in the database (approvals.documents.measure_render; nothing is stored)."""
from __future__ import annotations

import json


def measure(notice_id: int | None = None, runs: int = 20, *, sign: bool = True) -> dict:
    from approvals.documents import measure_render
    from approvals.models import Notice

    notices = Notice.objects.select_related("application")
    notice = notices.get(pk=notice_id) if notice_id else notices.order_by("-id").first()
    if notice is None:
        raise SystemExit("no notice in the database: issue one first (make demo)")
    return measure_render(notice, runs, sign=sign)


def main(runs: int = 20) -> None:
    print(json.dumps(measure(runs=runs), ensure_ascii=False))
