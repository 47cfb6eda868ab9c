"""Test helpers shared by every app's tests (registered as pytest plugins in conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test import Client

    from parley.accounts.models import User

#: The password of every persona in the root conftest.py (alice, bob, charlie, dave).
PASSWORD = "correct-horse-battery-9"  # noqa: S105  # a test fixture's password


def signed_in(client: Client, user: User) -> Client:
    """`client`, signed in as `user` without the login form (for chaining: `.get(...)`)."""
    client.force_login(user)
    return client


def use_tmp_storage(settings: Any, tmp_path: Path) -> None:
    """Point STORAGES["default"] at a temporary folder (Django resets `storages` on change)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }


def api_headers(user: User) -> dict[str, str]:
    """The Authorization header of a fresh API token of `user`."""
    from parley.accounts.services import create_api_token

    _token, plain = create_api_token(user=user, name="test")
    return {"Authorization": f"Bearer {plain}"}


def api_call(
    client: Client, method: str, url: str, user: User | None = None, body: Any = None
) -> Any:
    """`client.<method>(url)` as `user` (anonymous without), with `body` sent as JSON."""
    kwargs: dict[str, Any] = {}
    if user is not None:
        kwargs["headers"] = api_headers(user)
    if body is not None:
        kwargs |= {"data": body, "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)
