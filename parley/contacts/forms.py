"""Forms for the contact and organization pages. They validate input; services write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast, override

from django import forms
from django.utils.translation import gettext_lazy as _

from parley.accounts.models import Team, User
from parley.contacts.choices import form_choices
from parley.contacts.custom_fields import definitions_for
from parley.contacts.models import (
    LOGGABLE_KINDS,
    ChoiceKind,
    CustomField,
    FieldTarget,
    FieldType,
    Organization,
    PhoneKind,
)

if TYPE_CHECKING:
    from django.http import QueryDict

    from parley.contacts.services import AddressData, ContactFields, OrganizationFields
    from parley.contacts.services.leads import LeadFields

ADDRESS_FIELDS = ("address_line1", "address_line2", "postal_code", "city", "region", "country")
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "position",
    "stage",
    "source",
    "account_type",
    "note",
    *ADDRESS_FIELDS,
)
ORGANIZATION_FIELDS = ("name", "tax_id", "account_type", "note", *ADDRESS_FIELDS)


def list_field(
    form: forms.Form, name: str, kind: ChoiceKind, team_ids: list[int], current: str = ""
) -> None:
    """Turn `name` into a select of the teams' list `kind`; a list without entries stays a
    free-text field. With several teams the union is offered and the service checks it."""
    pairs: dict[str, str] = {}
    for team_id in team_ids:
        pairs |= dict(form_choices(team_id, kind, current=current))
    if not [key for key in pairs if key]:
        return
    old = form.fields[name]
    form.fields[name] = forms.ChoiceField(
        label=old.label, required=old.required, choices=list(pairs.items())
    )


def split_list(text: str) -> list[str]:
    """Items of a comma- or newline-separated list, stripped, without empties."""
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


def column_params(params: QueryDict) -> list[str]:
    """The `cols` of a list's query string: repeated (the column chooser's checkboxes) or
    comma-separated (older saved views and links)."""
    return [column for value in params.getlist("cols") for column in split_list(value)]


def custom_form_field(definition: CustomField) -> forms.Field:
    """The form field of a custom field. Not required here: the service checks required
    fields against the record's own team (a create form may offer several teams)."""
    label = f"{definition.label} *" if definition.required else definition.label
    options = [(str(o), str(o)) for o in definition.options]
    match definition.field_type:
        case FieldType.NUMBER:
            return forms.DecimalField(label=label, required=False)
        case FieldType.DATE:
            return forms.DateField(
                label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        case FieldType.CHOICE:
            return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *options])
        case FieldType.MULTI_CHOICE:
            return forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=options,
                widget=forms.CheckboxSelectMultiple,
            )
        case _:
            return forms.CharField(label=label, required=False, max_length=1000)


