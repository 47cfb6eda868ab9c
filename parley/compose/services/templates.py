"""Canned responses and signatures: create, change, delete, and fill in (issue 5 part 2).

Each write is one durable transaction. Filling in goes through the sandboxed renderer in
``parley.compose.rendering``: unknown variables are reported, never evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.models import Team, User
from parley.compose.exceptions import ComposeError, TemplateVariableError
from parley.compose.models import MailboxSendingSettings, ResponseTemplate, Signature
from parley.compose.rendering import context_values, render, unknown_variables
from parley.conversations.models import Conversation
from parley.mail.models import Mailbox
from parley.mail.parsing import sanitize_html


@dataclass(frozen=True, slots=True)
class FilledTemplate:
    subject: str
    body_html: str
    unknown: list[str]


def _check(name: str, subject: str, body_html: str) -> None:
    if not name.strip():
        raise ComposeError(_("A template needs a name."))
    unknown = sorted(set(unknown_variables(subject)) | set(unknown_variables(body_html)))
    if unknown:
        raise TemplateVariableError(
            _("Unknown variables: %(names)s") % {"names": ", ".join(unknown)}, unknown
        )


def create_template(
    *, team: Team, owner: User | None, name: str, subject: str, body_html: str
) -> ResponseTemplate:
    """A shared (owner None) or personal canned response; unknown variables are refused."""
    _check(name, subject, body_html)
    with transaction.atomic(durable=True):
        return ResponseTemplate.objects.create(
            team=team,
            owner=owner,
            name=name.strip()[:200],
            subject=subject.strip()[:900],
            body_html=sanitize_html(body_html),
        )


def update_template(
    *, template: ResponseTemplate, name: str, subject: str, body_html: str
) -> ResponseTemplate:
    _check(name, subject, body_html)
    template.name = name.strip()[:200]
    template.subject = subject.strip()[:900]
    template.body_html = sanitize_html(body_html)
    template.updated_at = timezone.now()
    with transaction.atomic(durable=True):
        template.save(update_fields=["name", "subject", "body_html", "updated_at"])
    return template


def delete_template(*, template: ResponseTemplate) -> None:
    with transaction.atomic(durable=True):
        template.delete()


def fill_template(
    *,
    template: ResponseTemplate,
    agent: User,
    conversation: Conversation | None,
    mailbox: Mailbox | None,
) -> FilledTemplate:
    """The template with this message's values; unknown variables are listed, left as is."""
    values = context_values(agent=agent, conversation=conversation, mailbox=mailbox)
    subject = render(template.subject, values, html=False)
    body = render(template.body_html, values)
    return FilledTemplate(subject.text, body.text, sorted(set(subject.unknown) | set(body.unknown)))


def set_signature(*, user: User, mailbox: Mailbox | None, body_html: str) -> Signature | None:
    """The user's signature for `mailbox` (or for all); an empty text removes it."""
    with transaction.atomic(durable=True):
        rows = Signature.objects.filter(user=user, mailbox=mailbox)
        if not body_html.strip():
            rows.delete()
            return None
        signature, _created = Signature.objects.update_or_create(
            user=user, mailbox=mailbox, defaults={"body_html": sanitize_html(body_html)}
        )
        return signature


def set_mailbox_defaults(
    *, mailbox: Mailbox, track_opens: bool, signature_html: str
) -> MailboxSendingSettings:
    """A mailbox's sending defaults: open tracking on new drafts, the fallback signature."""
    with transaction.atomic(durable=True):
        row, _created = MailboxSendingSettings.objects.update_or_create(
            mailbox=mailbox,
            defaults={"track_opens": track_opens, "signature_html": sanitize_html(signature_html)},
        )
        return row
