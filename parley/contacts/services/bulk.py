"""Bulk work on many contacts at once (LV2): mass edit, lock/unlock and delete, each record
in its own transaction so one failure never undoes the others, with a result per record.

The caller passes `check`, which raises PermissionDenied for a record the user may not
change (views pass a closure over `parley.contacts.access`); services stay free of request
objects. No side effects beyond the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Contact
from parley.contacts.services import (
    _check_members,
    _tag_for,
    delete_contact,
    set_custom_values,
    update_contact,
)
from parley.contacts.services.timeline import record_diff

if TYPE_CHECKING:
    from parley.accounts.models import User

Check = Callable[[Contact], None]


@dataclass(frozen=True, slots=True)
class BulkChange:
    """What a mass edit changes; empty parts are left alone."""

    stage: str = ""
    source: str = ""
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    add_managers: tuple[User, ...] = ()
    remove_managers: tuple[User, ...] = ()
    custom: Mapping[str, object] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.stage
            or self.source
            or self.add_tags
            or self.remove_tags
            or self.add_managers
            or self.remove_managers
            or self.custom
        )


@dataclass(frozen=True, slots=True)
class BulkResult:
    contact_id: int
    name: str
    ok: bool
    message: str = ""


def _each(
    contacts: Iterable[Contact], check: Check, action: Callable[[Contact], None]
) -> list[BulkResult]:
    results = []
    for contact in contacts:
        name = contact.display_name
        try:
            check(contact)
            with transaction.atomic():
                action(contact)
        except PermissionDenied:
            results.append(BulkResult(contact.pk, name, ok=False, message=_("Not allowed.")))
        except ContactsError as error:
            results.append(BulkResult(contact.pk, name, ok=False, message=str(error)))
        else:
            results.append(BulkResult(contact.pk, name, ok=True))
    return results


def _tags_and_managers(contact: Contact) -> dict[str, str]:
    return {
        "tags": ", ".join(sorted(t.name for t in contact.tags.all())),
        "managers": ", ".join(sorted(str(u) for u in contact.managers.all())),
    }


def _apply_change(contact: Contact, change: BulkChange, actor: User | None) -> None:
    fields = {name: getattr(change, name) for name in ("stage", "source") if getattr(change, name)}
    if fields:
        update_contact(contact=contact, fields=fields, actor=actor)  # type: ignore[arg-type]  # stage and source are ContactFields keys
    if change.custom:
        set_custom_values(record=contact, values=change.custom, actor=actor)
    before = _tags_and_managers(contact)
    for name in change.add_tags:
        contact.tags.add(_tag_for(contact.team_id, name))
    for name in change.remove_tags:
        contact.tags.remove(*contact.tags.filter(name__iexact=name.strip()))
    if change.add_managers:
        contact.managers.add(*_check_members(contact.team_id, change.add_managers))
    if change.remove_managers:
        contact.managers.remove(*change.remove_managers)
    record_diff(contact, before=before, after=_tags_and_managers(contact), actor=actor)


def bulk_update_contacts(
    *, contacts: Iterable[Contact], change: BulkChange, check: Check, actor: User | None
) -> list[BulkResult]:
    """Apply `change` to every contact the user may change; one result per contact."""
    if change.is_empty():
        raise ContactsError(_("Choose what to change."))
    return _each(contacts, check, lambda contact: _apply_change(contact, change, actor))


def _set_lock(contact: Contact, locked: bool, actor: User | None) -> None:
    before = {"is_locked": contact.is_locked}
    contact.is_locked = locked
    contact.updated_at = timezone.now()
    contact.save(update_fields=["is_locked", "updated_at"])
    record_diff(contact, before=before, after={"is_locked": locked}, actor=actor)


def bulk_lock_contacts(
    *, contacts: Iterable[Contact], locked: bool, check: Check, actor: User | None
) -> list[BulkResult]:
    """Lock (read-only except for team admins) or unlock each contact."""
    return _each(contacts, check, lambda contact: _set_lock(contact, locked, actor))


def _delete(contact: Contact) -> None:
    delete_contact(contact=contact)


def bulk_delete_contacts(*, contacts: Iterable[Contact], check: Check) -> list[BulkResult]:
    return _each(contacts, check, _delete)
