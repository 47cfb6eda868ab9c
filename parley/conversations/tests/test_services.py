from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.conversations.models import ConversationEvent, EventKind, Status
from parley.conversations.services import (
    create_conversation,
    next_conversation_number,
    record_message_added,
    reopen_on_reply,
)

pytestmark = pytest.mark.django_db


def test_numbers_are_handed_out_in_sequence():
    first = next_conversation_number()

    assert next_conversation_number() == first + 1


def test_create_conversation_starts_new_with_a_created_event(team_a):
    conversation = create_conversation(team=team_a, subject="Hello")

    assert conversation.status == Status.NEW
    assert conversation.team == team_a
    assert list(conversation.events.values_list("kind", flat=True)) == [EventKind.CREATED]


def test_record_message_added_counts_and_never_moves_last_message_back(team_a):
    conversation = create_conversation(team=team_a, subject="Hello")
    later = datetime(2026, 3, 5, tzinfo=UTC)
    earlier = datetime(2026, 3, 1, tzinfo=UTC)

    record_message_added(conversation=conversation, at=later)
    record_message_added(conversation=conversation, at=earlier)

    assert conversation.message_count == 2
    assert conversation.last_message_at == later


@pytest.mark.parametrize("status", [Status.CLOSED, Status.RESOLVED])
def test_reopen_on_reply_reopens_closed_conversations_once(team_a, status):
    conversation = create_conversation(team=team_a, subject="Hello")
    type(conversation).objects.filter(pk=conversation.pk).update(status=status)
    conversation.refresh_from_db()

    assert reopen_on_reply(conversation=conversation)
    assert not reopen_on_reply(conversation=conversation)

    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    event = ConversationEvent.objects.get(conversation=conversation, kind=EventKind.REOPENED)
    assert event.data == {"from": status, "to": Status.OPEN}


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN, Status.PENDING])
def test_reopen_on_reply_leaves_open_conversations_alone(team_a, status):
    conversation = create_conversation(team=team_a, subject="Hello")
    type(conversation).objects.filter(pk=conversation.pk).update(status=status)

    assert not reopen_on_reply(conversation=conversation)
    assert not ConversationEvent.objects.filter(kind=EventKind.REOPENED).exists()
