from __future__ import annotations


class AccountsError(Exception):
    """A user's mistake in account management, shown to them."""


class LastAdminError(AccountsError):
    """Removing or demoting this membership would leave a team without an admin."""
