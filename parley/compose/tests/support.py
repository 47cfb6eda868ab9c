"""Helpers shared by the compose tests."""

from __future__ import annotations

from parley.mail.ingest import ingest_raw
from parley.mail.models import Mailbox, Message, MessageSource


def customer_message(
    *, sender: str = "Jan Kowalski <jan@example.org>", to: str = "support@parley.test", n: int = 1
) -> bytes:
    return (
        f"From: {sender}\r\n"
        f"To: {to}\r\n"
        "Cc: Anna <anna@example.org>\r\n"
        f"Subject: Faktura nr {n} — pytanie\r\n"
        "Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n"
        f"Message-ID: <question-{n}@example.org>\r\n"
        "References: <earlier@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Dzień dobry, gdzie jest faktura?\r\n"
    ).encode()


def receive(mailbox: Mailbox, raw: bytes) -> Message:
    return ingest_raw(raw=raw, source=MessageSource.INBOX, mailbox=mailbox).message
