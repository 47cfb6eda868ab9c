"""Writes to users, teams, memberships and API tokens.

Each function is its own transaction; callers (views, API, commands, tests) never save these
models directly.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from parley.accounts.exceptions import AccountsError, LastAdminError
from parley.accounts.models import ApiToken, LoginAttempt, Membership, Role, Team, User

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
        raise AccountsError(
            _("A user with the e-mail %(email)s already exists.") % {"email": email}
        )
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
        raise LastAdminError(
            _("The team %(team)s needs at least one admin.") % {"team": membership.team}
        )


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


def update_profile(
    *, user: User, name: str, language: str, signature: str, notification_sound: bool
) -> User:
    """Change what a user may edit about themselves."""
    user.name = name.strip()
    user.language = language
    user.signature = signature
    user.notification_sound = notification_sound
    with transaction.atomic():
        user.save(update_fields=["name", "language", "signature", "notification_sound"])
    return user


def set_language(*, user: User, language: str) -> User:
    """Remember the user's interface language ("" follows the browser)."""
    if language and language not in dict(settings.LANGUAGES):
        raise AccountsError(_("Unknown language %(code)s.") % {"code": language})
    user.language = language
    with transaction.atomic():
        user.save(update_fields=["language"])
    return user


def set_user_active(*, user: User, active: bool, by: User) -> User:
    """Deactivate (or reactivate) an account; a deactivated user can no longer sign in or
    use API tokens. Nobody may deactivate themselves, and only installation administrators
    may deactivate one another."""
    if not active and user.pk == by.pk:
        raise AccountsError(_("You cannot deactivate your own account."))
    if user.is_superuser and not by.is_superuser:
        raise AccountsError(_("Only an installation administrator can change this account."))
    user.is_active = active
    with transaction.atomic():
        user.save(update_fields=["is_active"])
    return user


def rename_team(*, team: Team, name: str) -> Team:
    team.name = name.strip()
    with transaction.atomic():
        team.save(update_fields=["name"])
    return team


def send_invitation(*, user: User, invited_by: User) -> None:
    """Mail `user` a link to choose a password (a password-reset link).

    Sent after the surrounding transaction commits, through Django's default mailer.
    """
    context = {
        "user": user,
        "invited_by": invited_by,
        "url": settings.SITE_URL
        + reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        ),
    }
    with translation.override(user.language or translation.get_language()):
        subject = _("You are invited to Parley")
        body = render_to_string("accounts/invitation_email.txt", context)
        message = EmailMessage(subject=str(subject), body=body, to=[user.email])
    transaction.on_commit(lambda: message.send(fail_silently=False))


# Sign-in throttling. Failed attempts are rows in the database so every web process sees them.
# The key mixes the e-mail (lower-cased, whether or not an account exists) with the client
# address, so the answer for an unknown address is the same as for a real one.


def _throttle_key(scope: str, email: str, ip: str) -> str:
    return hashlib.sha256(f"{scope}\0{email.strip().lower()}\0{ip}".encode()).hexdigest()


def throttle_wait_seconds(*, scope: str, email: str, ip: str) -> int:
    """Seconds until another attempt is allowed; 0 when it is allowed now."""
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    recent = list(
        LoginAttempt.objects.filter(
            key=_throttle_key(scope, email, ip), created_at__gt=now - window
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    excess = len(recent) - settings.LOGIN_THROTTLE_ATTEMPTS
    if excess < 0:
        return 0
    # When the attempt at index `excess` leaves the window, fewer than the limit remain.
    return max(1, math.ceil((recent[excess] + window - now).total_seconds()))


def record_attempt(*, scope: str, email: str, ip: str) -> None:
    """Count one failed sign-in (or one password-reset request) and forget expired ones."""
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    with transaction.atomic():
        LoginAttempt.objects.filter(created_at__lte=now - window).delete()
        LoginAttempt.objects.create(key=_throttle_key(scope, email, ip), created_at=now)


def clear_attempts(*, scope: str, email: str, ip: str) -> None:
    with transaction.atomic():
        LoginAttempt.objects.filter(key=_throttle_key(scope, email, ip)).delete()
