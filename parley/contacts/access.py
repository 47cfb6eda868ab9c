"""Fetch contacts and organizations for a user: 404 for outsiders, 403 for readers' writes.

Views and API handlers use only these helpers to load a single record (STYLE.md section 4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from parley.accounts.access import check_team_access
from parley.contacts.models import Contact, ContactEmail, ContactPhone, Organization

if TYPE_CHECKING:
    from parley.accounts.access import AnyUser


def get_contact_for_user(user: AnyUser, contact_id: int, *, write: bool = False) -> Contact:
    contact = (
        Contact.objects.visible_to(user)
        .select_related("organization")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise Http404
    check_team_access(user, contact.team_id, write=write)
    return contact


def get_organization_for_user(
    user: AnyUser, organization_id: int, *, write: bool = False
) -> Organization:
    organization = Organization.objects.visible_to(user).filter(pk=organization_id).first()
    if organization is None:
        raise Http404
    check_team_access(user, organization.team_id, write=write)
    return organization


def get_email_of_contact(contact: Contact, email_id: int) -> ContactEmail:
    """An address of `contact` (already fetched for writing), or 404."""
    email = contact.emails.filter(pk=email_id).first()
    if email is None:
        raise Http404
    return email


def get_phone_of_contact(contact: Contact, phone_id: int) -> ContactPhone:
    """A number of `contact` (already fetched for writing), or 404."""
    phone = contact.phones.filter(pk=phone_id).first()
    if phone is None:
        raise Http404
    return phone
