"""Build inbound e-mail for the triage tests and run the catch-up pass on it."""

from __future__ import annotations

import itertools

from parley.mail.ingest import ingest_raw
from parley.mail.models import Mailbox, Message, MessageSource
from parley.triage.models import EmailTriage
from parley.triage.runner import catch_up

_numbers = itertools.count(1)


def email(  # test helper with defaults
    *,
    sender: str = "Jan Nowak <jan@acme.pl>",
    to: str = "support@parley.test",
    cc: str = "",
    subject: str = "Pytanie o ofertę",
    body: str = "Dzień dobry, proszę o ofertę.",
    headers: str = "",
) -> bytes:
    n = next(_numbers)
    lines = [
        f"From: {sender}",
        f"To: {to}",
        *([f"Cc: {cc}"] if cc else []),
        f"Subject: {subject}",
        f"Date: Mon, 2 Mar 2026 10:{n % 60:02d}:00 +0100",
        f"Message-ID: <triage-{n}@acme.pl>",
        *([headers] if headers else []),
        "Content-Type: text/plain; charset=utf-8",
        "",
        body,
    ]
    return "\r\n".join(lines).encode()


def receive(mailbox: Mailbox, raw: bytes) -> EmailTriage:
    """Ingest `raw` into `mailbox`, run one triage pass, return the message's row."""
    result = ingest_raw(raw=raw, source=MessageSource.INBOX, mailbox=mailbox)
    catch_up()
    message = Message.objects.get(pk=result.message.pk)
    return EmailTriage.objects.get(message=message)
