"""Errors of the conversations app: the user's mistakes, shown to them."""

from __future__ import annotations


class ConversationError(Exception):
    """Base of the errors a user can cause; the message is shown to them."""


class RefusedError(ConversationError):
    """An action the actor may not (or cannot) do on this conversation; says why."""
