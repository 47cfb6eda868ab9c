"""Who may see and change what.

Every view and API endpoint fetches team data through these helpers: they answer 404 for an
outsider (so existence is not revealed) and raise PermissionDenied when a member may read but
not write. Domain querysets offer `visible_to(user)` built on `team_ids_for_user`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parley.accounts.models import MANAGE_ROLES, WRITE_ROLES, Membership, Role, Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    AnyUser = User | AnonymousUser


def memberships_for_user(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user_id=user.pk)


def team_ids_for_user(user: AnyUser, *, write: bool = False) -> set[int]:
    """Ids of the teams whose data `user` may read (or, with write=True, change)."""
    memberships = memberships_for_user(user)
    if write:
        memberships = memberships.filter(role__in=WRITE_ROLES)
    return set(memberships.values_list("team_id", flat=True))


def role_in_team(user: AnyUser, team_id: int) -> Role | None:
    membership = memberships_for_user(user).filter(team_id=team_id).first()
    return Role(membership.role) if membership else None


def check_team_access(user: AnyUser, team_id: int, *, write: bool = False) -> Role:
    """Raise Http404 for outsiders and PermissionDenied for readers asked to write."""
    role = role_in_team(user, team_id)
    if role is None:
        raise Http404
    if write and role not in WRITE_ROLES:
        raise PermissionDenied
    return role


def can_manage_team(user: AnyUser, team_id: int) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    return role_in_team(user, team_id) in MANAGE_ROLES


def can_delete_in_team(user: AnyUser, team_id: int) -> bool:
    return memberships_for_user(user).filter(team_id=team_id, can_delete=True).exists()


def is_site_admin(user: AnyUser) -> bool:
    """Installation administrators, and admins of any team, manage users and teams."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser) or memberships_for_user(user).filter(role=Role.ADMIN).exists()


def get_team_for_user(user: AnyUser, team_id: int, *, write: bool = False) -> Team:
    check_team_access(user, team_id, write=write)
    try:
        return Team.objects.get(pk=team_id)
    except Team.DoesNotExist:
        raise Http404 from None


def teams_for_user(user: AnyUser) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=team_ids_for_user(user))
