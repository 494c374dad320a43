"""The deployment description stays consistent with the code (no Docker engine here to run it)."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


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
