"""Mistakes a user can make with contacts and organizations; the message is shown to them."""

from __future__ import annotations


class ContactsError(Exception):
    """A user's mistake with contacts or organizations (shown to them, logged at info)."""


class InvalidEmailError(ContactsError):
    """The text is not a usable e-mail address."""


class InvalidPhoneError(ContactsError):
    """The text is not a valid phone number."""


class InvalidTaxIdError(ContactsError):
    """The NIP has the wrong length or a wrong checksum."""


class InvalidDomainError(ContactsError):
    """The text is not a mail domain."""


class DuplicateError(ContactsError):
    """An address, domain or tag is already used by another record of the team."""
