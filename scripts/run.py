"""`make run`: the whole portal on this machine until Ctrl-C.

Finds or starts PostgreSQL and Redis (scripts/services.py), migrates, loads the demo data, then runs the web
server, a Celery worker and Celery beat side by side, their output prefixed with their names. Ctrl-C or SIGTERM
stops all of them (and the embedded servers); if one of them dies, the others are stopped and we exit non-zero.
"""
from __future__ import annotations

import ctypes
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


def programs(python: str, port: int) -> list[Program]:
    return [
        Program("web", [python, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{port}",
                        "--workers", "2", "--access-logfile", "-",
                        "--no-control-socket"]),  # no socket file in $HOME shared with other gunicorns
        Program("worker", [python, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO"]),
        Program("beat", [python, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO"]),
    ]


_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the supervisor itself is killed (kill -9), so nothing is orphaned."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """Start programs, each in its own process group, and stop every process of every group together.

    Own process groups: a Ctrl-C at the terminal reaches only us, and we stop the programs in order (the gunicorn
    workers and the Celery pool go with their group), instead of each one getting the signal at once from the
    terminal and again from us.
    """

    def __init__(self, programs: list[Program], env: Mapping[str, str], out: TextIO = sys.stdout,
                 grace_seconds: float = 15.0):
        self.programs = programs
        self.env = dict(env)
        self.out = out
        self.grace_seconds = grace_seconds
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_signal: int | None = None
        self._readers: list[threading.Thread] = []
        self._write_lock = threading.Lock()

    def request_stop(self, signum, _frame=None) -> None:
        self.stop_signal = signum

    def start(self) -> None:
        preexec = _die_with_parent if _LIBC is not None else None
        for program in self.programs:
            self.children[program.name] = subprocess.Popen(
                program.argv, env=self.env, cwd=PROJECT_DIR, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec,
            )
        # Readers start after every Popen: preexec_fn is only safe while no other thread runs.
        width = max(len(p.name) for p in self.programs)
        for name, child in self.children.items():
            reader = threading.Thread(target=self._copy_output, args=(name.ljust(width), child.stdout), daemon=True)
            reader.start()
            self._readers.append(reader)

    def _copy_output(self, label: str, stream) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._write_lock:
                self.out.write(f"{label} | {line}\n")
                self.out.flush()

    def say(self, message: str) -> None:
        with self._write_lock:
            self.out.write(f"[run] {message}\n")
            self.out.flush()

    def wait(self, on_tick: Callable[[], None] = lambda: None, poll_seconds: float = 0.2) -> int:
        """Block until a stop is requested (exit 0) or a program ends by itself (its exit code, at least 1)."""
        while True:
            if self.stop_signal is not None:
                self.say(f"{signal.Signals(self.stop_signal).name}: stopping everything")
                return 0
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    self.say(f"{name} exited with code {code}: stopping the others")
                    return code or 1
            on_tick()
            time.sleep(poll_seconds)

    def stop(self) -> None:
        """SIGTERM to every group, SIGKILL to whatever is left after the grace period, then reap."""
        for child in self.children.values():
            _signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for child in self.children.values():
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        # The group leader may be gone while a process of its group lingers (an orphaned pool worker): sweep.
        for name, child in self.children.items():
            if child.poll() is None:
                self.say(f"{name} did not stop within {self.grace_seconds:.0f} s: killing it")
            _signal_group(child.pid, signal.SIGKILL)
            child.wait()
        for reader in self._readers:
            reader.join(timeout=2)


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
        with services.prepared_environment(env) as env:
            manage(env, "migrate", "--noinput")
            seed_output = manage(env, "seed_demo", capture=True)
            print(seed_output, end="", flush=True)
            if not services.is_true(env["DEBUG"]):
                manage(env, "collectstatic", "--noinput")  # with DEBUG=1 whitenoise serves from the finders

            supervisor = Supervisor(programs(sys.executable, port), env)
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
