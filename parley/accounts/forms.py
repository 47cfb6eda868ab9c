"""Forms for signing in, resetting passwords and managing accounts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, override

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from parley.accounts import services
from parley.accounts.models import Role, Team, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LOGIN_SCOPE = "login"
RESET_SCOPE = "reset"


def client_ip(request: HttpRequest | None) -> str:
    """The peer address. Behind a reverse proxy every client shares the proxy's address,
    which makes throttling stricter, never looser."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


def too_many_attempts(seconds: int, *, reset: bool = False) -> ValidationError:
    minutes = max(1, math.ceil(seconds / 60))
    if reset:
        message = ngettext(
            "Too many password reset requests, try again in %(minutes)d minute.",
            "Too many password reset requests, try again in %(minutes)d minutes.",
            minutes,
        )
    else:
        message = ngettext(
            "Too many failed sign-ins, try again in %(minutes)d minute.",
            "Too many failed sign-ins, try again in %(minutes)d minutes.",
            minutes,
        )
    return ValidationError(message % {"minutes": minutes}, code="throttled")


class LoginForm(AuthenticationForm):
    """E-mail and password, refused for a while after repeated failures.

    The throttle is checked before the password, and counts failures per e-mail and client
    address whether or not the account exists, so its answers reveal no accounts.
    """

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail or the password is not correct."),
        # An inactive account gets the same answer as a wrong password.
        "inactive": _("The e-mail or the password is not correct."),
    }

    @override
    def clean(self) -> dict[str, Any]:
        email = str(self.cleaned_data.get("username") or "")
        ip = client_ip(self.request)
        if email:
            wait = services.throttle_wait_seconds(scope=LOGIN_SCOPE, email=email, ip=ip)
            if wait:
                raise too_many_attempts(wait)
        try:
            cleaned = super().clean()
        except ValidationError:
            if email and self.cleaned_data.get("password"):
                services.record_attempt(scope=LOGIN_SCOPE, email=email, ip=ip)
            raise
        if email:
            services.clear_attempts(scope=LOGIN_SCOPE, email=email, ip=ip)
        return cleaned


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, limited per e-mail and client address (same limits as sign-in)."""

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail")

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"])
        ip = client_ip(self.request)
        wait = services.throttle_wait_seconds(scope=RESET_SCOPE, email=email, ip=ip)
        if wait:
            raise too_many_attempts(wait, reset=True)
        services.record_attempt(scope=RESET_SCOPE, email=email, ip=ip)
        return email


def language_choices() -> list[tuple[str, StrOrPromise]]:
    choices: list[tuple[str, StrOrPromise]] = [("", _("Browser default"))]
    choices.extend(settings.LANGUAGES)
    return choices


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)
    signature = forms.CharField(
        label=_("Signature"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Added below the replies you write."),
    )
    notification_sound = forms.BooleanField(
        label=_("Play a sound for new notifications"),
        required=False,
        help_text=_("A short tone when a notification arrives while Parley is open."),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("A name to recognise the token by, e.g. the script that uses it."),
    )


class UserCreateForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to e-mail an invitation to choose a password."),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams  # type: ignore[attr-defined]  # ModelChoiceField

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("A user with this e-mail already exists."))
        return email


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        self.team = team
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        clash = Team.objects.filter(name__iexact=name)
        if self.team is not None:
            clash = clash.exclude(pk=self.team.pk)
        if clash.exists():
            raise ValidationError(_("A team with this name already exists."))
        return name


class MembershipForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.filter(is_active=True))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)
    can_delete = forms.BooleanField(
        label=_("May delete conversations"),
        required=False,
        help_text=_("Deleted conversations vanish from history and reports."),
    )


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    can_delete = forms.BooleanField(label=_("May delete conversations"), required=False)
