"""Who may see and change which contacts, organizations and leads; fetch them for a user:
404 for those who may not see a record, 403 for those who may see but not change it.

Views and API handlers use only these helpers to load a single record (STYLE.md section 4),
and lists start from `Contact.objects.visible_to(user)` / `Organization.objects.visible_to`,
which apply the same rules (CR3):

- A team without account roles: every member reads every account; agents and above write.
- A team with account roles (`AccountRole`): team admins and managers still read and write
  everything. Other members read the accounts they manage and those of the types they are
  reader or admin of; they change the accounts they manage and those of the types they
  administer (never as a team reader), and admins of a type delete its accounts.
- A locked account is read-only for everyone but team admins (LV2).

Leads stay visible to the whole team; agents and above change them, and a locked lead is
read-only for everyone but team admins too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from parley.accounts.access import can_manage_team, check_team_access, memberships_for_user
from parley.accounts.models import MANAGE_ROLES, WRITE_ROLES, Role, Team, User
from parley.contacts.models import (
    AccountRole,
    AccountRoleKind,
    Contact,
    ContactEmail,
    ContactPhone,
    Lead,
    Organization,
    SavedView,
    Tag,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import QuerySet

    from parley.accounts.access import AnyUser

Account = Contact | Organization


@dataclass(frozen=True, slots=True)
class TeamLimits:
    """A restricted member's reach in one team."""

    read_types: frozenset[str]
    admin_types: frozenset[str]
    can_write: bool


@dataclass(frozen=True, slots=True)
class AccountScope:
    """What one user may see of each team's accounts, computed in two queries."""

    user_id: int | None
    full_read: frozenset[int] = frozenset()
    full_write: frozenset[int] = frozenset()
    limited: dict[int, TeamLimits] = field(default_factory=dict)

    def condition(self) -> Q:
        """Accounts the user may read (managers__ joins: use in a pk__in subquery)."""
        condition = Q(team_id__in=self.full_read)
        for team_id, limits in self.limited.items():
            condition |= Q(team_id=team_id) & (
                Q(managers__pk=self.user_id) | Q(account_type__in=limits.read_types)
            )
        return condition

    def may_write(self, account: Account, *, is_manager: bool) -> bool:
        if account.team_id in self.full_write:
            return True
        limits = self.limited.get(account.team_id)
        if limits is None or not limits.can_write:
            return False
        return is_manager or account.account_type in limits.admin_types

    def may_delete(self, account: Account) -> bool:
        limits = self.limited.get(account.team_id)
        return (
            limits is not None and limits.can_write and account.account_type in limits.admin_types
        )


def account_scope(user: AnyUser) -> AccountScope:
    memberships = list(memberships_for_user(user).values_list("team_id", "role"))
    if not memberships or user.pk is None:
        return AccountScope(user_id=None)
    team_ids = [team_id for team_id, _role in memberships]
    restricted = set(
        AccountRole.objects.filter(team_id__in=team_ids).values_list("team_id", flat=True)
    )
    mine: dict[int, dict[str, set[str]]] = {}
    if restricted:
        for team_id, account_type, role in AccountRole.objects.filter(
            user_id=user.pk, team_id__in=restricted
        ).values_list("team_id", "account_type", "role"):
            mine.setdefault(team_id, {}).setdefault(role, set()).add(account_type)
    full_read, full_write, limited = set(), set(), {}
    for team_id, role in memberships:
        if role in MANAGE_ROLES or team_id not in restricted:
            full_read.add(team_id)
            if role in WRITE_ROLES:
                full_write.add(team_id)
            continue
        roles = mine.get(team_id, {})
        admin = frozenset(roles.get(AccountRoleKind.ADMIN, set()))
        limited[team_id] = TeamLimits(
            read_types=admin | frozenset(roles.get(AccountRoleKind.READER, set())),
            admin_types=admin,
            can_write=role in WRITE_ROLES,
        )
    return AccountScope(
        user_id=user.pk,
        full_read=frozenset(full_read),
        full_write=frozenset(full_write),
        limited=limited,
    )


