"""Bulk work on many contacts, organizations or leads at once (LV2): mass edit, lock/unlock
and delete, each record in its own transaction so one failure never undoes the others,
with a result per record.

The caller passes `check`, which raises PermissionDenied for a record the user may not
change (views pass a closure over `parley.contacts.access`); services stay free of request
objects. No side effects beyond the database (and deleting avatar files after the commit).
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
from parley.contacts.models import Contact, Lead, Organization
from parley.contacts.services import (
    UNSET,
    Unset,
    _check_members,
    _tag_for,
    _touch,
    delete_contact,
    delete_organization,
    set_custom_values,
    update_contact,
    update_organization,
)
from parley.contacts.services.leads import LeadFields, delete_lead, update_lead
from parley.contacts.services.timeline import record_diff

if TYPE_CHECKING:
    from parley.accounts.models import User

type Record = Contact | Organization | Lead
type Check[R: Record] = Callable[[R], None]


@dataclass(frozen=True, slots=True)
class BulkChange:
    """What a mass edit changes; empty parts are left alone. Leads take `stage` as their
    status and `add_managers[0]` as their salesperson; they have no tags or custom fields."""

    stage: str = ""
    source: str = ""
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    add_managers: tuple[User, ...] = ()
    remove_managers: tuple[User, ...] = ()
    custom: Mapping[str, object] = field(default_factory=dict)
    account_type: str = ""

    def is_empty(self) -> bool:
        return not (
            self.stage
            or self.source
            or self.account_type
            or self.add_tags
            or self.remove_tags
            or self.add_managers
            or self.remove_managers
            or self.custom
        )


@dataclass(frozen=True, slots=True)
class BulkResult:
    record_id: int
    name: str
    ok: bool
    message: str = ""

    @property
    def contact_id(self) -> int:
        return self.record_id


def _name(record: Record) -> str:
    if isinstance(record, Contact):
        return record.display_name
    return str(record)


def _each[R: Record](
    records: Iterable[R], check: Check[R], action: Callable[[R], object]
) -> list[BulkResult]:
    results = []
    for record in records:
        name = _name(record)
        try:
            check(record)
            with transaction.atomic():
                action(record)
        except PermissionDenied:
            results.append(BulkResult(record.pk, name, ok=False, message=_("Not allowed.")))
        except ContactsError as error:
            results.append(BulkResult(record.pk, name, ok=False, message=str(error)))
        else:
            results.append(BulkResult(record.pk, name, ok=True))
    return results


def _tags_and_managers(record: Contact | Organization) -> dict[str, str]:
    return {
        "tags": ", ".join(sorted(t.name for t in record.tags.all())),
        "managers": ", ".join(sorted(str(u) for u in record.managers.all())),
    }


def _apply_relations(
    record: Contact | Organization, change: BulkChange, actor: User | None
) -> None:
    if change.custom:
        set_custom_values(record=record, values=change.custom, actor=actor)
    before = _tags_and_managers(record)
    for name in change.add_tags:
        record.tags.add(_tag_for(record.team_id, name))
    for name in change.remove_tags:
        record.tags.remove(*record.tags.filter(name__iexact=name.strip()))
    if change.add_managers:
        record.managers.add(*_check_members(record.team_id, change.add_managers))
    if change.remove_managers:
        record.managers.remove(*change.remove_managers)
    after = _tags_and_managers(record)
    if after != before:
        _touch(record)
    record_diff(record, before=before, after=after, actor=actor)


def _apply_change(contact: Contact, change: BulkChange, actor: User | None) -> None:
    names = ("stage", "source", "account_type")
    fields = {name: getattr(change, name) for name in names if getattr(change, name)}
    if fields:
        update_contact(contact=contact, fields=fields, actor=actor)  # type: ignore[arg-type]  # the names are ContactFields keys
    _apply_relations(contact, change, actor)


def _apply_organization_change(
    organization: Organization, change: BulkChange, actor: User | None
) -> None:
    if change.stage or change.source:
        raise ContactsError(_("Organizations have no stage or source."))
    if change.account_type:
        update_organization(
            organization=organization, fields={"account_type": change.account_type}, actor=actor
        )
    _apply_relations(organization, change, actor)


def _apply_lead_change(lead: Lead, change: BulkChange, actor: User | None) -> None:
    if change.add_tags or change.remove_tags or change.custom or change.account_type:
        raise ContactsError(_("Leads have no tags, custom fields or account type."))
    fields: LeadFields = {}
    if change.stage:
        fields["status"] = change.stage
    if change.source:
        fields["source"] = change.source
    salesperson: User | Unset | None = UNSET
    if change.add_managers:
        salesperson = change.add_managers[0]
    elif lead.salesperson_id in {user.pk for user in change.remove_managers}:
        salesperson = None
    update_lead(lead=lead, fields=fields, salesperson=salesperson, actor=actor)


def bulk_update_contacts(
    *, contacts: Iterable[Contact], change: BulkChange, check: Check[Contact], actor: User | None
) -> list[BulkResult]:
    """Apply `change` to every contact the user may change; one result per contact."""
    if change.is_empty():
        raise ContactsError(_("Choose what to change."))
    return _each(contacts, check, lambda contact: _apply_change(contact, change, actor))


def bulk_update_organizations(
    *,
    organizations: Iterable[Organization],
    change: BulkChange,
    check: Check[Organization],
    actor: User | None,
) -> list[BulkResult]:
    """Apply `change` (account type, tags, managers, a custom field) to each organization."""
    if change.is_empty():
        raise ContactsError(_("Choose what to change."))
    return _each(organizations, check, lambda org: _apply_organization_change(org, change, actor))


def bulk_update_leads(
    *, leads: Iterable[Lead], change: BulkChange, check: Check[Lead], actor: User | None
) -> list[BulkResult]:
    """Apply `change` (status in `stage`, source, salesperson) to each lead."""
    if change.is_empty():
        raise ContactsError(_("Choose what to change."))
    return _each(leads, check, lambda lead: _apply_lead_change(lead, change, actor))


def set_lock[R: Record](*, record: R, locked: bool, actor: User | None) -> R:
    """Lock (read-only except for team admins) or unlock one record; the change lands on its
    timeline. The caller has checked that `actor` may change the record (a locked one: team
    admins only). Runs in `transaction.atomic()`; no side effect beyond the database."""
    before = {"is_locked": record.is_locked}
    with transaction.atomic():
        record.is_locked = locked
        record.updated_at = timezone.now()
        record.save(update_fields=["is_locked", "updated_at"])
        record_diff(record, before=before, after={"is_locked": locked}, actor=actor)
    return record


def bulk_lock[R: Record](
    *, records: Iterable[R], locked: bool, check: Check[R], actor: User | None
) -> list[BulkResult]:
    """Lock (read-only except for team admins) or unlock each record through `set_lock`."""
    return _each(records, check, lambda record: set_lock(record=record, locked=locked, actor=actor))


def bulk_lock_contacts(
    *, contacts: Iterable[Contact], locked: bool, check: Check[Contact], actor: User | None
) -> list[BulkResult]:
    return bulk_lock(records=contacts, locked=locked, check=check, actor=actor)


def _delete(record: Record) -> None:
    if isinstance(record, Contact):
        delete_contact(contact=record)
    elif isinstance(record, Organization):
        delete_organization(organization=record)
    else:
        delete_lead(lead=record)


def bulk_delete[R: Record](*, records: Iterable[R], check: Check[R]) -> list[BulkResult]:
    return _each(records, check, _delete)


def bulk_delete_contacts(*, contacts: Iterable[Contact], check: Check[Contact]) -> list[BulkResult]:
    return bulk_delete(records=contacts, check=check)
