"""The customer of a conversation (CR6): "Add customer" and "Detach".

Add creates a person, a company or both from the conversation's sender, or attaches an
existing contact — optionally adding the sender's address to that contact and attaching
every other conversation from that address that has no customer yet. The conversation link
goes through `parley.conversations.services.records` (which leaves the LINKED system
comment), records through `parley.contacts.services`; the e-mails of the conversation that
waited in triage are marked Linked. Each function is a durable transaction; nothing leaves
the database. User mistakes raise `TriageError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Contact, ContactEmail, Organization
from parley.contacts.normalize import normalize_email
from parley.contacts.services import add_contact_email, create_contact, create_organization
from parley.conversations.models import Conversation
from parley.conversations.services.records import attach_customer, detach_customer
from parley.mail.models import Direction, Message
from parley.triage.exceptions import TriageError
from parley.triage.models import EmailTriage, Rule, State

if TYPE_CHECKING:
    from parley.accounts.models import User


def conversation_sender(conversation: Conversation) -> tuple[str, str]:
    """(name, address) of the first inbound message's sender, or ("", "")."""
    first = (
        Message.objects.alive()
        .filter(conversation=conversation, direction=Direction.INBOUND)
        .exclude(from_address="")
        .order_by("date", "pk")
        .first()
    )
    return (first.from_name, first.from_address.lower()) if first else ("", "")


def _mark_linked(conversation: Conversation, actor: User) -> None:
    EmailTriage.objects.filter(message__conversation=conversation, state=State.READY).update(
        state=State.LINKED,
        rule=Rule.MANUAL,
        contact=conversation.contact_id,
        organization=conversation.organization_id,
        triaged_by=actor,
        triaged_at=timezone.now(),
    )


def _split(name: str) -> tuple[str, str]:
    first, _sep, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def add_new_customer(  # noqa: PLR0913  # keyword-only, as STYLE.md section 9 allows
    *,
    conversation: Conversation,
    actor: User,
    person: bool,
    company: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Contact | Organization:
    """Create a person (owning the sender's address), a company, or both, and attach them."""
    if not person and not company.strip():
        raise TriageError(_("Name the company, or create a person."))
    name, address = conversation_sender(conversation)
    if not (first_name.strip() or last_name.strip()):
        first_name, last_name = _split(name)
    with transaction.atomic(durable=True):
        try:
            organization = (
                create_organization(
                    team=conversation.team, fields={"name": company.strip()}, actor=actor
                )
                if company.strip()
                else None
            )
            contact = (
                create_contact(
                    team=conversation.team,
                    fields={"first_name": first_name.strip(), "last_name": last_name.strip()},
                    emails=[address] if address and not _owned(conversation, address) else [],
                    organization=organization,
                    managers=[actor],
                    actor=actor,
                )
                if person
                else None
            )
        except ContactsError as error:
            raise TriageError(str(error)) from None
        attach_customer(
            conversation=conversation, contact=contact, organization=organization, actor=actor
        )
        _mark_linked(conversation, actor)
    return contact or organization  # type: ignore[return-value]  # one of them was created


def _owned(conversation: Conversation, address: str) -> bool:
    return ContactEmail.objects.filter(team_id=conversation.team_id, address=address).exists()


def attach_existing_customer(
    *,
    conversation: Conversation,
    actor: User,
    contact: Contact,
    add_address: bool = False,
    all_conversations: bool = False,
) -> int:
    """Attach `contact`; returns how many other conversations from the sender were attached."""
    if contact.team_id != conversation.team_id:
        raise TriageError(_("The contact belongs to another team."))
    _name, address = conversation_sender(conversation)
    others = 0
    with transaction.atomic(durable=True):
        if add_address and address and not _owned(conversation, address):
            try:
                add_contact_email(contact=contact, address=normalize_email(address))
            except ContactsError as error:
                raise TriageError(str(error)) from None
        attach_customer(conversation=conversation, contact=contact, actor=actor)
        _mark_linked(conversation, actor)
        if all_conversations and address:
            for other in _from_address(conversation, address):
                attach_customer(conversation=other, contact=contact, actor=actor)
                _mark_linked(other, actor)
                others += 1
    return others


def _from_address(conversation: Conversation, address: str) -> list[Conversation]:
    """Other live conversations of the team with mail from `address` and no customer."""
    ids = Message.objects.alive().filter(from_address__iexact=address).values("conversation_id")
    return list(
        Conversation.objects.alive()
        .filter(
            team_id=conversation.team_id,
            pk__in=ids,
            contact__isnull=True,
            organization__isnull=True,
        )
        .exclude(pk=conversation.pk)
    )


def detach(*, conversation: Conversation, actor: User) -> Conversation:
    """Take the customer off the conversation (a LINKED system comment records it)."""
    with transaction.atomic(durable=True):
        return detach_customer(conversation=conversation, actor=actor)
