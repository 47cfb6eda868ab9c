"""Writes to conversations, one module per concern (see each module's docstring).

``core`` serves the mail pipeline (create, count a message, reopen on reply); ``workflow``
holds the team's actions (assign, close, snooze, merge, split…); ``notes`` and
``notifications`` the internal notes and in-app notifications.
"""

from __future__ import annotations

from parley.conversations.services.core import (
    create_conversation,
    next_conversation_number,
    record_message_added,
    reopen_on_reply,
)

__all__ = [
    "create_conversation",
    "next_conversation_number",
    "record_message_added",
    "reopen_on_reply",
]
