"""A real Chromium writes a reply with an attachment and a template, sees the countdown,
undoes, sends again and sees it sent (issue 5 part 7). The outbox runs against aiosmtpd."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from parley.compose.models import OutgoingMessage, State
from parley.compose.services.templates import create_template
from parley.compose.tests.support import customer_message, receive
from parley.compose.worker import OutboxWorker
from parley.testing.browser import browser, sign_in

TRIX = Path(__file__).resolve().parents[1] / "static" / "compose" / "vendor" / "trix.umd.min.js"

pytestmark = [
    *browser,
    pytest.mark.integration,
    pytest.mark.skipif(not TRIX.exists(), reason="needs the Trix editor (make install)"),
]


def test_reply_with_attachment_and_template_undo_send_again_sent(  # noqa: PLR0917  # fixtures
    live_server, page, bob, team_a, mailbox, smtp_server, tmp_path
):
    from playwright.sync_api import expect

    parent = receive(mailbox, customer_message())
    create_template(
        team=team_a,
        owner=None,
        name="Invoice attached",
        subject="",
        body_html="<p>Dear customer, the invoice for #{{ ticket.number }} is attached.</p>",
    )
    invoice = tmp_path / "faktura.pdf"
    invoice.write_bytes(b"%PDF-1.4 invoice\n")

    sign_in(page, live_server.url, bob)
    page.goto(f"{live_server.url}/conversations/{parent.conversation_id}/")
    page.get_by_test_id("reply").first.click()

    expect(page.get_by_role("heading", name="Reply")).to_be_visible()
    page.locator("trix-editor").click()
    page.keyboard.type("Hello Jan. ")
    page.get_by_role("button", name="Invoice attached").click()
    expect(page.locator("trix-editor")).to_contain_text(
        f"the invoice for #{parent.conversation.number} is attached"
    )
    page.locator("#compose-files").set_input_files(str(invoice))
    expect(page.locator("#attachments")).to_contain_text("faktura.pdf")

    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("countdown")).to_contain_text(re.compile(r"Sending in \d+ second"))
    page.get_by_test_id("undo").click()
    expect(page.locator("trix-editor")).to_contain_text("Hello Jan.")
    expect(page.locator("#attachments")).to_contain_text("faktura.pdf")

    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("countdown")).to_be_visible()
    outgoing = OutgoingMessage.objects.get()
    assert outgoing.state == State.WAITING
    OutboxWorker(threads=0).tick(None, now=timezone.now() + timedelta(seconds=31))

    expect(page.get_by_test_id("sent")).to_be_visible()
    assert len(smtp_server.messages) == 1
    raw = smtp_server.messages[0].data
    assert b"faktura.pdf" in raw
    assert b"Hello Jan." in raw
