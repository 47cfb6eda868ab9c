"""In a real Chromium: an agent links today's call to a conversation from the conversation
page's Calls panel, and a meeting whose window starts raises the header's notification count
and chimes (issue 7)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import PASSWORD
from parley.calls.services.meetings import MeetingData, create_meeting, deliver_due_reminders
from parley.calls.tests.factories import CallFactory
from parley.conversations.models import EventKind
from parley.conversations.services.records import attach_customer
from parley.conversations.tests.factories import make_conversation

# Playwright's sync API runs an event loop in this thread; the ORM calls made from here are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

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


def _sign_in(page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("E-mail").fill("bob@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_linking_todays_call_from_the_conversation_page(live_server, page, bob, team_a, jan):
    from playwright.sync_api import expect

    conversation = make_conversation(team_a, subject="Invoice question")
    attach_customer(conversation=conversation, contact=jan, actor=None)
    call = CallFactory.create(team=team_a, agent=bob, duration=125)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/conversations/{conversation.pk}/")

    panel = page.get_by_test_id("calls-panel")
    expect(panel).to_contain_text("No calls are linked to this conversation.")
    picker = panel.get_by_label("Link a call (last 7 days)")
    expect(picker.locator("option")).to_have_count(1)
    expect(picker.locator("option")).to_contain_text("Today")
    picker.select_option(str(call.pk))
    panel.get_by_role("button", name="Link", exact=True).click()

    linked = page.get_by_test_id("linked-call")
    expect(linked).to_contain_text("+48 601 234 567")
    expect(linked).to_contain_text("2:05")
    expect(page.get_by_test_id("event").last).to_contain_text("call linked")
    call.refresh_from_db()
    assert call.conversation_id == conversation.pk
    assert conversation.events.filter(kind=EventKind.CALL_LINKED, actor=bob).count() == 1

    # The call card opens from the panel.
    linked.get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_server.url}/calls/{call.pk}/")


def test_a_starting_meeting_raises_the_count_and_chimes(live_server, page, bob, team_a):
    from playwright.sync_api import expect

    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("heading", name="Notifications").click()  # audio needs a user gesture
    badge = page.get_by_test_id("notification-badge")
    expect(badge).to_have_attribute("data-latest", "0")

    now = timezone.now()
    data = MeetingData(
        name="Renewal call",
        phone="601 234 567",
        window_start=now - timedelta(seconds=5),
        window_end=now + timedelta(minutes=30),
        agent=bob,
    )
    create_meeting(team=team_a, actor=bob, data=data)
    assert deliver_due_reminders() == 1
    # What the 30-second poll does, without the wait.
    page.evaluate("document.body.dispatchEvent(new Event('refresh-notifications'))")
    expect(badge).to_contain_text("1")
    page.wait_for_function("window.parleyNotify.soundCalls === 1")

    page.reload()
    expect(page.get_by_test_id("notification-meeting")).to_contain_text(
        "Meeting: Renewal call — call 601 234 567 now"
    )
