"""Drive a real Chromium through the inbox's main path (issue 4, section 7): open the inbox,
filter, open a conversation, add a note, assign, snooze, close, bulk-close three, merge two.

The conversations come in through the mail pipeline (`ingest_raw` with literal messages).
"""

from __future__ import annotations

import re

import pytest

from parley.conversations.models import Conversation, Priority, Status
from parley.conversations.services.workflow import change_priority
from parley.mail.ingest import ingest_raw
from parley.mail.models import MessageSource
from parley.testing.browser import browser, sign_in

pytestmark = browser

MAIL = """\
From: {name} <{address}>
To: Support <support@example.com>
Subject: {subject}
Message-ID: <{key}@example.pl>
{extra}Date: Mon, 02 Mar 2026 {hour:02d}:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

{body}
"""


def _mail(key: str, subject: str, body: str, hour: int, extra: str = "") -> Conversation:
    raw = MAIL.format(
        name="Jan Kowalski",
        address="jan@example.pl",
        subject=subject,
        key=key,
        extra=extra,
        hour=hour,
        body=body,
    )
    result = ingest_raw(raw=raw.encode(), source=MessageSource.IMPORT, team=TEAM[0])
    return result.message.conversation


TEAM: list = []


@pytest.fixture
def mail(team_a, alice):
    TEAM[:] = [team_a]
    chair = _mail("chair-1", "Broken chair", "The chair I bought is broken.", 8)
    _mail(
        "chair-2", "Re: Broken chair", "Photos attached.", 9, "In-Reply-To: <chair-1@example.pl>\n"
    )
    invoice = _mail("invoice", "Invoice question", "Please send the invoice again.", 10)
    change_priority(actor=alice, conversations=[invoice], priority=Priority.HIGH)
    late = [_mail(f"late-{n}", f"Delivery late {n}", "Where is it?", 11 + n) for n in range(3)]
    again = _mail("chair-3", "Chair again", "Any news about the chair?", 15)
    return {"chair": chair, "invoice": invoice, "late": late, "again": again}


def test_an_agent_works_through_the_inbox(
    live_server, page, bob, mail
):  # one path through the whole screen
    from playwright.sync_api import expect

    sign_in(page, live_server.url, bob)
    page.goto(f"{live_server.url}/inbox/")
    rows = page.get_by_test_id("inbox-row")
    expect(rows).to_have_count(6)
    # The sidebar's lazily loaded triage count must not replace the sidebar (htmx inherits
    # hx-target from the sidebar): the folders are still there once it has loaded.
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("folder-open")).to_contain_text("6")
    # The reply joined its conversation: six conversations, seven messages.
    chair = Conversation.objects.get(pk=mail["chair"].pk)
    assert chair.message_count == 2

    # Filter: htmx swaps the list in place.
    page.get_by_label("Priority").first.select_option("high")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Invoice question")
    page.get_by_label("Priority").first.select_option("")
    expect(rows).to_have_count(6)

    # Open a conversation, add a note, assign, snooze, close.
    page.get_by_role("link", name="Broken chair").click()
    expect(page).to_have_url(re.compile(rf"/conversations/{chair.pk}/"))
    expect(page.get_by_test_id("message-text")).to_have_count(2)
    page.get_by_role("textbox", name=re.compile("Internal note")).fill(
        "Called Jan, he sends photos."
    )
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("note")).to_contain_text("Called Jan, he sends photos.")
    page.locator("#assign-users").select_option(label="Bob Agent")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("event").last).to_contain_text("assignees changed")
    assert list(chair.assignees.values_list("pk", flat=True)) == [bob.pk]
    page.locator("#snooze-until").fill("2099-01-01T09:00")
    page.locator("#snooze-note").fill("Waiting for photos")
    page.get_by_role("button", name="Snooze", exact=True).click()
    expect(page.get_by_test_id("snoozed")).to_be_visible()
    page.get_by_test_id("close").click()
    expect(page.get_by_test_id("conversation-status")).to_have_text("Closed")
    chair.refresh_from_db()
    assert (chair.status, chair.snoozed_until) == (Status.CLOSED, None)

    # Bulk-close three.
    page.goto(f"{live_server.url}/inbox/")
    expect(rows).to_have_count(5)
    for late in mail["late"]:
        page.get_by_label(f"Select #{late.number}").check()
    page.locator("#bulk-action").select_option("close")
    page.get_by_test_id("bulk-apply").click()
    expect(page.get_by_test_id("bulk-result")).to_contain_text("3 conversation(s) changed.")
    expect(page.get_by_test_id("bulk-outcome")).to_have_count(3)
    expect(page.get_by_test_id("bulk-outcome").first).to_contain_text("done")
    expect(rows).to_have_count(2)
    # The sidebar counts follow without a reload (1 closed before, 4 now).
    expect(page.get_by_test_id("folder-closed")).to_contain_text("4")
    assert Conversation.objects.filter(status=Status.CLOSED).count() == 4

    # Merge "Chair again" into "Broken chair".
    page.get_by_role("link", name="Chair again").click()
    page.locator("#merge-number").fill(str(chair.number))
    page.get_by_role("button", name="Merge").click()
    expect(page).to_have_url(re.compile(rf"/conversations/{chair.pk}/"))
    expect(page.get_by_test_id("message-text")).to_have_count(3)
    again = Conversation.objects.get(pk=mail["again"].pk)
    assert again.merged_into_id == chair.pk


def test_new_mail_shows_in_the_page_and_the_tab_title_without_reload(live_server, page, bob, mail):
    from datetime import timedelta
    from email.utils import format_datetime

    from django.utils import timezone
    from playwright.sync_api import expect

    sign_in(page, live_server.url, bob)
    page.goto(f"{live_server.url}/inbox/")
    expect(page.get_by_test_id("inbox-row")).to_have_count(6)
    title = page.title()
    assert not title.startswith("(")

    when = format_datetime(timezone.now() + timedelta(minutes=1))
    raw = MAIL.format(
        name="Ewa Nowak",
        address="ewa@example.pl",
        subject="Brand new question",
        key="fresh-1",
        extra="",
        hour=12,
        body="Hello?",
    ).replace("Date: Mon, 02 Mar 2026 12:00:00 +0100", f"Date: {when}")
    ingest_raw(raw=raw.encode(), source=MessageSource.IMPORT, team=TEAM[0])

    # htmx polls every 15 seconds; no reload happens in between.
    expect(page.get_by_test_id("new-activity")).to_be_visible(timeout=40_000)
    expect(page).to_have_title(re.compile(r"^\(1\) "))
    expect(page.get_by_test_id("inbox-row")).to_have_count(6)