class _TeamScopedForm(forms.Form):
    """A form offering the choices (team, organizations, managers) of the user's teams,
    and the custom fields of `custom_target`."""

    custom_target = FieldTarget.CONTACT

    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Team"))
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=1000
    )
    managers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), label=_("Managers"), required=False
    )
    address_line1 = forms.CharField(label=_("Address line 1"), required=False, max_length=200)
    address_line2 = forms.CharField(label=_("Address line 2"), required=False, max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=20)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    country = forms.CharField(label=_("Country"), required=False, max_length=100)
    account_type = forms.CharField(label=_("Account type"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, *args: Any, teams: list[Team], team: Team | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        team_ids = [t.pk for t in teams] if team is None else [team.pk]
        team_field = cast("forms.ModelChoiceField[Team]", self.fields["team"])
        team_field.queryset = Team.objects.filter(pk__in=team_ids)
        if len(team_ids) == 1:
            # One possible team: nothing to choose, and the edit form never moves a record.
            team_field.initial = team_ids[0]
            team_field.widget = forms.HiddenInput()
        managers = cast("forms.ModelMultipleChoiceField[User]", self.fields["managers"])
        managers.queryset = User.objects.filter(
            memberships__team_id__in=team_ids, is_active=True
        ).distinct()
        self.team_ids = team_ids
        self.set_list_field("account_type", ChoiceKind.ACCOUNT_TYPE)
        self.custom_definitions = definitions_for(team_ids, self.custom_target)
        for definition in self.custom_definitions:
            self.fields[f"cf_{definition.key}"] = custom_form_field(definition)
            self.initial.setdefault(
                f"cf_{definition.key}", self.initial.get("custom", {}).get(definition.key)
            )

    def custom_values(self) -> dict[str, object]:
        """Values of the chosen team's custom fields, for the service to check."""
        team = self.cleaned_data.get("team")
        return {
            d.key: self.cleaned_data.get(f"cf_{d.key}")
            for d in self.custom_definitions
            if team is None or d.team_id == team.pk
        }

    def set_list_field(self, name: str, kind: ChoiceKind) -> None:
        list_field(self, name, kind, self.team_ids, current=str(self.initial.get(name) or ""))

    @override
    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        team = cleaned.get("team")
        for user in cleaned.get("managers") or []:
            if team is not None and not user.memberships.filter(team=team).exists():
                self.add_error("managers", _("Managers must be members of the team."))
        return cleaned

    def address(self) -> AddressData:
        data = self.cleaned_data
        return {
            "address_line1": data["address_line1"],
            "address_line2": data["address_line2"],
            "postal_code": data["postal_code"],
            "city": data["city"],
            "region": data["region"],
            "country": data["country"],
        }

    def tag_names(self) -> list[str]:
        return split_list(self.cleaned_data["tags"])


class ContactForm(_TeamScopedForm):
    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    position = forms.CharField(label=_("Position"), required=False, max_length=100)
    stage = forms.CharField(label=_("Stage"), max_length=100)
    source = forms.CharField(label=_("Acquisition source"), required=False, max_length=100)
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Organization"), required=False
    )
    field_order = [
        "team",
        "first_name",
        "last_name",
        "position",
        "organization",
        "stage",
        "source",
        "account_type",
        "tags",
        "managers",
    ]

    def __init__(
        self, *args: Any, teams: list[Team], team: Team | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, teams=teams, team=team, **kwargs)
        organization = cast("forms.ModelChoiceField[Organization]", self.fields["organization"])
        team_ids = [t.pk for t in teams] if team is None else [team.pk]
        organization.queryset = Organization.objects.for_teams(team_ids)
        self.set_list_field("stage", ChoiceKind.STAGE)
        self.set_list_field("position", ChoiceKind.POSITION)
        self.set_list_field("source", ChoiceKind.SOURCE)

    @override
    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        organization = cleaned.get("organization")
        team = cleaned.get("team")
        if organization is not None and team is not None and organization.team_id != team.pk:
            self.add_error("organization", _("The organization belongs to another team."))
        return cleaned

    def contact_fields(self) -> ContactFields:
        fields: ContactFields = {
            "first_name": self.cleaned_data["first_name"],
            "last_name": self.cleaned_data["last_name"],
            "position": self.cleaned_data["position"],
            "stage": self.cleaned_data["stage"],
            "source": self.cleaned_data["source"],
            "note": self.cleaned_data["note"],
        }
        fields |= cast("ContactFields", self.address())
        if self.cleaned_data["account_type"]:
            fields["account_type"] = self.cleaned_data["account_type"]
        return fields


class NewContactForm(ContactForm):
    """The create form also takes a first e-mail address and phone number."""

    email = forms.CharField(label=_("E-mail address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=50)
    phone_kind = forms.ChoiceField(
        label=_("Phone type"), choices=PhoneKind.choices, initial=PhoneKind.MOBILE
    )


class OrganizationForm(_TeamScopedForm):
    custom_target = FieldTarget.ORGANIZATION
    name = forms.CharField(label=_("Name"), max_length=200)
    tax_id = forms.CharField(label=_("Tax id (NIP)"), required=False, max_length=20)
    domains = forms.CharField(
        label=_("Mail domains"),
        required=False,
        max_length=2000,
        help_text=_(
            "Separated by commas, e.g. example.pl. Mail from them suggests this organization."
        ),
    )
    emails = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        max_length=2000,
        help_text=_("The organization's own, e.g. office@example.pl; separated by commas."),
    )
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        max_length=1000,
        help_text=_("Switchboard, fax…; separated by commas."),
    )
    field_order = [
        "team",
        "name",
        "tax_id",
        "account_type",
        "domains",
        "emails",
        "phones",
        "tags",
        "managers",
    ]

    def email_list(self) -> list[str]:
        return split_list(self.cleaned_data["emails"])

    def phone_list(self) -> list[str]:
        return split_list(self.cleaned_data["phones"])

    def organization_fields(self) -> OrganizationFields:
        fields: OrganizationFields = {
            "name": self.cleaned_data["name"],
            "tax_id": self.cleaned_data["tax_id"],
            "note": self.cleaned_data["note"],
        }
        fields |= cast("OrganizationFields", self.address())
        if self.cleaned_data["account_type"]:
            fields["account_type"] = self.cleaned_data["account_type"]
        return fields

    def domain_names(self) -> list[str]:
        return split_list(self.cleaned_data["domains"])


class EmailForm(forms.Form):
    address = forms.CharField(label=_("E-mail address"), max_length=254)
    primary = forms.BooleanField(label=_("Primary"), required=False)


class PhoneForm(forms.Form):
    number = forms.CharField(label=_("Phone number"), max_length=50)
    kind = forms.ChoiceField(label=_("Type"), choices=PhoneKind.choices, initial=PhoneKind.MOBILE)


class LeadForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Team"))
    name = forms.CharField(
        label=_("Enquiry"), max_length=200, help_text=_("What the enquiry is about.")
    )
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    email = forms.CharField(label=_("E-mail address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=50)
    company = forms.CharField(label=_("Company"), required=False, max_length=200)
    salesperson = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("Salesperson"), required=False
    )
    status = forms.CharField(label=_("Status"), max_length=100)
    source = forms.CharField(label=_("Acquisition source"), required=False, max_length=100)
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=500)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, *args: Any, teams: list[Team], team: Team | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        team_ids = [t.pk for t in teams] if team is None else [team.pk]
        team_field = cast("forms.ModelChoiceField[Team]", self.fields["team"])
        team_field.queryset = Team.objects.filter(pk__in=team_ids)
        if len(team_ids) == 1:
            team_field.initial = team_ids[0]
            team_field.widget = forms.HiddenInput()
        salesperson = cast("forms.ModelChoiceField[User]", self.fields["salesperson"])
        salesperson.queryset = User.objects.filter(
            memberships__team_id__in=team_ids, is_active=True
        ).distinct()
        for name, kind in (("status", ChoiceKind.LEAD_STATUS), ("source", ChoiceKind.SOURCE)):
            list_field(self, name, kind, team_ids, current=str(self.initial.get(name) or ""))

    def lead_fields(self) -> LeadFields:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "contact_name": data["contact_name"],
            "email": data["email"],
            "phone": data["phone"],
            "company": data["company"],
            "status": data["status"],
            "source": data["source"],
            "next_step": data["next_step"],
            "description": data["description"],
        }


class EventForm(forms.Form):
    """Log an event by hand on a timeline."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(kind.value, kind.label) for kind in LOGGABLE_KINDS]
    )
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Empty means now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
