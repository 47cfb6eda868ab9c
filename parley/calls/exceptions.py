"""Mistakes a user (or a PBX) can make with calls and meetings; the message is shown to them."""

from __future__ import annotations


class CallsError(Exception):
    """A user's mistake with calls, meetings or telephony settings (logged at info)."""


class InvalidSignatureError(CallsError):
    """A webhook request is unsigned, wrongly signed or too old to be trusted."""


class NotConfiguredError(CallsError):
    """Click-to-call was asked for, but the team or the user lacks the settings for it."""
