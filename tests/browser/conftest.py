"""Browser harness: Playwright (Python, sync API) driving Debian's /usr/bin/chromium headless
against pytest-django's ``live_server``.

- The browser is started once for the browser tests; every test gets a fresh context
  (cookies, storage) so that journeys never leak a login into each other.
- ``live_server`` implies a transactional database: tables are flushed after each test and
  the post_migrate handler (accounts.seed) restores roles and dictionaries. On SQLite the
  test database is in memory and pytest-django hands the same connection to the server
  thread; on PostgreSQL both threads use the test database normally.
- Playwright's sync API keeps an event loop marked as running in the main thread while the
  browser is up, which makes Django's async-safety guard refuse every ORM call of that thread
  (the test's own queries and the flush between tests). ``DJANGO_ALLOW_ASYNC_UNSAFE`` is
  therefore set for as long as the browser runs; the calls are still strictly sequential.
- That running loop also moves the main thread's database connections: with a loop running,
  Django (asgiref's ``Local``) keeps them in a context-local store of their own, apart from the
  thread's usual ones. They are closed before the browser stops, while that store is still the
  current one; afterwards nothing could reach them, and a connection left open there keeps
  PostgreSQL from dropping the test database at the end of the session.
- The browser is package-scoped: it starts with the first browser test and stops after the
  last one, so the rest of the suite runs without the loop and with the async-safety guard on.
- On failure a screenshot is saved under var/browser-failures/.
"""
import os
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--lang=zh-CN", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
FAILURE_DIR = Path(__file__).resolve().parents[2] / "var" / "browser-failures"


def _wait_for_server_connections(django_db_blocker, timeout=10.0):
    """On PostgreSQL, wait until the live server's request threads (which end once the browser
    has closed their keep-alive sockets) have closed their connections, so that the test
    database can be dropped at the end of the session."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture(scope="package")
def browser(django_db_setup, live_server, django_db_blocker):
    # Session fixtures are torn down in the reverse order of their set-up, and the first browser
    # test asks for the browser before the database: requested in this order, the test database
    # is set up before the live server and dropped after it has stopped. The browser itself
    # closes (and drops its keep-alive sockets and with them the server threads' database
    # connections) after the last browser test, while both are still there.
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does) to run browser tests")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield instance
            # Still inside Playwright, its loop running: these are the connections the main thread
            # used during the browser tests (module docstring).
            connections.close_all()
            instance.close()
        _wait_for_server_connections(django_db_blocker)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def new_page(browser, live_server, request):
    """Factory: a page in a fresh browser context (its own cookies), as a second user would have."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                page.screenshot(path=str(FAILURE_DIR / f"{request.node.name}-{i}-{j}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def demo_users(transactional_db):
    """The demo organization tree and the twelve demo accounts (password Xinfang@2026)."""
    from accounts.demo import load_demo_users
    from tests.factories import make_org_tree

    make_org_tree()
    load_demo_users()
