"""Forms of the calls and meetings pages; the views hand cleaned data to the services."""

from __future__ import annotations

from typing import Any, cast

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
    """The meeting page's form. The contact and the conversation are chosen with the record
    autocomplete, which posts their ids; the querysets are the user's visible records of the
    meeting's team, so a guessed id of anything else is refused like a wrong choice."""

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
        label=_("Contact"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )
    conversation = forms.ModelChoiceField(
        label=_("Conversation"),
        queryset=Conversation.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("No such conversation in this team.")},
    )

    def __init__(self, *args: Any, team: Team, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self._queryset("project", MeetingProject.objects.filter(team=team))
        self._queryset("agent", User.objects.filter(memberships__team=team, is_active=True))
        self._queryset("contact", Contact.objects.visible_to(user).filter(team=team))
        self._queryset("conversation", Conversation.objects.visible_to(user).filter(team=team))

    def _queryset(self, name: str, queryset: Any) -> None:
        cast("forms.ModelChoiceField[Any]", self.fields[name]).queryset = queryset

    def chosen(self, name: str) -> Contact | Conversation | None:
        """The contact or conversation the form shows as chosen (posted, else initial), for
        the autocomplete's visible text."""
        field = cast("forms.ModelChoiceField[Any]", self.fields[name])
        value = self[name].value()
        if isinstance(value, Contact | Conversation):
            return value
        if value in (None, ""):
            return None
        try:
            return cast("Contact | Conversation | None", field.to_python(value))
        except forms.ValidationError:
            return None

    @property
    def chosen_contact(self) -> Contact | Conversation | None:
        return self.chosen("contact")

    @property
    def chosen_conversation(self) -> Contact | Conversation | None:
        return self.chosen("conversation")

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
