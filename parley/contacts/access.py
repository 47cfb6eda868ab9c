"""Fetch contacts and organizations for a user: 404 for outsiders, 403 for readers' writes.

Views and API handlers use only these helpers to load a single record (STYLE.md section 4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parley.accounts.access import can_manage_team, check_team_access, memberships_for_user
from parley.accounts.models import MANAGE_ROLES, Team
from parley.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    Lead,
    Organization,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

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


def get_lead_for_user(user: AnyUser, lead_id: int, *, write: bool = False) -> Lead:
    lead = (
        Lead.objects.visible_to(user)
        .select_related("salesperson", "converted_to")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise Http404
    check_team_access(user, lead.team_id, write=write)
    return lead


RECORD_TYPES = ("contact", "organization", "lead")


def get_record_for_user(
    user: AnyUser, record_type: str, record_id: int, *, write: bool = False
) -> Contact | Organization | Lead:
    """A contact, organization or lead by its type name (timeline URLs use all three)."""
    if record_type == "contact":
        return get_contact_for_user(user, record_id, write=write)
    if record_type == "organization":
        return get_organization_for_user(user, record_id, write=write)
    if record_type == "lead":
        return get_lead_for_user(user, record_id, write=write)
    raise Http404


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


def configurable_teams_for_user(user: AnyUser) -> QuerySet[Team]:
    """Teams whose lists and custom fields `user` configures: where they are admin or
    manager (every team for an installation administrator)."""
    if user.is_authenticated and user.is_superuser and user.is_active:
        return Team.objects.all()
    return Team.objects.filter(
        pk__in=memberships_for_user(user).filter(role__in=MANAGE_ROLES).values("team_id")
    )


def get_configurable_team_for_user(user: AnyUser, team_id: int) -> Team:
    """404 for outsiders, PermissionDenied for members who are not admin or manager."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None or not (user.is_authenticated and user.is_superuser):
        check_team_access(user, team_id)
    if team is None:
        raise Http404
    if not can_manage_team(user, team_id):
        raise PermissionDenied
    return team
