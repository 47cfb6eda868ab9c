"""Writes to conversations, one module per concern (see each module's docstring).

``core`` serves the mail pipeline (create, count a message, reopen on reply); ``workflow``
holds the team's actions (assign, close, snooze, merge, split…); ``notes`` and
``notifications`` the internal notes and in-app notifications.
"""

from __future__ import annotations

from parley.conversations.services.core import (
    NewConversation,
    allocate_conversation_numbers,
    create_conversation,
    create_conversations,
    next_conversation_number,
    record_message_added,
    record_messages_added,
    reopen_on_reply,
)

__all__ = [
    "NewConversation",
    "allocate_conversation_numbers",
    "create_conversation",
    "create_conversations",
    "next_conversation_number",
    "record_message_added",
    "record_messages_added",
    "reopen_on_reply",
]
