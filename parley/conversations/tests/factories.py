"""Baseline rows for conversation tests. Workflow states are reached through services."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta

from parley.conversations.models import Conversation
from parley.conversations.services import create_conversation, record_message_added
from parley.mail.models import Direction, Message, MessageSource

_counter = itertools.count(1)


def make_conversation(team, subject="Order 42", **kwargs) -> Conversation:
    return create_conversation(team=team, subject=subject, **kwargs)


def make_message(conversation, *, text="Hello", from_address="jan@example.pl", **kwargs):
    """A stored message without raw bytes: enough for conversation workflow tests."""
    n = next(_counter)
    digest = hashlib.sha256(f"{n}-{text}".encode()).hexdigest()
    date = kwargs.pop("date", datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n))
    message = Message.objects.create(
        conversation=conversation,
        message_id=f"m{n}@example.pl",
        content_hash=digest,
        raw_sha256=digest,
        subject=conversation.subject,
        from_address=from_address,
        from_name=kwargs.pop("from_name", "Jan Kowalski"),
        date=date,
        direction=kwargs.pop("direction", Direction.INBOUND),
        source=MessageSource.INBOX,
        text=text,
        snippet=text[:300],
        **kwargs,
    )
    record_message_added(conversation=conversation, at=date)
    return message
