"""Domain exceptions of the mail app.

`MailboxConnectionError` and its subclasses describe why a mailbox cannot be reached; their
message is written for the person configuring the mailbox (it is shown on the Settings →
Mailboxes page and by `parley mailbox test`). Other helpers may add their own exceptions here.
"""

from __future__ import annotations


class MailError(Exception):
    """Base class of every mail-app error."""


class MailboxConnectionError(MailError):
    """The mail server could not be used; the message says why, for the user."""


class AuthenticationError(MailboxConnectionError):
    """The server rejected the login or the secret."""


class HostUnreachableError(MailboxConnectionError):
    """No connection could be opened (DNS, refused, timeout)."""


class TLSError(MailboxConnectionError):
    """The TLS handshake failed or the certificate was not trusted."""


class FolderMissingError(MailboxConnectionError):
    """A folder configured for sync does not exist on the server."""


class ConnectionLostError(MailboxConnectionError):
    """The connection broke during a command; the next sync resumes where this one stopped."""


class ProtocolError(MailboxConnectionError):
    """The server answered something we did not expect."""


class MailboxBusyError(MailError):
    """Another worker holds the lease of this mailbox."""


class MailboxNotFoundError(MailError):
    """No mailbox of that name."""


class MailboxInvalidError(MailError):
    """The mailbox settings given are not acceptable (duplicate name, bad security mode...)."""


class SecretError(MailError):
    """A stored secret cannot be decrypted (the key changed?)."""
