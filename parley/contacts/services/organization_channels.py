"""Set an organization's own e-mail addresses and phone numbers (CR2).

Both lists are replaced as a whole (the form and the API send every value), checked and
normalized before anything is written: addresses lower-cased and validated, numbers kept as
typed and in E.164 (duplicates in the list are dropped). The change lands on the
organization's timeline. Runs in `transaction.atomic()`; no side effect beyond the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from parley.contacts.models import Organization, OrganizationEmail, OrganizationPhone
from parley.contacts.normalize import normalize_email, normalize_phone
from parley.contacts.services.timeline import record_diff

if TYPE_CHECKING:
    from collections.abc import Iterable

    from parley.accounts.models import User


def _texts(organization: Organization) -> dict[str, str]:
    return {
        "emails": ", ".join(e.address for e in organization.emails.all()),
        "phones": ", ".join(p.raw for p in organization.phones.all()),
    }


def clean_emails(addresses: Iterable[str]) -> list[str]:
    """Normalized, without duplicates; InvalidEmailError for a bad one."""
    return list(dict.fromkeys(normalize_email(a) for a in addresses if a.strip()))


def clean_phones(numbers: Iterable[str]) -> dict[str, str]:
    """E.164 -> as typed, without duplicates; InvalidPhoneError for a bad one."""
    cleaned: dict[str, str] = {}
    for raw in numbers:
        if raw.strip():
            cleaned.setdefault(normalize_phone(raw), raw.strip())
    return cleaned


def set_organization_channels(
    *,
    organization: Organization,
    emails: Iterable[str] | None = None,
    phones: Iterable[str] | None = None,
    actor: User | None = None,
    log: bool = True,
) -> Organization:
    """Replace the organization's addresses and/or numbers (None leaves one alone); with
    `log` the change lands on the timeline (not when the organization is being created)."""
    addresses = clean_emails(emails) if emails is not None else None
    numbers = clean_phones(phones) if phones is not None else None
    with transaction.atomic():
        before = _texts(organization)
        if addresses is not None:
            organization.emails.all().delete()
            OrganizationEmail.objects.bulk_create(
                OrganizationEmail(organization=organization, address=a) for a in addresses
            )
        if numbers is not None:
            organization.phones.all().delete()
            OrganizationPhone.objects.bulk_create(
                OrganizationPhone(
                    organization=organization, team_id=organization.team_id, raw=raw, e164=e164
                )
                for e164, raw in numbers.items()
            )
        if log:
            record_diff(organization, before=before, after=_texts(organization), actor=actor)
    return organization
