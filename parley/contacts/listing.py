"""Sorting, keyset pagination and column choice of the contact, organization and lead
lists (LV1).

Pages are cut with a cursor — the sort value and primary key of the last row shown — so
the database seeks with an index instead of counting and skipping rows; page 10 000 costs
what page 1 does on millions of contacts.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.utils.functional import _StrPromise

PAGE_SIZE = 50

# Sort key in the query string -> model field.
SORTS: dict[str, str] = {
    "last_name": "last_name",
    "first_name": "first_name",
    "city": "city",
    "stage": "stage",
    "created": "created_at",
    "updated": "updated_at",
}
DATETIME_SORTS = frozenset({"created_at", "updated_at"})
LEAD_SORTS: dict[str, str] = {
    "created": "created_at",
    "updated": "updated_at",
    "name": "name",
    "company": "company",
    "status": "status",
}
ORGANIZATION_SORTS: dict[str, str] = {
    "name": "name",
    "city": "city",
    "created": "created_at",
    "updated": "updated_at",
}

# What the sort menus show for each key (translated; the key stays in the URL).
SORT_LABELS: dict[str, str | _StrPromise] = {
    "last_name": _("Last name"),
    "first_name": _("First name"),
    "city": _("City"),
    "stage": _("Stage"),
    "created": _("Created"),
    "updated": _("Last changed"),
    "name": _("Name"),
    "company": _("Company"),
    "status": _("Status"),
}


def sort_choices(sorts: dict[str, str]) -> dict[str, str | _StrPromise]:
    """Sort key -> label, for a list's sort menu."""
    return {key: SORT_LABELS.get(key, key) for key in sorts}


COLUMNS: dict[str, str | _StrPromise] = {
    "name": _("Name"),
    "organization": _("Organization"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "stage": _("Stage"),
    "tags": _("Tags"),
    "position": _("Position"),
    "source": _("Acquisition source"),
    "account_type": _("Account type"),
    "city": _("City"),
    "country": _("Country"),
    "managers": _("Managers"),
    "created": _("Created"),
}
DEFAULT_COLUMNS = ("name", "organization", "email", "phone", "stage", "tags")

ORGANIZATION_COLUMNS: dict[str, str | _StrPromise] = {
    "name": _("Name"),
    "tax_id": _("NIP"),
    "domains": _("Domains"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "city": _("City"),
    "country": _("Country"),
    "account_type": _("Account type"),
    "tags": _("Tags"),
    "managers": _("Managers"),
    "contacts": _("Contacts"),
    "created": _("Created"),
}
DEFAULT_ORGANIZATION_COLUMNS = ("name", "tax_id", "domains", "city", "tags")

LEAD_COLUMNS: dict[str, str | _StrPromise] = {
    "code": _("Code"),
    "name": _("Enquiry"),
    "contact_name": _("Contact person"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "company": _("Company"),
    "status": _("Status"),
    "source": _("Acquisition source"),
    "salesperson": _("Salesperson"),
    "next_step": _("Next step"),
    "created": _("Created"),
}
DEFAULT_LEAD_COLUMNS = (
    "code",
    "name",
    "contact_name",
    "company",
    "status",
    "salesperson",
    "created",
)


def chosen_columns(
    raw: list[str],
    custom_keys: list[str],
    *,
    columns: dict[str, str | _StrPromise] = COLUMNS,
    default: tuple[str, ...] = DEFAULT_COLUMNS,
) -> list[str]:
    """The columns asked for, in their order, unknown ones dropped (default when none).
    Custom fields are `cf:<key>`."""
    allowed = set(columns) | {f"cf:{key}" for key in custom_keys}
    chosen = [c for c in dict.fromkeys(raw) if c in allowed]
    return chosen or list(default)


@dataclass(frozen=True, slots=True)
class Page[T: Model]:
    rows: list[T]
    next_cursor: str
    sort: str


def _encode(value: object, pk: int) -> str:
    text = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([text, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, field: str) -> tuple[object, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if field in DATETIME_SORTS:
            value = datetime.fromisoformat(value)
    except (binascii.Error, ValueError, TypeError):
        return None
    if not isinstance(pk, int):
        return None
    return value, pk


def sort_field(
    sort: str, sorts: dict[str, str] = SORTS, default: str = "last_name"
) -> tuple[str, bool]:
    """(model field, descending) of a sort key like `-created`; unknown keys sort by the
    default."""
    descending = sort.startswith("-")
    field = sorts.get(sort.removeprefix("-"), default)
    return field, descending


def keyset_page[T: Model](  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    records: QuerySet[T],
    *,
    sort: str,
    cursor: str = "",
    size: int = PAGE_SIZE,
    sorts: dict[str, str] = SORTS,
    default: str = "last_name",
) -> Page[T]:
    """One page of `records` ordered by `sort` then primary key, after `cursor`."""
    field, descending = sort_field(sort, sorts, default)
    ordered = records.order_by(f"-{field}", "-pk") if descending else records.order_by(field, "pk")
    decoded = _decode(cursor, field) if cursor else None
    if decoded is not None:
        value, pk = decoded
        op = "lt" if descending else "gt"
        ordered = ordered.filter(
            Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})
        )
    rows = list(ordered[: size + 1])
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode(getattr(last, field), last.pk)
    return Page(rows=rows, next_cursor=next_cursor, sort=sort)