def check_account_write(user: AnyUser, account: Account) -> None:
    """PermissionDenied unless `user` may change `account` (which they can already see)."""
    role = check_team_access(user, account.team_id, write=True)
    if account.is_locked and not (role == Role.ADMIN or user.is_superuser):
        raise PermissionDenied
    scope = account_scope(user)
    is_manager = account.managers.filter(pk=user.pk).exists()
    if not scope.may_write(account, is_manager=is_manager):
        raise PermissionDenied


def can_write_account(user: AnyUser, account: Account) -> bool:
    try:
        check_account_write(user, account)
    except (PermissionDenied, Http404):
        return False
    return True


def can_delete_account(user: AnyUser, account: Account) -> bool:
    """Team admins and managers, and admins of the account's type."""
    if can_manage_team(user, account.team_id):
        return True
    return account_scope(user).may_delete(account)


def get_contact_for_user(user: AnyUser, contact_id: int, *, write: bool = False) -> Contact:
    contact = (
        Contact.objects.visible_to(user)
        .select_related("organization")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise Http404
    check_team_access(user, contact.team_id)
    if write:
        check_account_write(user, contact)
    return contact


def get_organization_for_user(
    user: AnyUser, organization_id: int, *, write: bool = False
) -> Organization:
    organization = Organization.objects.visible_to(user).filter(pk=organization_id).first()
    if organization is None:
        raise Http404
    check_team_access(user, organization.team_id)
    if write:
        check_account_write(user, organization)
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
    check_team_access(user, lead.team_id)
    if write:
        check_lead_write(user, lead)
    return lead


def check_lead_write(user: AnyUser, lead: Lead) -> None:
    """PermissionDenied unless `user` may change `lead`: agents and above of its team, and
    only team admins once it is locked."""
    role = check_team_access(user, lead.team_id, write=True)
    if lead.is_locked and not (role == Role.ADMIN or user.is_superuser):
        raise PermissionDenied


def can_write_lead(user: AnyUser, lead: Lead) -> bool:
    try:
        check_lead_write(user, lead)
    except (PermissionDenied, Http404):
        return False
    return True


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


SAVED_VIEW_TARGETS = ("contact", "organization", "lead")


def saved_views_for_user(user: AnyUser, target: str | None) -> QuerySet[SavedView]:
    """The user's own views of a list (of every list when `target` is None) and those
    their teammates shared."""
    if not user.is_authenticated:
        return SavedView.objects.none()
    teams = memberships_for_user(user).values("team_id")
    views = SavedView.objects.filter(Q(owner_id=user.pk) | Q(is_shared=True, team_id__in=teams))
    return views if target is None else views.filter(target=target)


def get_saved_view_for_user(user: AnyUser, view_id: int, *, write: bool = False) -> SavedView:
    """A view the user sees; only its owner (or a team admin or manager) changes it."""
    view = saved_views_for_user(user, None).filter(pk=view_id).first()
    if view is None:
        raise Http404
    if write and view.owner_id != user.pk and not can_manage_team(user, view.team_id):
        raise PermissionDenied
    return view


def with_creator(user: User, team_id: int, managers: Iterable[User]) -> list[User]:
    """The managers of a new account: in a restricted team, a member below manager who
    creates an account becomes one of its managers, or they could not open it again."""
    chosen = list(managers)
    if team_id in account_scope(user).limited and user.pk not in {m.pk for m in chosen}:
        chosen.append(user)
    return chosen


def get_tag_for_user(user: AnyUser, tag_id: int, *, write: bool = False) -> Tag:
    """A tag of one of the user's teams (404 otherwise); renaming or deleting one is for
    team admins and managers (PermissionDenied)."""
    tag = Tag.objects.filter(pk=tag_id, team_id__in=memberships_for_user(user).values("team_id"))
    found = tag.first()
    if found is None:
        raise Http404
    if write and not can_manage_team(user, found.team_id):
        raise PermissionDenied
    return found
