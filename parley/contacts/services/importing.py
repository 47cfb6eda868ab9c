"""Import contacts or organizations from CSV drafts (LV2): check every row, report errors per row, and save
either the whole file or only the valid rows — by the user's explicit choice. A dry run
checks exactly as the import does (it runs it and rolls back), so what it reports is what
an import would do.

Duplicates are refused per row: an e-mail address another contact of the team already has
(or an earlier row of the file), a phone number already on a contact, and an organization
NIP, which attaches the row to the organization having it instead of creating a second one.
Runs in one `transaction.atomic()`; no side effects beyond the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Contact, ContactPhone, Organization
from parley.contacts.normalize import normalize_phone, normalize_tax_id
from parley.contacts.services import NewPhone, create_contact, create_organization

if TYPE_CHECKING:
    from collections.abc import Callable

    from parley.accounts.models import Team, User
    from parley.contacts.importing import Draft


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all"
    VALID_ROWS = "valid"


@dataclass(frozen=True, slots=True)
class RowResult:
    line: int
    ok: bool
    message: str = ""
    contact_id: int | None = None


@dataclass(slots=True)
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    saved: bool = False

    @property
    def valid(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def invalid(self) -> int:
        return len(self.rows) - self.valid


class _Rollback(Exception):  # noqa: N818  # a control-flow signal, not an error
    """Leaves the import transaction without saving (dry run, or all-or-nothing failed)."""


def _organization(team: Team, draft: Draft) -> Organization | None:
    if draft.tax_id:
        tax_id = normalize_tax_id(draft.tax_id)
        found = Organization.objects.for_teams([team.pk]).filter(tax_id=tax_id).first()
        if found is not None:
            return found
        name = draft.organization or tax_id
        return create_organization(team=team, fields={"name": name, "tax_id": tax_id})
    if not draft.organization:
        return None
    named = Organization.objects.for_teams([team.pk]).filter(name__iexact=draft.organization)
    return named.first() or create_organization(team=team, fields={"name": draft.organization})


def _check_phones(team: Team, draft: Draft) -> None:
    for raw in draft.phones:
        e164 = normalize_phone(raw)
        owner = ContactPhone.objects.filter(team_id=team.pk, e164=e164).select_related("contact")
        if (found := owner.first()) is not None:
            raise ContactsError(
                _("%(number)s is already the number of %(name)s.")
                % {"number": e164, "name": found.contact.display_name}
            )


def _import_row(team: Team, draft: Draft, actor: User | None) -> Contact:
    _check_phones(team, draft)
    return create_contact(
        team=team,
        fields=draft.fields,  # type: ignore[arg-type]  # draft keys are ContactFields keys
        emails=draft.emails,
        phones=[NewPhone(raw) for raw in draft.phones],
        organization=_organization(team, draft),
        tags=draft.tags,
        custom=draft.custom,
        actor=actor,
    )


def import_contacts(
    *,
    team: Team,
    drafts: list[Draft],
    mode: ImportMode,
    dry_run: bool,
    actor: User | None = None,
) -> ImportReport:
    """Check and (unless `dry_run`) save the drafts. With ALL_OR_NOTHING a single bad row
    saves nothing; with VALID_ROWS the good rows are saved and the bad ones reported."""
    return _run(drafts, mode, dry_run, lambda draft: _import_row(team, draft, actor))


def _run(
    drafts: list[Draft],
    mode: ImportMode,
    dry_run: bool,
    save: Callable[[Draft], Contact | Organization],
) -> ImportReport:
    report = ImportReport()
    try:
        with transaction.atomic():
            for draft in drafts:
                try:
                    with transaction.atomic():
                        record = save(draft)
                except ContactsError as error:
                    report.rows.append(RowResult(draft.line, ok=False, message=str(error)))
                else:
                    report.rows.append(RowResult(draft.line, ok=True, contact_id=record.pk))
            failed = report.invalid and mode == ImportMode.ALL_OR_NOTHING
            if dry_run or failed or not report.valid:
                raise _Rollback
            report.saved = True
    except _Rollback:
        report.saved = False
    if not report.saved:
        report.rows = [
            RowResult(r.line, ok=r.ok, message=r.message, contact_id=None) for r in report.rows
        ]
    return report


def _import_organization(team: Team, draft: Draft, actor: User | None) -> Organization:
    fields = dict(draft.fields)
    if fields.get("tax_id"):
        fields["tax_id"] = normalize_tax_id(fields["tax_id"])
        owner = Organization.objects.for_teams([team.pk]).filter(tax_id=fields["tax_id"]).first()
        if owner is not None:
            raise ContactsError(
                _("NIP %(nip)s is already the NIP of %(name)s.")
                % {"nip": fields["tax_id"], "name": owner.name}
            )
    return create_organization(
        team=team,
        fields=fields,  # type: ignore[arg-type]  # draft keys are OrganizationFields keys
        domains=draft.domains,
        tags=draft.tags,
        custom=draft.custom,
        actor=actor,
        emails=draft.emails,
        phones=draft.phones,
    )


def import_organizations(
    *,
    team: Team,
    drafts: list[Draft],
    mode: ImportMode,
    dry_run: bool,
    actor: User | None = None,
) -> ImportReport:
    """Like `import_contacts`, for organizations: a NIP or mail domain the team already
    has (or an earlier row has) is a duplicate and refuses the row."""
    return _run(drafts, mode, dry_run, lambda draft: _import_organization(team, draft, actor))
