"""Set and remove a contact's avatar (CR1).

The processed PNG (`parley.contacts.avatars`) is written to `storages["default"]` under a
fresh random name before the row is updated, and the file it replaces is deleted only
after the commit (`transaction.on_commit`), so a rolled-back change never leaves the
contact pointing at a missing file. A failed write leaves at worst an unreferenced file.
Each call runs in `transaction.atomic()` (not durable, like the other contact services).
"""

from __future__ import annotations

import secrets
from typing import IO, TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from parley.contacts.avatars import process_avatar
from parley.contacts.services.timeline import record_diff
from parley.contacts.timeline import AVATAR_NEW, AVATAR_PREVIOUS

if TYPE_CHECKING:
    from parley.accounts.models import User
    from parley.contacts.models import Contact


def avatar_path(contact: Contact) -> str:
    return f"avatars/{contact.team_id}/{contact.pk}-{secrets.token_hex(8)}.png"


def delete_avatar_file_later(name: str) -> None:
    """Delete a stored avatar once the surrounding transaction commits."""
    if name:
        transaction.on_commit(lambda: storages["default"].delete(name))


def _set(contact: Contact, name: str, actor: User | None) -> None:
    old = contact.avatar
    contact.avatar = name
    contact.updated_at = timezone.now()
    contact.save(update_fields=["avatar", "updated_at"])
    # Keys shown translated (`parley.contacts.timeline.shown_change`), not storage names; a
    # replaced picture still reads as a change.
    record_diff(
        contact,
        before={"avatar": AVATAR_PREVIOUS if old else ""},
        after={"avatar": AVATAR_NEW if name else ""},
        actor=actor,
    )
    delete_avatar_file_later(old)


def set_contact_avatar(*, contact: Contact, upload: IO[bytes], actor: User | None) -> Contact:
    """Validate, resize and store `upload` as the contact's avatar, replacing the old one.

    Raises `InvalidImageError` (a `ContactsError`) for anything but an acceptable image.
    """
    data = process_avatar(upload)
    name = storages["default"].save(avatar_path(contact), ContentFile(data))
    try:
        with transaction.atomic():
            _set(contact, name, actor)
    except BaseException:
        storages["default"].delete(name)
        raise
    return contact


def remove_contact_avatar(*, contact: Contact, actor: User | None) -> Contact:
    """Forget the avatar; its file is deleted after the commit."""
    if contact.avatar:
        with transaction.atomic():
            _set(contact, "", actor)
    return contact


def read_avatar(contact: Contact) -> bytes | None:
    """The stored PNG, or None when there is none (or its file has gone)."""
    if not contact.avatar:
        return None
    try:
        with storages["default"].open(contact.avatar, "rb") as handle:
            data: bytes = handle.read()
    except FileNotFoundError:
        return None
    return data
