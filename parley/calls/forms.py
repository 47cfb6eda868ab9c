"""Forms of the calls and meetings pages; the views hand cleaned data to the services."""

from __future__ import annotations

from typing import Any, cast, override

from django import forms
from django.utils.translation import gettext_lazy as _

from parley.accounts.models import Team, User
from parley.calls.models import DialingMode, Direction, MeetingProject, Result
from parley.calls.services.meetings import MeetingData
from parley.contacts.models import Contact
from parley.conversations.models import Conversation

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class LogCallForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    number = forms.CharField(label=_("Phone number"), max_length=64)
    started_at = forms.DateTimeField(label=_("Started"), widget=DATETIME_INPUT)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=0, initial=0)
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = cast("forms.ModelChoiceField[Team]", self.fields["team"])
        team_field.queryset = Team.objects.filter(pk__in=[team.pk for team in teams])
        if len(teams) == 1:
            team_field.initial = teams[0]
            team_field.widget = forms.HiddenInput()


class MeetingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Phone number"), max_length=64, required=False)
    dialing_mode = forms.ChoiceField(label=_("Dialing mode"), choices=DialingMode.choices)
    window_start = forms.DateTimeField(label=_("From"), widget=DATETIME_INPUT)
    window_end = forms.DateTimeField(label=_("To"), widget=DATETIME_INPUT)
    information = forms.CharField(
        label=_("Information"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    project = forms.ModelChoiceField(
        label=_("Project"), queryset=MeetingProject.objects.none(), required=False
    )
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=User.objects.none(), required=False)
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    conversation_number = forms.IntegerField(
        label=_("Conversation number"), min_value=1, required=False
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self._queryset("project", MeetingProject.objects.filter(team=team))
        self._queryset("agent", User.objects.filter(memberships__team=team, is_active=True))
        self._queryset("contact", Contact.objects.for_teams([team.pk]))

    def _queryset(self, name: str, queryset: Any) -> None:
        cast("forms.ModelChoiceField[Any]", self.fields[name]).queryset = queryset

    @override
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("conversation_number")
        data["conversation"] = None
        if number:
            data["conversation"] = Conversation.objects.filter(
                team=self.team, number=number
            ).first()
            if data["conversation"] is None:
                self.add_error("conversation_number", _("No such conversation in this team."))
        return data

    def meeting_data(self) -> MeetingData:
        data = self.cleaned_data
        return MeetingData(
            name=data["name"],
            window_start=data["window_start"],
            window_end=data["window_end"],
            phone=data["phone"],
            dialing_mode=DialingMode(data["dialing_mode"]),
            information=data["information"],
            project=data["project"],
            agent=data["agent"],
            contact=data["contact"],
            conversation=data["conversation"],
        )
