"""Who may see and change what.

Every view and API endpoint fetches team data through these helpers: they answer 404 for an
outsider (so existence is not revealed) and raise PermissionDenied when a member may read but
not write. Domain querysets offer `visible_to(user)` built on `team_ids_for_user`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parley.accounts.models import (
    MANAGE_ROLES,
    WRITE_ROLES,
    ApiToken,
    Membership,
    Role,
    Team,
    User,
)

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


def require_site_admin(user: AnyUser) -> None:
    """Settings pages for users and teams: PermissionDenied for everyone but admins."""
    if not is_site_admin(user):
        raise PermissionDenied


def managed_teams_for_user(user: AnyUser) -> QuerySet[Team]:
    """Teams whose name and members `user` may change: every team for an installation
    administrator, else the teams where they are an admin."""
    if user.is_authenticated and user.is_superuser and user.is_active:
        return Team.objects.all()
    return Team.objects.filter(
        pk__in=memberships_for_user(user).filter(role=Role.ADMIN).values("team_id")
    )


def get_managed_team_for_user(user: AnyUser, team_id: int) -> Team:
    """A team `user` administers; 404 for outsiders, PermissionDenied for other members."""
    team = managed_teams_for_user(user).filter(pk=team_id).first()
    if team is not None:
        return team
    if role_in_team(user, team_id) is not None:
        raise PermissionDenied
    raise Http404


def get_membership_for_admin(user: AnyUser, team: Team, membership_id: int) -> Membership:
    """A membership of `team`, which the caller already fetched with
    `get_managed_team_for_user`."""
    membership = team.memberships.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


def get_user_for_admin(user: AnyUser, user_id: int) -> User:
    require_site_admin(user)
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise Http404
    return target


def get_api_token_for_user(user: AnyUser, token_id: int) -> ApiToken:
    """One of the user's own API tokens; anybody else's is a 404."""
    if not user.is_authenticated:
        raise Http404
    token = ApiToken.objects.filter(pk=token_id, user_id=user.pk).first()
    if token is None:
        raise Http404
    return token
