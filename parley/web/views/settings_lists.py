"""Settings → Lists (team admins and managers): the team's stages, positions, acquisition
sources, account types and lead statuses."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parley.accounts.models import Team
from parley.contacts.access import configurable_teams_for_user, get_configurable_team_for_user
from parley.contacts.choices import options_for
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import ChoiceKind
from parley.contacts.services import lists as services
from parley.web.views._auth import AuthenticatedHttpRequest


class OptionForm(forms.Form):
    kind = forms.ChoiceField(choices=ChoiceKind.choices)
    key = forms.CharField(required=False, max_length=100)
    label = forms.CharField(label=gettext_lazy("Label"), required=False, max_length=100)


@login_required
def lists(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = list(configurable_teams_for_user(request.user))
    if not teams:
        raise PermissionDenied
    team_param = request.GET.get("team", "")
    team = (
        get_configurable_team_for_user(request.user, int(team_param))
        if team_param.isdigit()
        else teams[0]
    )
    if request.method == "POST":
        _apply(request, team)
        return redirect(f"{request.path}?team={team.pk}")
    kinds = [(kind, options_for(team.pk, kind, inactive=True)) for kind in ChoiceKind]
    context = {"teams": teams, "team": team, "kinds": kinds}
    return render(request, "web/settings_lists.html", context)


def _apply(request: AuthenticatedHttpRequest, team: Team) -> None:
    """Carry out one action of the page: add, rename, (de)activate or move an entry."""
    form = OptionForm(request.POST)
    if not form.is_valid():
        raise Http404
    kind = ChoiceKind(form.cleaned_data["kind"])
    action = request.POST.get("action", "")
    label, key = form.cleaned_data["label"], form.cleaned_data["key"]
    try:
        if action == "add":
            services.add_choice_option(team=team, kind=kind, label=label, key=key)
            messages.success(request, _("The entry was added."))
            return
        option = services.ensure_choice_option(team=team, kind=kind, key=key)
        if action == "rename":
            services.update_choice_option(option=option, label=label)
        elif action in {"activate", "deactivate"}:
            services.update_choice_option(option=option, is_active=action == "activate")
        elif action in {"up", "down"}:
            services.move_choice_option(option=option, up=action == "up")
        else:
            raise Http404
        messages.success(request, _("The list was saved."))
    except ContactsError as error:
        messages.error(request, str(error))
