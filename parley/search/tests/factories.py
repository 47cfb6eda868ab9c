"""Messages, contacts and organizations for search tests, indexed on request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone

from parley.accounts.models import Team
from parley.contacts import services as contacts
from parley.contacts.models import Contact, Organization
from parley.conversations.models import Conversation, Queue
from parley.conversations.services import create_conversation
from parley.mail.models import Attachment, Message, MessageSource
from parley.search.indexer import catch_up


def make_message(
    *,
    team: Team,
    subject: str = "Pytanie",
    text: str = "",
    from_name: str = "Jan Kowalski",
    from_address: str = "jan@klient.example",
    to: Sequence[tuple[str, str]] = (("Pomoc", "pomoc@parley.test"),),
    attachments: Sequence[str] = (),
    date: datetime | None = None,
    conversation: Conversation | None = None,
    queue: Queue | None = None,
) -> Message:
    conversation = conversation or create_conversation(team=team, subject=subject, queue=queue)
    digest = uuid.uuid4().hex
    message = Message.objects.create(
        conversation=conversation,
        message_id=f"{digest}@test",
        content_hash=digest,
        raw_sha256=digest,
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        to=[{"name": name, "address": address} for name, address in to],
        date=date or timezone.now(),
        source=MessageSource.IMPORT,
        text=text,
        snippet=text[:300],
        has_attachments=bool(attachments),
    )
    for filename in attachments:
        Attachment.objects.create(
            message=message,
            filename=filename,
            content_type="application/pdf",
            size=1,
            sha256=digest,
        )
    return message


def make_contact(
    *,
    team: Team,
    first_name: str = "Anna",
    last_name: str = "Nowak",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    **fields: str,
) -> Contact:
    contact = contacts.create_contact(
        team=team,
        fields={"first_name": first_name, "last_name": last_name, **fields},  # type: ignore[typeddict-item]  # test helper passes plain fields through
        emails=emails,
    )
    for raw in phones:
        contacts.add_contact_phone(contact=contact, raw=raw)
    return contact


def make_organization(
    *, team: Team, name: str = "Firma", domains: Sequence[str] = (), tax_id: str = ""
) -> Organization:
    fields = {"name": name, "tax_id": tax_id} if tax_id else {"name": name}
    return contacts.create_organization(team=team, fields=fields, domains=domains)  # type: ignore[arg-type]  # plain dict of OrganizationFields keys


def index() -> None:
    catch_up()
