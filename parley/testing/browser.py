"""Playwright in a real Chromium, for every app's `test_browser_*.py` (a pytest plugin,
registered in the root conftest.py).

A browser test module marks itself with `pytestmark = browser` (or adds its own marks to
the list) and asks for the `page` fixture; `sign_in` fills the login form.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from parley.testing import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: The marks of a browser test module: `pytestmark = browser`, or `[*browser, ...]`.
browser = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def console_log() -> list[str]:
    """Everything the page logs to the console, and uncaught errors."""
    return []


@pytest.fixture(scope="session")
def _live_server_sessions_closed(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """At the end of the test session, before the test database is dropped, end the other
    PostgreSQL sessions on it. pytest-django's session-wide live server leaves one open
    (pytest-django issues #429, #454), and dropping the database then failed with "is
    being accessed by other users"."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def page(
    console_log: list[str], monkeypatch: pytest.MonkeyPatch, _live_server_sessions_closed: None
) -> Iterator[Page]:
    """A fresh Chromium tab in English that records its console into `console_log`."""
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # meanwhile are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = chromium.new_context(locale="en-US")
        tab = context.new_page()
        # The machine may be busy (CI runs two suites); be patient before failing.
        tab.set_default_timeout(30_000)
        # Assertions too; and long enough for the 5-second polls (live calls) to come round.
        expect.set_options(timeout=15_000)
        tab.on("console", lambda message: console_log.append(message.text))
        tab.on("pageerror", lambda error: console_log.append(str(error)))
        yield tab
        context.close()
        chromium.close()


def csp_violations(console_log: list[str]) -> list[str]:
    """The console lines in which the browser reports a Content Security Policy violation."""
    return [line for line in console_log if "Content Security Policy" in line]


def sign_in(
    page: Page,
    live_server_url: str,
    user: Any,
    password: str = PASSWORD,
    *,
    path: str = "/accounts/login/",
) -> None:
    """Open `path` and sign `user` in through the login form it shows (the persona's password
    by default). A protected `path` redirects to the form and, signed in, back to itself."""
    page.goto(f"{live_server_url}{path}")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(password)
    # Wait for the next page's load event: its deferred scripts (keyboard shortcuts) have
    # run by then, so a key pressed next is not lost to a page still parsing.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
