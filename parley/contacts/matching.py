"""Find the contacts and organizations an e-mail address, phone number or domain belongs to.

Triage, mail ingestion and call ingestion (issue 7, TR2) call these read-only functions with
the team ids they act for. Inputs are normalized the same way stored values are, so
`Jan@Example.PL`, `0048 601 234 567` and `+48601234567` all match. Input that cannot be
normalized matches nothing rather than raising: callers pass whatever arrived from outside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Contact, Organization
from parley.contacts.normalize import domain_of, normalize_domain, normalize_email, normalize_phone

if TYPE_CHECKING:
    from collections.abc import Iterable


def match_address(team_ids: Iterable[int], address: str) -> list[Contact]:
    """Contacts owning `address` (at most one per team, as addresses are unique per team)."""
    try:
        normalized = normalize_email(address)
    except ContactsError:
        return []
    return list(
        Contact.objects.for_teams(team_ids)
        .filter(emails__address=normalized)
        .select_related("organization")
        .order_by("team_id", "pk")
    )


def match_phone(
    team_ids: Iterable[int], raw_number: str, *, region: str | None = None
) -> list[Contact]:
    """Contacts with this number in E.164 — possibly several (a shared switchboard)."""
    try:
        e164 = normalize_phone(raw_number, region=region)
    except ContactsError:
        return []
    return list(
        Contact.objects.for_teams(team_ids)
        .filter(phones__e164=e164)
        .select_related("organization")
        .distinct()
        .order_by("team_id", "last_name", "first_name", "pk")
    )


def organizations_for_domain(team_ids: Iterable[int], domain: str) -> list[Organization]:
    """Organizations that own `domain` (one per team at most). Accepts an address too."""
    try:
        normalized = normalize_domain(domain_of(domain) if "@" in domain else domain)
    except ContactsError:
        return []
    return list(
        Organization.objects.for_teams(team_ids)
        .filter(domains__domain=normalized)
        .order_by("team_id", "pk")
    )


def organizations_for_address(team_ids: Iterable[int], address: str) -> list[Organization]:
    """Suggested organizations for mail from an unknown `address`, by its domain."""
    return organizations_for_domain(team_ids, address)
