"""Settings → Custom fields (team admins and managers): define the team's own fields on
contacts and organizations."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parley.accounts.models import Team
from parley.contacts.access import configurable_teams_for_user, get_configurable_team_for_user
from parley.contacts.custom_fields import definitions_for
from parley.contacts.exceptions import ContactsError
from parley.contacts.forms import split_list
from parley.contacts.models import CustomField, FieldTarget, FieldType
from parley.contacts.services import custom_fields as services
from parley.web.views._auth import AuthenticatedHttpRequest


class NewFieldForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Applies to"), choices=FieldTarget.choices)
    label = forms.CharField(label=gettext_lazy("Label"), max_length=100)
    field_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=FieldType.choices)
    options = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        max_length=5000,
        help_text=gettext_lazy("For choice fields; separated by commas."),
    )
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)


class EditFieldForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Label"), max_length=100)
    options = forms.CharField(label=gettext_lazy("Options"), required=False, max_length=5000)
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)


def _team(request: AuthenticatedHttpRequest) -> tuple[list[Team], Team]:
    teams = list(configurable_teams_for_user(request.user))
    if not teams:
        raise PermissionDenied
    param = request.GET.get("team", "")
    if param.isdigit():
        return teams, get_configurable_team_for_user(request.user, int(param))
    return teams, teams[0]


@login_required
def custom_fields(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams, team = _team(request)
    form = NewFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_custom_field(
                team=team,
                target=data["target"],
                label=data["label"],
                field_type=data["field_type"],
                options=split_list(data["options"]),
                required=data["required"],
            )
        except ContactsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The field was added."))
            return redirect(f"{request.path}?team={team.pk}")
    groups = [(target, definitions_for([team.pk], target, inactive=True)) for target in FieldTarget]
    context = {"teams": teams, "team": team, "form": form, "groups": groups}
    return render(request, "web/settings_custom_fields.html", context)


@login_required
def custom_field_edit(request: AuthenticatedHttpRequest, field_id: int) -> HttpResponse:
    if request.method != "POST":
        raise Http404
    _teams, team = _team(request)
    field = CustomField.objects.filter(team=team, pk=field_id).first()
    if field is None:
        raise Http404
    form = EditFieldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A field needs a label."))
    else:
        try:
            services.update_custom_field(
                field=field,
                label=form.cleaned_data["label"],
                options=split_list(form.cleaned_data["options"]),
                required=form.cleaned_data["required"],
                is_active=form.cleaned_data["is_active"],
            )
        except ContactsError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The field was saved."))
    return redirect(f"{reverse('web:settings_custom_fields')}?team={team.pk}")
