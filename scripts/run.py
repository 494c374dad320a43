"""`make run`: the whole portal on this machine until Ctrl-C.

Finds or starts PostgreSQL and Redis (scripts/services.py) with the two database roles, migrates as the owner,
loads the demo data as the app role, then runs the web server, a Celery worker and Celery beat side by side as the
app role, their output prefixed with their names. A program that dies is started again after a pause that doubles
with each quick failure (1 s, 2 s, 4 s ... 30 s), so a crashed worker or beat never takes the web server down; one
that keeps failing at start (5 times in a row, each within 30 s) means a broken setup: everything stops and we exit
non-zero. Ctrl-C or SIGTERM stops all of them (and the embedded servers), leaving no process behind.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping, TextIO

import services

PROJECT_DIR = services.PROJECT_DIR
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Program:
    name: str
    argv: list[str]
    restart: bool = True  # started again when it dies; False: its end stops everything


def programs(python: str, port: int) -> list[Program]:
    return [
        Program("web", [python, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{port}",
                        "--workers", "2", "--access-logfile", "-",
                        "--no-control-socket"]),  # no socket file in $HOME shared with other gunicorns
        Program("worker", [python, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO"]),
        Program("beat", [python, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO"]),
    ]


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0  # seconds before the first restart; doubled after each quick failure
    max_delay: float = 30.0
    stable_after: float = 30.0  # a run at least this long was a good start: the next failure starts over at 1 s
    give_up_after: int = 5  # this many quick failures in a row: the program cannot start, stop everything

    def delay(self, failures: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** (failures - 1))


# Linux: each program gets SIGTERM should the supervisor itself be killed (kill -9), so nothing is orphaned. Set by
# a small Python step before exec (prctl's PR_SET_PDEATHSIG survives exec), not by preexec_fn, which is unsafe
# once the output threads run, as they do when a program is restarted. The signal follows the thread that started
# the program: start and restart happen on the thread that calls start() and wait().
_PARENT_DEATH_STEP = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGTERM)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(70)  # the supervisor died before prctl took effect\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def with_parent_death_signal(argv: list[str]) -> list[str]:
    if not sys.platform.startswith("linux"):
        return list(argv)
    return [sys.executable, "-c", _PARENT_DEATH_STEP, str(os.getpid()), *argv]


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class _Slot:
    """One program and its current process (None while it waits to be restarted)."""

    def __init__(self, program: Program):
        self.program = program
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.failures = 0  # quick failures in a row
        self.restart_at: float | None = None


class Supervisor:
    """Start programs, each in its own process group; restart the ones that die; stop every process of every group.

    Own process groups: a Ctrl-C at the terminal reaches only us, and we stop the programs in order (the gunicorn
    workers and the Celery pool go with their group), instead of each one getting the signal at once from the
    terminal and again from us. When a program's main process dies, what is left of its group (a Celery pool whose
    master was killed) is killed before it starts again.
    """

    def __init__(self, programs: list[Program], env: Mapping[str, str], out: TextIO = sys.stdout,
                 grace_seconds: float = 15.0, policy: RestartPolicy = RestartPolicy()):
        self.programs = programs
        self.env = dict(env)
        self.out = out
        self.grace_seconds = grace_seconds
        self.policy = policy
        self.slots = {program.name: _Slot(program) for program in programs}
        self.stop_signal: int | None = None
        self._readers: list[threading.Thread] = []
        self._write_lock = threading.Lock()
        self._width = max(len(p.name) for p in programs)

    @property
    def children(self) -> dict[str, subprocess.Popen]:
        """The current process of each program that has one."""
        return {name: slot.process for name, slot in self.slots.items() if slot.process is not None}

    def request_stop(self, signum, _frame=None) -> None:
        self.stop_signal = signum

    def start(self) -> None:
        for slot in self.slots.values():
            self._spawn(slot)

    def _spawn(self, slot: _Slot) -> None:
        process = subprocess.Popen(
            with_parent_death_signal(slot.program.argv), env=self.env, cwd=PROJECT_DIR, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        slot.process, slot.started_at, slot.restart_at = process, time.monotonic(), None
        reader = threading.Thread(target=self._copy_output, args=(slot.program.name.ljust(self._width), process.stdout),
                                  daemon=True)
        reader.start()
        self._readers.append(reader)

    def _copy_output(self, label: str, stream) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._write_lock:
                self.out.write(f"{label} | {line}\n")
                self.out.flush()
        stream.close()

    def say(self, message: str) -> None:
        with self._write_lock:
            self.out.write(f"[run] {message}\n")
            self.out.flush()

    def wait(self, on_tick: Callable[[], None] = lambda: None, poll_seconds: float = 0.2) -> int:
        """Supervise until a stop is requested (exit 0) or a program cannot be kept running (its code, at least 1)."""
        while True:
            if self.stop_signal is not None:
                self.say(f"{signal.Signals(self.stop_signal).name}: stopping everything")
                return 0
            for slot in self.slots.values():
                outcome = self._look_after(slot, time.monotonic())
                if outcome is not None:
                    return outcome
            on_tick()
            time.sleep(poll_seconds)

    def _look_after(self, slot: _Slot, now: float) -> int | None:
        """Notice a death, schedule or carry out a restart; an exit code when everything must stop."""
        name, policy = slot.program.name, self.policy
        if slot.process is None:
            if slot.restart_at is not None and now >= slot.restart_at:
                try:
                    self._spawn(slot)
                except OSError as exc:
                    return self._failed(slot, now, f"could not be started ({exc})", 1, ran=0.0)
                self.say(f"{name} restarted (pid {slot.process.pid})")
            return None
        if not _ended(slot.process):
            if slot.failures and now - slot.started_at >= policy.stable_after:
                slot.failures = 0
            return None
        # Whatever its main process left behind (a Celery pool whose master was killed) goes before it is reaped:
        # until then its pid, the group's id, cannot be reused by another process.
        _signal_group(slot.process.pid, signal.SIGKILL)
        code = slot.process.wait()
        slot.process = None
        return self._failed(slot, now, describe_exit(code), code, ran=now - slot.started_at)

    def _failed(self, slot: _Slot, now: float, what: str, code: int, ran: float) -> int | None:
        name, policy = slot.program.name, self.policy
        status = code if code > 0 else 1
        if not slot.program.restart:
            self.say(f"{name} {what}: stopping the others")
            return status
        slot.failures = slot.failures + 1 if ran < policy.stable_after else 1
        if slot.failures >= policy.give_up_after:
            self.say(f"{name} {what}, {slot.failures} times in a row within {policy.stable_after:.0f} s of starting: "
                     f"giving up, stopping the others")
            return status
        delay = policy.delay(slot.failures)
        slot.restart_at = now + delay
        self.say(f"{name} {what} after {ran:.1f} s: restarting it in {delay:.0f} s (failure {slot.failures} in a row)")
        return None

    def stop(self) -> None:
        """SIGTERM to every group, SIGKILL to whatever is left after the grace period, then reap."""
        children = self.children
        for child in children.values():
            _signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        while time.monotonic() < deadline and not all(_ended(child) for child in children.values()):
            time.sleep(0.05)
        for name, child in children.items():
            if not _ended(child):
                self.say(f"{name} did not stop within {self.grace_seconds:.0f} s: killing it")
            # The leader is not reaped yet, so the group's id is still ours: the sweep reaches only its processes
            # (a pool worker that outlived its master included).
            _signal_group(child.pid, signal.SIGKILL)
            child.wait()
        for reader in self._readers:
            reader.join(timeout=2)


def _ended(process: subprocess.Popen) -> bool:
    """True once the process has ended, without reaping it (its pid, and its group's id, stay reserved)."""
    if process.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the whole group has already gone


def port_answers(port: int, host: str = HOST) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def manage(env: Mapping[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], env=dict(env), cwd=PROJECT_DIR, check=True,
                            stdout=subprocess.PIPE if capture else None, text=True)
    return result.stdout or ""


def account_lines(seed_output: str) -> list[str]:
    """The demo-account table that seed_demo prints last (from its 演示账号 heading on)."""
    lines = seed_output.rstrip().splitlines()
    for index, line in enumerate(lines):
        if "演示账号" in line:
            return lines[index:]
    return []


def banner(url: str, accounts: list[str]) -> str:
    rule = "=" * 72
    return "\n".join([
        rule,
        f"  OneWindow 一窗通 is running: {url}",
        f"  health: {url}/healthz    API docs: {url}/api/docs/    Ctrl-C stops everything",
        *(f"  {line.strip()}" if i == 0 else f"  {line}" for i, line in enumerate(accounts)),
        rule,
    ])


def main() -> int:
    services.sigterm_as_keyboard_interrupt()  # until the supervisor takes over, unwind on SIGTERM as on Ctrl-C
    port = int(os.environ.get("PORT", "8000"))
    url = f"http://{HOST}:{port}"
    if port_answers(port):
        print(f"[run] something already answers on {HOST}:{port}; stop it or choose another PORT=", file=sys.stderr)
        return 1
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")  # the local demo is plain http; settings refuse DEBUG off without SECRET_KEY
    env.setdefault("SITE_URL", url)
    env["PYTHONUNBUFFERED"] = "1"  # so the prefixed log lines arrive as they happen
    try:
        with services.prepared_environment(env, roles=True) as env:
            manage(env, "migrate", "--noinput")  # as the owner (DATABASE_OWNER_URL), which grants the app role
            app_env = {key: value for key, value in env.items() if key != "DATABASE_OWNER_URL"}
            seed_output = manage(app_env, "seed_demo", capture=True)
            print(seed_output, end="", flush=True)
            if not services.is_true(env["DEBUG"]):
                manage(app_env, "collectstatic", "--noinput")  # with DEBUG=1 whitenoise serves from the finders

            # The programs never see the owner's address: the app role is all they need.
            supervisor = Supervisor(programs(sys.executable, port), app_env)
            signal.signal(signal.SIGINT, supervisor.request_stop)
            signal.signal(signal.SIGTERM, supervisor.request_stop)
            signal.signal(signal.SIGHUP, supervisor.request_stop)
            supervisor.start()
            announced = False

            def announce_when_ready() -> None:
                nonlocal announced
                if not announced and port_answers(port):
                    announced = True
                    supervisor.say("\n" + banner(url, account_lines(seed_output)))

            try:
                return supervisor.wait(on_tick=announce_when_ready)
            finally:
                # A second Ctrl-C while stopping must not cut the clean-up short.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                supervisor.stop()
                supervisor.say("all stopped")
    except subprocess.CalledProcessError as exc:
        print(f"[run] {' '.join(exc.cmd[1:])} failed with exit code {exc.returncode}", file=sys.stderr)
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
