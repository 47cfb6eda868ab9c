"""In a real Chromium: an HTML reply shows its new text, its quoted history is folded, and
one click on "Show quoted text" shows the rest of the original (issue 4, part 3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import PASSWORD
from parley.conversations.tests.factories import make_conversation, make_message
from parley.mail.parsing import sanitize_html

# Playwright's sync API runs an event loop in this thread; the ORM calls made from here are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
FIXTURE = Path(__file__).parents[2] / "conversations/tests/fixtures/html/outlook_desktop_en.html"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


def test_the_quoted_history_of_an_outlook_reply_is_one_click_away(live_server, page, bob, team_a):
    from playwright.sync_api import expect

    conversation = make_conversation(team_a, "Overdue invoice")
    make_message(
        conversation, text="(the plain-text part)", html=sanitize_html(FIXTURE.read_text())
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill("bob@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/conversations/{conversation.pk}/")

    expect(
        page.get_by_test_id("message-html").get_by_text("We will pay on Friday.")
    ).to_be_visible()
    history = page.get_by_test_id("quoted-html").get_by_text(
        "Dear Tom, the invoice 12/2026 is overdue."
    )
    expect(history).to_be_hidden()
    header = page.get_by_test_id("quoted-html").get_by_text("Overdue invoice")
    expect(header).to_be_hidden()

    page.get_by_test_id("quoted-html").get_by_text("Show quoted text").click()

    expect(history).to_be_visible()
    expect(header).to_be_visible()
