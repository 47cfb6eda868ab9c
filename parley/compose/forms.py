"""The composer's form and the canned-response form. Validation of addresses, subject and
schedule happens in the services, so the API and the web give the same answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from parley.compose.models import OutgoingMessage, ResponseTemplate
from parley.conversations.models import Queue
from parley.mail.models import Mailbox, MailboxQuerySet


class ComposeForm(forms.Form):
    mailbox = forms.ModelChoiceField(
        label=_("From"), queryset=Mailbox.objects.none(), required=False
    )
    to = forms.CharField(label=_("To"), required=False)
    cc = forms.CharField(label=_("Cc"), required=False, help_text=_("At most 30 addresses."))
    bcc = forms.CharField(label=_("Bcc"), required=False)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=900)
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none(), required=False)
    body_html = forms.CharField(required=False, widget=forms.HiddenInput)
    # Plain-text body, used when the rich text editor's files are not installed (no npm).
    body_text = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 12})
    )
    track_opens = forms.BooleanField(label=_("Track opens"), required=False)
    send_at = forms.DateTimeField(
        label=_("Send later"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to send now (with a short time to undo)."),
    )

    def __init__(
        self, *args: Any, outgoing: OutgoingMessage, mailboxes: MailboxQuerySet, **kwargs: Any
    ) -> None:
        initial = {
            "mailbox": outgoing.mailbox_id,
            "to": ", ".join(outgoing.to),
            "cc": ", ".join(outgoing.cc),
            "bcc": ", ".join(outgoing.bcc),
            "subject": outgoing.subject,
            "queue": outgoing.queue_id,
            "body_html": outgoing.body_html,
            "body_text": strip_tags(outgoing.body_html.replace("<br>", "\n")),
            "track_opens": outgoing.track_opens,
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["mailbox"].queryset = mailboxes  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["body_html"].widget.attrs["id"] = "compose-body"
        needs_queue = outgoing.conversation_id is None
        if needs_queue:
            queues = Queue.objects.filter(team_id=outgoing.team_id)
            self.fields["queue"].queryset = queues  # type: ignore[attr-defined]  # ModelChoiceField
        else:
            del self.fields["queue"]

    def clean_send_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("send_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class TemplateForm(forms.ModelForm[ResponseTemplate]):
    personal = forms.BooleanField(
        label=_("Only for me"), required=False, help_text=_("Otherwise the whole team sees it.")
    )

    class Meta:
        model = ResponseTemplate
        fields = ("name", "subject", "body_html")
        widgets = {"body_html": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "body_html": _(
                "Variables: {{ contact.first_name }}, {{ contact.last_name }}, "
                "{{ contact.name }}, {{ organization.name }}, {{ agent.name }}, "
                "{{ ticket.number }}, {{ ticket.subject }}, {{ mailbox.name }}."
            )
        }
