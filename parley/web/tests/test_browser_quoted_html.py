"""In a real Chromium: an HTML reply shows its new text, its quoted history is folded, and
one click on "Show quoted text" shows the rest of the original (issue 4, part 3)."""

from __future__ import annotations

from pathlib import Path

from parley.conversations.tests.factories import make_conversation, make_message
from parley.mail.parsing import sanitize_html
from parley.testing.browser import browser, sign_in

FIXTURE = Path(__file__).parents[2] / "conversations/tests/fixtures/html/outlook_desktop_en.html"

pytestmark = browser


def test_the_quoted_history_of_an_outlook_reply_is_one_click_away(live_server, page, bob, team_a):
    from playwright.sync_api import expect

    conversation = make_conversation(team_a, "Overdue invoice")
    make_message(
        conversation, text="(the plain-text part)", html=sanitize_html(FIXTURE.read_text())
    )
    sign_in(page, live_server.url, bob)
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
