"""In a real Chromium: a snoozed conversation wakes while the agent has Parley open, the
header's notification count rises and the page chimes (issue 4, part 4) — unless the agent
turned the sound off in Settings → Profile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.accounts.services import update_profile
from parley.conversations.services.workflow import (
    set_assignees,
    snooze_conversations,
    wake_due_snoozed,
)
from parley.conversations.tests.factories import make_conversation
from parley.testing.browser import browser, sign_in

pytestmark = browser


@pytest.fixture
def snoozed(alice, bob, team_a):
    conversation = make_conversation(team_a, subject="Broken chair")
    set_assignees(actor=alice, conversations=[conversation], users=[bob])
    until = timezone.now() + timedelta(hours=1)
    snooze_conversations(actor=alice, conversations=[conversation], until=until)
    return until


def _open_parley(page, url: str, user) -> None:
    sign_in(page, url, user)
    page.goto(f"{url}/notifications/")


def _wake_and_poll(page, until) -> None:
    from playwright.sync_api import expect

    badge = page.get_by_test_id("notification-badge")
    # Assigned to you: one unread notification when the page opens, and no chime for it.
    expect(badge).to_contain_text("1")
    assert wake_due_snoozed(now=until + timedelta(seconds=1)) == 1
    # What the 30-second poll does, without the wait.
    page.evaluate("document.body.dispatchEvent(new Event('refresh-notifications'))")
    expect(badge).to_contain_text("2")


def test_a_snooze_waking_raises_the_count_and_chimes(live_server, page, bob, snoozed):
    _open_parley(page, live_server.url, bob)
    # A click first: browsers allow audio only after a user gesture.
    page.get_by_role("heading", name="Notifications").click()

    _wake_and_poll(page, snoozed)

    page.wait_for_function("window.parleyNotify.soundCalls === 1")
    # The next page load shows the same count and stays silent.
    page.reload()
    from playwright.sync_api import expect

    expect(page.get_by_test_id("notification-badge")).to_contain_text("2")
    assert page.evaluate("window.parleyNotify.soundCalls") == 0


def test_no_chime_when_the_agent_turned_the_sound_off(live_server, page, bob, snoozed):
    update_profile(user=bob, name=bob.name, language="", signature="", notification_sound=False)
    _open_parley(page, live_server.url, bob)

    _wake_and_poll(page, snoozed)

    assert page.evaluate("window.parleyNotify.soundCalls") == 0


def test_an_assignment_while_the_page_is_open_chimes(live_server, page, alice, bob, team_a):
    from playwright.sync_api import expect

    _open_parley(page, live_server.url, bob)
    page.get_by_role("heading", name="Notifications").click()
    badge = page.get_by_test_id("notification-badge")
    expect(badge).to_have_attribute("data-latest", "0")

    conversation = make_conversation(team_a, subject="Invoice question")
    set_assignees(actor=alice, conversations=[conversation], users=[bob])
    page.evaluate("document.body.dispatchEvent(new Event('refresh-notifications'))")

    expect(badge).to_contain_text("1")
    page.wait_for_function("window.parleyNotify.soundCalls === 1")
