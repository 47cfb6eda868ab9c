"""Export a filtered contact or organization list as CSV or XLSX (LV2): the chosen columns in the chosen
order, list keys shown as their labels, custom fields as their display text.

Rows are read in chunks with their relations prefetched, so a large export keeps a fixed
number of queries per chunk. The caller has already applied the access rules
(`Contact.objects.visible_to`).
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from parley.contacts.choices import ChoiceLabels
from parley.contacts.custom_fields import display_value, parse_custom
from parley.contacts.listing import COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from parley.contacts.models import (
        Contact,
        ContactQuerySet,
        CustomField,
        LeadQuerySet,
        OrganizationQuerySet,
    )

CHUNK = 500
# A list of E.164 numbers, which is safe to leave as it is.
PHONES = re.compile(r"\+\d+(, \+\d+)*")


def _cell(contact: Contact, column: str, labels: ChoiceLabels) -> str:  # noqa: PLR0911  # one return per column kind reads best
    team = contact.team_id
    match column:
        case "name":
            return contact.display_name
        case "organization":
            return contact.organization.name if contact.organization else ""
        case "email":
            return ", ".join(e.address for e in contact.emails.all())
        case "phone":
            return ", ".join(p.e164 for p in contact.phones.all())
        case "tags":
            return ", ".join(t.name for t in contact.tags.all())
        case "managers":
            return ", ".join(str(u) for u in contact.managers.all())
        case "stage" | "source" | "position" | "account_type":
            return labels.label(team, column, getattr(contact, column))
        case "created":
            return contact.created_at.isoformat(timespec="seconds")
        case _ if column.startswith("cf:"):
            return display_value(parse_custom(contact.custom).get(column[3:]))
        case _:
            return str(getattr(contact, column, ""))


def header(columns: list[str], definitions: list[CustomField]) -> list[str]:
    names = {f"cf:{d.key}": d.label for d in definitions}
    return [str(COLUMNS.get(c) or names.get(c, c)) for c in columns]


def rows(
    contacts: ContactQuerySet, columns: list[str], labels: ChoiceLabels
) -> Iterator[list[str]]:
    prefetched = contacts.select_related("organization").prefetch_related(
        "emails", "phones", "tags", "managers"
    )
    for contact in prefetched.iterator(chunk_size=CHUNK):
        yield [_cell(contact, column, labels) for column in columns]


def _safe(value: str) -> str:
    """Neutralize spreadsheet formulas (CSV injection): a leading =, +, - or @ is quoted.
    Lists of E.164 numbers start with + but hold nothing else, so they stay as they are."""
    if value[:1] in {"=", "@", "-"} or (value[:1] == "+" and not PHONES.fullmatch(value)):
        return "'" + value
    return value


def to_csv(head: list[str], body: Iterator[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    for row in body:
        writer.writerow([_safe(cell) for cell in row])
    # A byte order mark makes spreadsheet programs read UTF-8 (Polish letters) correctly.
    return ("\ufeff" + buffer.getvalue()).encode()


def to_xlsx(head: list[str], body: Iterator[list[str]], title: str = "Contacts") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(head)
    for row in body:
        sheet.append([_safe(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def organization_table(
    organizations: OrganizationQuerySet, labels: ChoiceLabels, definitions: list[CustomField]
) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows of an organization export: fixed columns, then custom fields."""
    head = [
        str(_("Name")),
        str(_("Tax id (NIP)")),
        str(_("Mail domains")),
        str(_("E-mail")),
        str(_("Phone")),
        str(_("Account type")),
        str(_("Postal code")),
        str(_("City")),
        str(_("Country")),
        str(_("Tags")),
        str(_("Managers")),
        *[d.label for d in definitions],
    ]

    def body() -> Iterator[list[str]]:
        prefetched = organizations.prefetch_related(
            "domains", "emails", "phones", "tags", "managers"
        )
        for org in prefetched.iterator(chunk_size=CHUNK):
            custom = parse_custom(org.custom)
            yield [
                org.name,
                org.tax_id,
                ", ".join(d.domain for d in org.domains.all()),
                ", ".join(e.address for e in org.emails.all()),
                ", ".join(p.e164 for p in org.phones.all()),
                labels.label(org.team_id, "account_type", org.account_type),
                org.postal_code,
                org.city,
                org.country,
                ", ".join(t.name for t in org.tags.all()),
                ", ".join(str(u) for u in org.managers.all()),
                *[display_value(custom.get(d.key)) for d in definitions],
            ]

    return head, body()


def lead_table(leads: LeadQuerySet, labels: ChoiceLabels) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows of a lead export."""
    head = [
        str(_("Code")),
        str(_("Enquiry")),
        str(_("Contact person")),
        str(_("E-mail")),
        str(_("Phone")),
        str(_("Company")),
        str(_("Status")),
        str(_("Acquisition source")),
        str(_("Salesperson")),
        str(_("Next step")),
        str(_("Created")),
        str(_("Converted to")),
    ]

    def body() -> Iterator[list[str]]:
        for lead in leads.select_related("salesperson", "converted_to").iterator(chunk_size=CHUNK):
            yield [
                lead.code,
                lead.name,
                lead.contact_name,
                lead.email,
                lead.phone_e164,
                lead.company,
                labels.label(lead.team_id, "lead_status", lead.status),
                labels.label(lead.team_id, "source", lead.source) if lead.source else "",
                str(lead.salesperson) if lead.salesperson else "",
                lead.next_step,
                lead.created_at.isoformat(timespec="seconds"),
                lead.converted_to.display_name if lead.converted_to else "",
            ]

    return head, body()
