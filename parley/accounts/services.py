"""Writes to users, teams, memberships and API tokens.

Each function is its own transaction; callers (views, API, commands, tests) never save these
models directly.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from parley.accounts.exceptions import AccountsError, LastAdminError
from parley.accounts.models import ApiToken, Membership, Role, Team, User

TOKEN_PREFIX = "prl_"


def create_user(
    *,
    email: str,
    password: str | None,
    name: str = "",
    language: str = "",
    is_superuser: bool = False,
) -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountsError(f"A user with the e-mail {email} already exists.")
    with transaction.atomic():
        return User.objects.create_user(
            email,
            password,
            name=name,
            language=language,
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )


def create_team(*, name: str) -> Team:
    with transaction.atomic():
        return Team.objects.create(name=name.strip())


def set_membership(
    *, user: User, team: Team, role: Role | str, can_delete: bool = False
) -> Membership:
    """Add `user` to `team` with `role`, or change the role of an existing member."""
    role = Role(role)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, team=team, defaults={"role": role, "can_delete": can_delete}
        )
        if not created:
            if membership.role == Role.ADMIN and role != Role.ADMIN:
                _ensure_other_admin(membership)
            membership.role = role
            membership.can_delete = can_delete
            membership.save(update_fields=["role", "can_delete"])
        return membership


def remove_membership(*, membership: Membership) -> None:
    with transaction.atomic():
        if membership.role == Role.ADMIN:
            _ensure_other_admin(membership)
        membership.delete()


def _ensure_other_admin(membership: Membership) -> None:
    others = Membership.objects.filter(team_id=membership.team_id, role=Role.ADMIN).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise LastAdminError(f"The team {membership.team} needs at least one admin.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plain token, which is never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name or "API", prefix=plain[:10], digest=_digest(plain)
        )
    return token, plain


def revoke_api_token(*, token: ApiToken) -> None:
    with transaction.atomic():
        token.delete()


def user_for_api_token(plain: str) -> User | None:
    """The active user owning `plain`, recording when the token was last used."""
    token = ApiToken.objects.select_related("user").filter(digest=_digest(plain)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
