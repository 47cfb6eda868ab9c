"""The form behind Settings → Mailboxes (add and edit an IMAP/SMTP mailbox)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parley.accounts.models import Team
from parley.mail.models import AuthMethod, Mailbox, Security
from parley.mail.services import MailboxSettings


class MailboxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(label=_("Address"))
    display_name = forms.CharField(label=_("Display name"), max_length=200, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    imap_host = forms.CharField(label=_("IMAP host"), max_length=255)
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(
        label=_("IMAP security"), choices=Security.choices, initial=Security.SSL
    )
    username = forms.CharField(label=_("Login"), max_length=255)
    auth_method = forms.ChoiceField(
        label=_("Sign-in method"), choices=AuthMethod.choices, initial=AuthMethod.PASSWORD
    )
    password = forms.CharField(
        label=_("Password or token"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Stored encrypted. Leave empty to keep the current one."),
    )
    smtp_host = forms.CharField(label=_("SMTP host"), max_length=255, required=False)
    smtp_port = forms.IntegerField(label=_("SMTP port"), min_value=1, max_value=65535, initial=465)
    smtp_security = forms.ChoiceField(
        label=_("SMTP security"), choices=Security.choices, initial=Security.SSL
    )
    folders = forms.CharField(
        label=_("Folders"),
        required=False,
        help_text=_("Comma-separated. Empty: INBOX and the Sent folder the server announces."),
    )

    def __init__(
        self, *args: Any, teams: Any, mailbox: Mailbox | None = None, **kwargs: Any
    ) -> None:
        if mailbox is not None and "initial" not in kwargs:
            kwargs["initial"] = {field: getattr(mailbox, field) for field in MAILBOX_FIELDS} | {
                "team": mailbox.team_id,
                "folders": ",".join(
                    mailbox.folders.filter(enabled=True).values_list("name", flat=True)
                ),
            }
        super().__init__(*args, **kwargs)
        self.mailbox = mailbox
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        team_field.queryset = teams
        if mailbox is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = _("Stored encrypted.")

    def settings(self) -> MailboxSettings:
        data = self.cleaned_data
        return MailboxSettings(**{field: data[field] for field in MAILBOX_FIELDS})

    def folder_names(self) -> list[str] | None:
        raw = self.cleaned_data["folders"]
        names = [name.strip() for name in raw.split(",") if name.strip()]
        return names or None


MAILBOX_FIELDS = (
    "name",
    "email",
    "display_name",
    "imap_host",
    "imap_port",
    "imap_security",
    "username",
    "auth_method",
    "smtp_host",
    "smtp_port",
    "smtp_security",
)
