"""In a real Chromium: an agent links today's call to a conversation from the conversation
page's Calls panel, and a meeting whose window starts raises the header's notification count
and chimes (issue 7)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from parley.calls.services.meetings import MeetingData, create_meeting, deliver_due_reminders
from parley.calls.tests.factories import CallFactory
from parley.conversations.models import EventKind
from parley.conversations.services.records import attach_customer
from parley.conversations.tests.factories import make_conversation
from parley.testing.browser import browser, sign_in

pytestmark = browser


def test_linking_todays_call_from_the_conversation_page(live_server, page, bob, team_a, jan):
    from playwright.sync_api import expect

    conversation = make_conversation(team_a, subject="Invoice question")
    attach_customer(conversation=conversation, contact=jan, actor=None)
    call = CallFactory.create(team=team_a, agent=bob, duration=125)
    sign_in(page, live_server.url, bob)
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

    sign_in(page, live_server.url, bob)
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
