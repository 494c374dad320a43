"""The parts of scripts/services.py and scripts/run.py that `make run` and `make test` rely on."""
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import psutil
import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))
try:
    import run as run_script
    import services
finally:
    sys.path.remove(str(SCRIPTS))


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def never_probed(url):
    raise AssertionError(f"{url} must not be probed")


# --- choosing local, given or embedded services ----------------------------------------------------------------


def test_given_url_is_used_as_is_without_probing():
    choice = services.choose("postgres://u@db:5432/x", services.LOCAL_DATABASE_URL, True, never_probed)
    assert choice == services.Choice(services.GIVEN, "postgres://u@db:5432/x")


def test_forced_embedded_skips_the_local_probe():
    choice = services.choose(None, services.LOCAL_DATABASE_URL, True, never_probed)
    assert choice.kind == services.EMBEDDED and choice.url is None


def test_local_server_is_used_when_it_answers():
    choice = services.choose("", services.LOCAL_REDIS_URL, False, lambda url: None)
    assert choice == services.Choice(services.LOCAL, services.LOCAL_REDIS_URL)


def test_unreachable_postgres_means_embedded():
    port = unused_port()
    choice = services.choose(None, f"postgres://postgres@127.0.0.1:{port}/onewindow", False, services.postgres_problem)
    assert choice.kind == services.EMBEDDED
    assert f"127.0.0.1:{port}" in choice.reason


def test_unreachable_redis_means_embedded():
    url = f"redis://127.0.0.1:{unused_port()}/0"
    choice = services.choose(None, url, False, services.redis_problem)
    assert choice.kind == services.EMBEDDED
    assert "Redis" in choice.reason


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("yes", True), ("0", False), ("", False),
                                             (None, False), ("off", False)])
def test_onewindow_embedded_flag(value, expected):
    assert services.is_true(value) is expected


def test_plan_honours_given_urls_and_the_embedded_flag():
    database, cache = services.plan({"DATABASE_URL": "postgres://a@b/c", "ONEWINDOW_EMBEDDED": "1"})
    assert database.kind == services.GIVEN
    assert cache.kind == services.EMBEDDED


# --- URLs ------------------------------------------------------------------------------------------------------


def test_socket_url_reads_back_as_host_directory_in_django():
    url = services.socket_database_url(Path("/srv/one window/var/pgdata"), "onewindow")
    parsed = dj_database_url.parse(url)
    assert parsed["HOST"] == "/srv/one window/var/pgdata"
    assert parsed["NAME"] == "onewindow"
    assert parsed["USER"] == "postgres"
    assert parsed["ENGINE"] == "django.db.backends.postgresql"


def test_with_path_changes_database_and_keeps_the_rest():
    assert services.with_path("redis://127.0.0.1:6379/0", "1") == "redis://127.0.0.1:6379/1"
    assert services.with_path("postgres://u:p@h:5432/app?sslmode=require", "postgres") == (
        "postgres://u:p@h:5432/postgres?sslmode=require"
    )
    assert services.with_path("postgres://postgres@%2Ftmp%2Fpg/onewindow", "postgres") == (
        "postgres://postgres@%2Ftmp%2Fpg/postgres"
    )


def test_free_port_avoids_a_busy_preferred_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert not services.tcp_port_free(taken)
        port = services.free_port(taken)
        assert port != taken and services.tcp_port_free(port)


# --- the two database roles on a server we administer ---------------------------------------------------------


def test_with_user_swaps_the_role_and_drops_the_password():
    assert services.with_user("postgres://postgres:pw@127.0.0.1:5432/onewindow", "onewindow_app") == (
        "postgres://onewindow_app@127.0.0.1:5432/onewindow"
    )
    assert services.with_user("postgres://postgres@%2Ftmp%2Fpg/onewindow", "onewindow_owner") == (
        "postgres://onewindow_owner@%2Ftmp%2Fpg/onewindow"
    )


def test_prepare_roles_hands_an_old_database_to_the_owner(database_superuser):
    """A database from before the roles (everything the superuser's) is adopted, so `migrate` can run as the owner."""
    import uuid

    import psycopg

    from portal import dbroles

    name = f"onewindow_adopt_{uuid.uuid4().hex[:8]}"
    creds = database_superuser
    host = creds["HOST"] or "127.0.0.1"
    superuser_url = (f"postgres://{creds['USER']}@{host}:{creds['PORT'] or 5432}/{name}" if not host.startswith("/")
                     else services.socket_database_url(host, name))
    server = dbroles.conninfo(creds, "postgres")
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            with psycopg.connect(dbroles.conninfo(creds, name), autocommit=True) as old:
                old.execute("CREATE TABLE legacy (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note text)")
                old.execute("CREATE SEQUENCE legacy_numbers")
                old.execute("CREATE VIEW legacy_view AS SELECT id FROM legacy")
                old.execute("CREATE FUNCTION legacy_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'")
            owner_url, app_url = services.prepare_roles(superuser_url)
            assert services.urlsplit(owner_url).username == dbroles.OWNER_ROLE
            assert services.urlsplit(app_url).username == dbroles.APP_ROLE
            with psycopg.connect(dbroles.conninfo(creds, name)) as check:
                owners = set(check.execute(
                    "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                    "UNION SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
                    "UNION SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
                ).fetchall())
            assert owners == {(dbroles.OWNER_ROLE,)}
            services.prepare_roles(superuser_url)  # idempotent
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- the supervisor of `make run` ------------------------------------------------------------------------------

