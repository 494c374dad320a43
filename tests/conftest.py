"""Shared fixtures: users with roles, a real headless Chromium for browser tests."""
import os
import shutil

import pytest

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
