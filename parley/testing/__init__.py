"""Test helpers shared by every app's tests (registered as pytest plugins in conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test import Client

    from parley.accounts.models import User

#: The password of every persona in the root conftest.py (alice, bob, charlie, dave).
PASSWORD = "correct-horse-battery-9"  # noqa: S105  # a test fixture's password


def signed_in(client: Client, user: User) -> Client:
    """`client`, signed in as `user` without the login form (for chaining: `.get(...)`)."""
    client.force_login(user)
    return client
