"""`make run`'s supervisor with the real programs: a Celery worker killed with SIGKILL comes back by itself while
gunicorn goes on serving; afterwards no process is left. Real gunicorn, real Celery, the test database and Redis."""
import io
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
import uuid

import psutil
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.models import WorkerHeartbeat
from tests.test_dev_scripts import run_script, wait_until

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def process_tree(pid: int) -> list[psutil.Process]:
    """The process and its descendants, as psutil handles (which tell a reused pid from the process we saw)."""
    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def ended(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.timeout(240)
def test_a_killed_worker_comes_back_while_the_web_server_keeps_serving(app_database_url):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_OWNER_URL"}
    env.update({
        "DATABASE_URL": app_database_url, "REDIS_URL": settings.REDIS_URL, "DB_CONN_MAX_AGE": "0",
        "CELERY_QUEUE": f"test-{uuid.uuid4().hex[:8]}",  # the worker takes only this test's heartbeats
        "SECRET_KEY": settings.SECRET_KEY, "DEBUG": "1", "PYTHONUNBUFFERED": "1",
    })
    chosen = [p for p in run_script.programs(sys.executable, port) if p.name in ("web", "worker")]
    out = io.StringIO()
    supervisor = run_script.Supervisor(chosen, env, out=out, grace_seconds=20)
    seen: dict[tuple, psutil.Process] = {}
    state: dict = {}

    def worker_ready_lines() -> int:
        return sum(1 for line in out.getvalue().splitlines() if line.startswith("worker") and " ready." in line)

    def scenario():
        """Driven by the supervisor's loop (its own thread starts and restarts the programs)."""
        for child in supervisor.children.values():
            seen.update({(p.pid, p.create_time()): p for p in process_tree(child.pid)})
        if "killed" not in state:
            if status_of(base + "/") == 200 and worker_ready_lines() == 1:
                worker = supervisor.children["worker"]
                state["pool"] = process_tree(worker.pid)[1:]
                state["killed"], state["at"] = worker.pid, time.monotonic()
                state["since"] = timezone.now()
                os.kill(worker.pid, signal.SIGKILL)
            return
        if "served" not in state:
            # The worker is down or on its way back: the site answers all the same.
            assert status_of(base + "/") == 200
            assert status_of(base + "/healthz") in (200, 503)
            state["served"] = True
        if worker_ready_lines() == 2 and WorkerHeartbeat.objects.filter(seen_at__gt=state["since"]).exists():
            state["back_after"] = time.monotonic() - state["at"]
            supervisor.request_stop(signal.SIGTERM)
        elif time.monotonic() - state["at"] > 90:
            raise AssertionError("the worker did not come back within 90 s:\n" + out.getvalue()[-4000:])

    connection.close()
    supervisor.start()
    try:
        assert supervisor.wait(on_tick=scenario, poll_seconds=0.25) == 0, out.getvalue()[-4000:]
        assert supervisor.children["worker"].pid != state["killed"]
        assert status_of(base + "/healthz") == 200  # database, Redis and the new worker's heartbeat
        assert state["pool"], "the worker had no pool processes to leave behind"
        assert all(ended(p) for p in state["pool"]), "the killed worker's pool processes were left running"
    finally:
        supervisor.stop()
    text = out.getvalue()
    assert "[run] worker was killed by SIGKILL after" in text and "restarting it in 1 s" in text
    assert "[run] worker restarted (pid" in text and "[run] web " not in text  # nothing happened to the web
    assert state["back_after"] < 60
    print(f"worker back (ready, heartbeat written) {state['back_after']:.1f} s after SIGKILL")
    assert all(wait_until(lambda p=p: ended(p)) for p in seen.values()), "a process outlived the supervisor"