SLEEPER = "import time; time.sleep(60)"
# A program that starts a grandchild of its own (like gunicorn's workers) and then sleeps.
PARENT_OF_SLEEPER = (
    "import subprocess, sys, time; "
    f"child = subprocess.Popen([sys.executable, '-c', {SLEEPER!r}]); "
    "print('grandchild', child.pid, flush=True); time.sleep(60)"
)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def printed(out: io.StringIO, word: str, deadline: float = 10.0) -> str:
    """The first line of the supervised output that contains `word`, waiting for it to appear."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for line in out.getvalue().splitlines():
            if word in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"{word!r} never printed: {out.getvalue()!r}")


def grandchild_pid(out: io.StringIO) -> int:
    return int(printed(out, "grandchild").split()[-1])


def wait_until(predicate, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.timeout(60)
def test_a_program_that_may_not_restart_stops_the_others_and_their_children():
    out = io.StringIO()
    supervisor = run_script.Supervisor(
        [
            run_script.Program("web", [sys.executable, "-c", PARENT_OF_SLEEPER]),
            run_script.Program("beat", [sys.executable, "-c", "import sys, time; time.sleep(0.5); sys.exit(3)"],
                               restart=False),
        ],
        env={"PATH": "/usr/bin:/bin"},
        out=out,
        grace_seconds=5,
    )
    supervisor.start()
    try:
        grandchild = grandchild_pid(out)
        assert supervisor.wait(poll_seconds=0.05) == 3
    finally:
        supervisor.stop()
    assert all(child.poll() is not None for child in supervisor.children.values())
    assert wait_until(lambda: gone(grandchild)), "the web program's own child outlived the supervisor"
    assert "web  | grandchild" in out.getvalue()
    assert "beat exited with code 3: stopping the others" in out.getvalue()


@pytest.mark.timeout(60)
def test_program_exiting_zero_still_counts_as_failure():
    supervisor = run_script.Supervisor(
        [run_script.Program("worker", [sys.executable, "-c", "pass"], restart=False)], env={}, out=io.StringIO()
    )
    supervisor.start()
    try:
        assert supervisor.wait(poll_seconds=0.05) == 1
    finally:
        supervisor.stop()


FAST = run_script.RestartPolicy(first_delay=0.2, max_delay=1.0, stable_after=3.0, give_up_after=3)


def pids_printed(out: io.StringIO, label: str) -> list[int]:
    return [int(line.split()[-1]) for line in out.getvalue().splitlines()
            if line.startswith(label) and "grandchild" in line]


@pytest.mark.timeout(60)
def test_a_killed_program_is_restarted_and_what_it_left_is_cleaned_up_while_the_others_run_on():
    out = io.StringIO()
    supervisor = run_script.Supervisor(
        [run_script.Program("web", [sys.executable, "-c", PARENT_OF_SLEEPER]),
         run_script.Program("worker", [sys.executable, "-c", PARENT_OF_SLEEPER])],
        env={}, out=out, grace_seconds=5, policy=FAST,
    )
    state = {"killed": None, "restarted": None}

    def kill_then_watch():
        worker = supervisor.children.get("worker")
        if state["killed"] is None and len(pids_printed(out, "worker")) == 1 and pids_printed(out, "web"):
            state["killed"] = (worker.pid, pids_printed(out, "worker")[0])
            os.kill(worker.pid, signal.SIGKILL)
        elif state["killed"] and len(pids_printed(out, "worker")) == 2:
            state["restarted"] = worker.pid
            supervisor.request_stop(signal.SIGTERM)

    supervisor.start()
    web = supervisor.children["web"].pid
    try:
        assert supervisor.wait(on_tick=kill_then_watch, poll_seconds=0.05) == 0
        first_worker, orphan = state["killed"]
        assert gone(orphan), "the killed worker's own child was left running"
        assert state["restarted"] != first_worker
        assert supervisor.children["web"].pid == web and supervisor.children["web"].poll() is None
    finally:
        supervisor.stop()
    text = out.getvalue()
    assert "worker was killed by SIGKILL after" in text and "restarting it in 0 s (failure 1 in a row)" in text
    assert f"worker restarted (pid {state['restarted']})" in text
    assert all(wait_until(lambda pid=pid: gone(pid)) for pid in pids_printed(out, "web") + pids_printed(out, "worker"))


@pytest.mark.timeout(60)
def test_a_program_that_keeps_failing_at_start_stops_everything_after_backing_off():
    out = io.StringIO()
    supervisor = run_script.Supervisor(
        [run_script.Program("web", [sys.executable, "-c", SLEEPER]),
         run_script.Program("beat", [sys.executable, "-c", "import sys; sys.exit(4)"])],
        env={}, out=out, grace_seconds=5, policy=FAST,
    )
    supervisor.start()
    started = time.monotonic()
    try:
        assert supervisor.wait(poll_seconds=0.02) == 4
    finally:
        supervisor.stop()
    # Pauses of 0.2 s and 0.4 s between the three failures.
    assert time.monotonic() - started >= 0.6
    text = out.getvalue()
    assert "restarting it in 0 s (failure 1 in a row)" in text and "(failure 2 in a row)" in text
    assert "beat exited with code 4, 3 times in a row within 3 s of starting: giving up" in text
    assert all(child.poll() is not None for child in supervisor.children.values())


def test_backoff_doubles_up_to_its_ceiling():
    policy = run_script.RestartPolicy()
    assert [policy.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


@pytest.mark.timeout(60)
def test_programs_die_with_a_supervisor_killed_with_sigkill(tmp_path):
    """kill -9 of `make run` itself: its programs get SIGTERM from the kernel (prctl), nothing is orphaned."""
    script = (
        "import io, sys; sys.path.insert(0, {scripts!r}); import run; "
        "s = run.Supervisor([run.Program('web', [sys.executable, '-c', {sleeper!r}])], env={{}}); "
        "s.start(); print('pid', s.children['web'].pid, flush=True); s.wait()"
    ).format(scripts=str(SCRIPTS), sleeper=PARENT_OF_SLEEPER)
    supervisor = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        lines = [supervisor.stdout.readline() for _ in range(2)]  # in either order: two threads print them
        web = next(int(line.split()[-1]) for line in lines if line.startswith("pid"))
        grandchild = next(int(line.split()[-1]) for line in lines if "grandchild" in line)
        supervisor.kill()
        supervisor.wait()
        assert wait_until(lambda: gone(web)), "the program outlived its supervisor"
        # Its own child is its business (gunicorn and Celery take their workers down when they get SIGTERM).
        os.kill(grandchild, signal.SIGKILL)
    finally:
        supervisor.kill()
        supervisor.wait()


@pytest.mark.timeout(60)
def test_requested_stop_ends_everything_and_exits_zero():
    out = io.StringIO()
    supervisor = run_script.Supervisor(
        [
            run_script.Program("web", [sys.executable, "-c", PARENT_OF_SLEEPER]),
            # Ignores SIGTERM, as a stuck program would: it must be killed after the grace period.
            run_script.Program(
                "worker",
                [sys.executable, "-c",
                 "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                 "print('deaf', flush=True); time.sleep(60)"],
            ),
        ],
        env={},
        out=out,
        grace_seconds=1,
    )
    supervisor.start()
    try:
        grandchild = grandchild_pid(out)
        printed(out, "deaf")
        supervisor.request_stop(signal.SIGTERM)
        assert supervisor.wait(poll_seconds=0.05) == 0
    finally:
        supervisor.stop()
    assert all(child.poll() is not None for child in supervisor.children.values())
    assert wait_until(lambda: gone(grandchild))
    assert "worker did not stop within 1 s: killing it" in out.getvalue()


def test_programs_are_web_worker_and_beat_and_all_restart():
    assert all(p.restart for p in run_script.programs("/venv/python", 8000))
    argv = {p.name: p.argv for p in run_script.programs("/venv/python", 8000)}
    assert argv["web"][1:4] == ["-m", "gunicorn", "portal.wsgi:application"]
    assert "127.0.0.1:8000" in argv["web"] and argv["web"][argv["web"].index("--workers") + 1] == "2"
    assert argv["worker"][1:6] == ["-m", "celery", "-A", "portal", "worker"]
    assert argv["beat"][1:6] == ["-m", "celery", "-A", "portal", "beat"]


def test_banner_shows_url_and_the_demo_accounts():
    seed = "portal: ok\n\n演示账号（用户名 / 角色 / 密码）:\n  admin        系统管理员   Demo@2026\n"
    accounts = run_script.account_lines(seed)
    assert accounts[0].startswith("演示账号") and "admin" in accounts[1]
    text = run_script.banner("http://127.0.0.1:8000", accounts)
    assert "http://127.0.0.1:8000" in text and "Demo@2026" in text
    assert run_script.account_lines("nothing here") == []
