"""Read a contacts CSV and turn its rows into drafts through a column mapping (LV2).

`read_csv` sniffs the delimiter (comma or semicolon, as Polish spreadsheets write) and the
encoding (UTF-8 with or without BOM, else Windows-1250). `draft_rows` applies the mapping:
one CSV column per target, several columns may feed `email` and `phone`. Values of list
fields may be keys or labels. The drafts are then checked and saved by
`parley.contacts.services.importing`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parley.contacts.choices import options_for
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import ChoiceKind

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from parley.contacts.models import CustomField

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

PLAIN_TARGETS: dict[str, str | _StrPromise] = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("E-mail address"),
    "phone": gettext_lazy("Phone number"),
    "position": gettext_lazy("Position"),
    "stage": gettext_lazy("Stage"),
    "source": gettext_lazy("Acquisition source"),
    "account_type": gettext_lazy("Account type"),
    "address_line1": gettext_lazy("Address line 1"),
    "address_line2": gettext_lazy("Address line 2"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("City"),
    "region": gettext_lazy("Region"),
    "country": gettext_lazy("Country"),
    "note": gettext_lazy("Note"),
    "organization": gettext_lazy("Organization name"),
    "tax_id": gettext_lazy("Organization tax id (NIP)"),
    "tags": gettext_lazy("Tags (comma-separated)"),
}
LIST_FIELDS = {
    "stage": ChoiceKind.STAGE,
    "position": ChoiceKind.POSITION,
    "source": ChoiceKind.SOURCE,
    "account_type": ChoiceKind.ACCOUNT_TYPE,
}
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "position",
    "stage",
    "source",
    "account_type",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "region",
    "country",
    "note",
)
ORGANIZATION_TARGETS: dict[str, str | _StrPromise] = {
    "name": gettext_lazy("Name"),
    "tax_id": gettext_lazy("Tax id (NIP)"),
    "domain": gettext_lazy("Mail domain"),
    "email": gettext_lazy("E-mail address"),
    "phone": gettext_lazy("Phone number"),
    "account_type": gettext_lazy("Account type"),
    "address_line1": gettext_lazy("Address line 1"),
    "address_line2": gettext_lazy("Address line 2"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("City"),
    "region": gettext_lazy("Region"),
    "country": gettext_lazy("Country"),
    "note": gettext_lazy("Note"),
    "tags": gettext_lazy("Tags (comma-separated)"),
}
ORGANIZATION_FIELDS = (
    "name",
    "account_type",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "region",
    "country",
    "note",
)

# Header names recognized without mapping by hand (lower case, Polish and English).
GUESSES = {
    "imię": "first_name",
    "imie": "first_name",
    "first name": "first_name",
    "nazwisko": "last_name",
    "last name": "last_name",
    "e-mail": "email",
    "email": "email",
    "telefon": "phone",
    "phone": "phone",
    "stanowisko": "position",
    "position": "position",
    "miasto": "city",
    "city": "city",
    "kod pocztowy": "postal_code",
    "postal code": "postal_code",
    "firma": "organization",
    "organization": "organization",
    "company": "organization",
    "nip": "tax_id",
    "nazwa": "name",
    "name": "name",
    "domena": "domain",
    "domain": "domain",
    "tagi": "tags",
    "tags": "tags",
}


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass(slots=True)
class Draft:
    """One CSV row mapped onto a contact (line is the 1-based line in the file)."""

    line: int
    fields: dict[str, str] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organization: str = ""
    tax_id: str = ""
    domains: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1250")


def read_csv(data: bytes) -> Table:
    """The header and rows of a CSV file; ContactsError when it is empty or too large."""
    if len(data) > MAX_BYTES:
        raise ContactsError(_("The file is larger than 2 MB; split it."))
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    lines = [row for row in reader if any(cell.strip() for cell in row)]
    if len(lines) < 2:
        raise ContactsError(_("The file needs a header line and at least one row."))
    if len(lines) > MAX_ROWS + 1:
        raise ContactsError(_("At most 5000 rows can be imported at once."))
    header = [cell.strip() for cell in lines[0]]
    width = len(header)
    rows = [(row + [""] * width)[:width] for row in lines[1:]]
    return Table(header=header, rows=rows)


def targets(definitions: list[CustomField], *, organizations: bool = False) -> dict[str, str]:
    """Mapping targets offered for a team: plain fields and its custom fields."""
    plain = ORGANIZATION_TARGETS if organizations else PLAIN_TARGETS
    choices = {key: str(label) for key, label in plain.items()}
    choices |= {f"cf:{d.key}": str(d.label) for d in definitions}
    return choices


def guess_mapping(
    header: list[str], definitions: list[CustomField], *, organizations: bool = False
) -> list[str]:
    """A first mapping from the header names ("" means: ignore the column)."""
    offered = targets(definitions, organizations=organizations)
    labels = {label.lower(): key for key, label in offered.items()}
    guesses = [GUESSES.get(name.lower(), labels.get(name.lower(), "")) for name in header]
    return [guess if guess in offered else "" for guess in guesses]


def _list_keys(team_id: int) -> dict[str, dict[str, str]]:
    """Per list field: lower-case key or label -> key."""
    keys: dict[str, dict[str, str]] = {}
    for name, kind in LIST_FIELDS.items():
        keys[name] = {}
        for option in options_for(team_id, kind):
            keys[name][option.label.lower()] = option.key
            keys[name][option.key.lower()] = option.key
    return keys


def _put(  # noqa: PLR0913  # the mapping context of one cell
    draft: Draft,
    target: str,
    value: str,
    *,
    list_keys: dict[str, dict[str, str]],
    plain_fields: tuple[str, ...],
    organizations: bool,
) -> None:
    """Store one mapped cell on the draft."""
    if target == "email":
        draft.emails.append(value)
    elif target == "phone":
        draft.phones.append(value)
    elif target == "organization":
        draft.organization = value
    elif target == "tax_id" and organizations:
        draft.fields["tax_id"] = value
    elif target == "tax_id":
        draft.tax_id = value
    elif target == "domain":
        draft.domains += [d.strip() for d in value.split(",") if d.strip()]
    elif target == "tags":
        draft.tags += [t.strip() for t in value.split(",") if t.strip()]
    elif target.startswith("cf:"):
        draft.custom[target[3:]] = value
    elif target in LIST_FIELDS:
        draft.fields[target] = list_keys[target].get(value.lower(), value)
    elif target in plain_fields:
        draft.fields[target] = value


def draft_rows(
    table: Table, mapping: list[str], team_id: int, *, organizations: bool = False
) -> list[Draft]:
    """Drafts of every row; list values written as key or label (any case) become keys.
    For organizations, `fields` holds organization fields and `domains` its domains."""
    list_keys = _list_keys(team_id)
    plain_fields = ORGANIZATION_FIELDS if organizations else CONTACT_FIELDS
    drafts = []
    for index, row in enumerate(table.rows, start=2):
        draft = Draft(line=index)
        for target, raw in zip(mapping, row, strict=True):
            value = raw.strip()
            if target and value:
                _put(
                    draft,
                    target,
                    value,
                    list_keys=list_keys,
                    plain_fields=plain_fields,
                    organizations=organizations,
                )
        drafts.append(draft)
    return drafts
