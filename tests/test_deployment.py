"""The deployment description stays consistent with the code (no Docker engine here to run it)."""
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml

from portal import dbroles

ROOT = Path(__file__).resolve().parent.parent
INIT_SQL = ROOT / "deploy" / "postgres" / "10-onewindow-roles.sql"


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_on_one_image():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["build"] == "."
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert services["web"]["command"][0] == "gunicorn"
    assert services["web"]["command"][1] == "portal.wsgi:application"
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]
    # Everything waits for the schema, and the schema for a healthy database.
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def user_of(url: str) -> str | None:
    """The role of a compose database URL, its ${...} interpolations filled in as compose would."""
    return urlsplit(re.sub(r"\$\{[^}]*\}", "secret", url)).username


def test_the_application_connects_as_the_app_role_and_only_migrate_as_the_owner():
    services = compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        assert user_of(services[name]["environment"]["DATABASE_URL"]) == dbroles.APP_ROLE
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert "DATABASE_OWNER_URL" not in environment
        # env_file hands all of .env over: the stronger roles' passwords are blanked for the application.
        assert environment["POSTGRES_PASSWORD"] == "" and environment["ONEWINDOW_OWNER_PASSWORD"] == ""
    assert user_of(services["migrate"]["environment"]["DATABASE_OWNER_URL"]) == dbroles.OWNER_ROLE
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_USER"] == "postgres"
    assert "./deploy/postgres:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    assert {"ONEWINDOW_OWNER_PASSWORD", "ONEWINDOW_APP_PASSWORD"} <= set(postgres["environment"])
    example = (ROOT / ".env.example").read_text()
    for variable in ("POSTGRES_PASSWORD=", "ONEWINDOW_OWNER_PASSWORD=", "ONEWINDOW_APP_PASSWORD=",
                     "DATABASE_URL=", "DATABASE_OWNER_URL="):
        assert variable in example


@pytest.mark.skipif(not shutil.which("psql"), reason="psql (postgresql-client) is not installed")
def test_the_init_sql_makes_the_two_roles(database_superuser):
    """deploy/postgres/10-onewindow-roles.sql through psql, as docker's entrypoint runs it, on a scratch database."""
    tag = uuid.uuid4().hex[:8]
    database, owner, app = f"onewindow_init_{tag}", f"test_owner_{tag}", f"test_app_{tag}"
    server = dbroles.conninfo(database_superuser, "postgres")
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {database}")
        try:
            env = {**os.environ, "ONEWINDOW_OWNER_PASSWORD": "owner-secret", "ONEWINDOW_APP_PASSWORD": "app-secret",
                   "PGHOST": database_superuser["HOST"] or "127.0.0.1",
                   "PGPORT": str(database_superuser["PORT"] or 5432),
                   "PGUSER": database_superuser["USER"], "PGPASSWORD": database_superuser["PASSWORD"]}
            result = subprocess.run(["psql", "-X", "-v", f"owner_role={owner}", "-v", f"app_role={app}",
                                     "-d", database, "-f", str(INIT_SQL)], env=env, capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr
            roles = {row[0]: row[1:] for row in admin.execute(
                "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit, "
                "rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname IN (%s, %s)", [owner, app])}
            assert roles[owner] == (False, False, False, False, False, True, True, True)
            assert roles[app] == (False, False, False, False, False, False, True, True)
            assert admin.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                                 [database]).fetchone()[0] == owner
            with psycopg.connect(dbroles.conninfo(database_superuser, database), autocommit=True) as inside:
                privileges = inside.execute(
                    "SELECT has_schema_privilege(%s, 'public', 'CREATE'), "
                    "has_schema_privilege(%s, 'public', 'CREATE'), "
                    "has_database_privilege(%s, current_database(), 'CONNECT'), pg_has_role(%s, %s, 'MEMBER')",
                    [owner, app, app, app, owner]).fetchone()
            assert privileges == (True, False, True, False)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {app}")
            admin.execute(f"DROP ROLE IF EXISTS {owner}")


def test_no_secret_in_the_repository():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "SECRET_KEY:" not in text and "${POSTGRES_PASSWORD:?" in text
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_dockerfile_installs_pinned_runtime_dependencies_and_fonts():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c requirements.lock" in dockerfile
    assert "fonts-wqy-microhei" in dockerfile and "libpango-1.0-0" in dockerfile
    assert "USER onewindow" in dockerfile


def test_ci_runs_make_test_and_nothing_else():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines[-1] == "exec make test"
