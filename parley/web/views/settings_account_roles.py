"""Settings → Account roles (team admins and managers): who reads or administers which
account types (CR3). The first role restricts the team's accounts; see
`parley.contacts.access`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parley.accounts.models import Team, User
from parley.contacts.access import configurable_teams_for_user, get_configurable_team_for_user
from parley.contacts.choices import options_for
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import AccountRole, AccountRoleKind, ChoiceKind
from parley.contacts.services import account_roles as services
from parley.web.views._auth import AuthenticatedHttpRequest


class AccountRoleForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=gettext_lazy("Member"))
    account_type = forms.ChoiceField(label=gettext_lazy("Account type"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=AccountRoleKind.choices)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]  # ModelChoiceField
            memberships__team=team, is_active=True
        )
        self.fields["account_type"].choices = [  # type: ignore[attr-defined]  # ChoiceField
            (o.key, o.label) for o in options_for(team.pk, ChoiceKind.ACCOUNT_TYPE)
        ]


def _team(request: AuthenticatedHttpRequest) -> tuple[list[Team], Team]:
    teams = list(configurable_teams_for_user(request.user))
    if not teams:
        raise PermissionDenied
    param = request.GET.get("team", "")
    if param.isdigit():
        return teams, get_configurable_team_for_user(request.user, int(param))
    return teams, teams[0]


@login_required
def account_roles(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams, team = _team(request)
    form = AccountRoleForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_account_role(team=team, **form.cleaned_data)
        except ContactsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The role was granted."))
            return redirect(f"{request.path}?team={team.pk}")
    roles = AccountRole.objects.filter(team=team).select_related("user")
    context = {"teams": teams, "team": team, "form": form, "roles": roles}
    return render(request, "web/settings_account_roles.html", context)


@require_POST
@login_required
def account_role_revoke(request: AuthenticatedHttpRequest, role_id: int) -> HttpResponse:
    _teams, team = _team(request)
    role = AccountRole.objects.filter(team=team, pk=role_id).first()
    if role is None:
        raise Http404
    services.revoke_account_role(account_role=role)
    messages.success(request, _("The role was revoked."))
    return redirect(f"{reverse('web:settings_account_roles')}?team={team.pk}")
