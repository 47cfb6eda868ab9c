"""Errors of composing and sending.

`ComposeError` and its subclasses are the user's mistakes (a bad address, a file too large,
a message that is no longer editable): their text is shown to the user as is.
"""

from __future__ import annotations


class ComposeError(Exception):
    """A mistake the user can fix; the message is meant for them."""


class InvalidAddressError(ComposeError):
    def __init__(self, message: str, bad: list[str]) -> None:
        super().__init__(message)
        self.bad = bad


class AttachmentTooLargeError(ComposeError):
    pass


class NotEditableError(ComposeError):
    """The message left the draft state (it is waiting, sending or sent)."""


class TooLateError(ComposeError):
    """Undo or cancel came after the worker had claimed the message."""


class TemplateVariableError(ComposeError):
    def __init__(self, message: str, unknown: list[str]) -> None:
        super().__init__(message)
        self.unknown = unknown
