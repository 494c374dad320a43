"""Shared fixtures: the database roles, users with roles, a real headless Chromium for browser tests."""
import os
import shutil

import pytest

from portal import dbroles
from portal.roles import Role

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# --- the two database roles (portal/dbroles.py) -----------------------------------------------------------------
#
# The test database is created and migrated by the owner role and the tests run as the app role, as the portal
# does. With DATABASE_OWNER_URL set, DATABASE_URL and it are those roles, used as given (the owner must be able to
# create databases). Without it, DATABASE_URL is a superuser of the server (as `make test` and the README give it):
# the tests then make the two roles there, without passwords, so the server must trust local connections (the
# local and the embedded servers do).

_SUPERUSER: dict = {}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """Before the test database is made: the roles exist and the connection is the owner's."""
    from django.conf import settings
    from django.db import connection

    if not settings.DATABASE_OWNER:
        superuser = dict(settings.DATABASE_APP)
        server = dbroles.conninfo(superuser, "postgres")
        dbroles.ensure_roles(server, owner_creates_databases=True)
        # A test database left by a run from before the roles (owned by the superuser) must be the owner's to drop.
        dbroles.hand_over_database(server, connection.creation._get_test_db_name())
        settings.DATABASE_OWNER = {**superuser, "USER": dbroles.OWNER_ROLE, "PASSWORD": ""}
        settings.DATABASE_APP = {**superuser, "USER": dbroles.APP_ROLE, "PASSWORD": ""}
        _SUPERUSER.update(superuser)
    dbroles.use_credentials("default", settings.DATABASE_OWNER)
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Once the owner has made and migrated the test database, the tests connect as the app role."""
    from django.conf import settings

    dbroles.use_credentials("default", settings.DATABASE_APP)
    yield
    dbroles.use_credentials("default", settings.DATABASE_OWNER)  # the owner drops the test database


@pytest.fixture
def database_superuser(django_db_setup):
    """Credentials of a superuser of the test server (Django style), when the tests were given one."""
    if not _SUPERUSER:
        pytest.skip("DATABASE_OWNER_URL was given, so no superuser of the server is known to the tests")
    return dict(_SUPERUSER)


@pytest.fixture
def owner_connection(django_db_setup):
    """A psycopg connection (autocommit) to the test database as the owner role, closed after the test.

    What it commits stays: use it in transactional tests (the database is flushed after them)."""
    import psycopg
    from django.conf import settings
    from django.db import connection

    conn = psycopg.connect(dbroles.conninfo(settings.DATABASE_OWNER, connection.settings_dict["NAME"]),
                           autocommit=True)
    yield conn
    # A test that switched the audit triggers off (as an attacker would) must not leave them off for the next.
    conn.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
    conn.close()


@pytest.fixture
def app_database_url(django_db_setup) -> str:
    """A DATABASE_URL for a subprocess (a worker, a web server) on the test database, as the app role."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = db.get("HOST") or "127.0.0.1"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    if host.startswith("/"):  # unix socket (embedded PostgreSQL)
        return f"postgres://{user}{password}@/{db['NAME']}?host={host}&port={db.get('PORT') or 5432}"
    return f"postgres://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def pytest_configure(config):
    """Tests hash passwords with a fast hasher: the default PBKDF2 costs a large part of a second per user,
    which dominated the suite's time (real deployments keep the default; this affects the test process only)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (--dist loadgroup) the browser tests run one after another on one worker, and so do
    the tests with a real Celery worker: two Chromiums or two workers at once on a 2-core machine only make
    both slower and their timeouts flaky. The rest spreads over every worker."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif item.get_closest_marker("celery"):
            item.add_marker(pytest.mark.xdist_group("celery"))


@pytest.fixture
def make_user(db):
    """make_user(role, username=..., **fields) -> a saved user holding that role (password 'pass-12345')."""
    from portal.models import User
    from portal.services import grant_role

    counter = {"n": 0}

    def _make(role: Role | None = None, username: str | None = None, password: str = "pass-12345", **fields):
        counter["n"] += 1
        username = username or f"{role.value if role else 'user'}{counter['n']}"
        user = User.objects.create_user(username=username, password=password, **fields)
        if role:
            grant_role(user, role)
        return user

    return _make


def _chromium_path() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        if shutil.which(candidate):
            return candidate
    pytest.fail("Chromium is not installed: run `make test` (it installs Debian's chromium package).")


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still
    # synchronous and safe, so let them through.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, tmp_path):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def sign_in(page):
    """sign_in(username, password): fill the real login form in the browser."""

    def _sign_in(username: str, password: str = "pass-12345"):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("domcontentloaded")

    return _sign_in


@pytest.fixture(autouse=True)
def _fresh_work_calendar():
    """Each test reads the calendar of its own database (the clock keeps it per process)."""
    from portal import clock

    clock.forget_calendar()
    yield
    clock.forget_calendar()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads and generated files of a test go to its own folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def applicant_user(make_user):
    return make_user(Role.APPLICANT, real_name="张丽华", mobile="13800000001")


@pytest.fixture
def clerk(make_user):
    return make_user(Role.WINDOW_CLERK, real_name="王晓燕")


@pytest.fixture(autouse=True)
def _second_factor_optional(settings):
    """Tests run like the DEBUG demo: administrators need no second factor unless a test turns the rule on
    (tests/test_sign_in.py does; the production default is checked there too)."""
    settings.ADMIN_SECOND_FACTOR_REQUIRED = False
