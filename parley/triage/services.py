"""Writes to e-mail triage (TR1, TR2, AS1, AS2) and the customer of a conversation (CR6).

`triage_message` is the automatic decision for one new inbound message, run by the catch-up
pass (`parley.triage.runner`) inside its transaction: a record code in the subject files it
on exactly that record; mail to the assistant mailbox is filed on the parties it involves
(unknown parties become leads); bulk mail and auto-replies go to Ignored when the mailbox
says so; otherwise the sender's normalized address is matched (one contact links, several
wait for the agent's choice, none leaves it Ready with an organization suggested by domain).

The agent's actions (`link_email`, `create_lead_from_email`, `ignore_email`, ...) are durable
transactions. Contact and lead records are created only through `parley.contacts.services`,
conversation links only through `parley.conversations.services.records`. Nothing leaves the
database. User mistakes raise `TriageError`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.accounts.models import User
from parley.contacts.exceptions import ContactsError
from parley.contacts.matching import match_address, organizations_for_address
from parley.contacts.models import Contact, Lead, Organization
from parley.contacts.services import create_contact
from parley.contacts.services.leads import create_lead
from parley.conversations.models import Conversation
from parley.conversations.services.records import attach_customer
from parley.mail import blobs
from parley.mail.models import Direction, Mailbox, Message
from parley.triage.codes import RecordCode, record_codes
from parley.triage.exceptions import TriageError
from parley.triage.filing import file_message
from parley.triage.models import AssistantMailbox, EmailTriage, Rule, State
from parley.triage.parties import Party, find_parties

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)
# At most this many candidates are offered to the agent.
CANDIDATES = 20


# Automatic triage


def _own_addresses(team_id: int) -> set[str]:
    """Addresses that are us, never a customer: members and the team's mailboxes."""
    users = User.objects.filter(memberships__team_id=team_id).values_list("email", flat=True)
    boxes = Mailbox.objects.values_list("email", flat=True)
    return {address.lower() for address in [*users, *boxes]}


def _link_conversation(message: Message, contact: Contact | None, org: Organization | None) -> None:
    conversation = message.conversation
    if conversation.contact_id is None and conversation.organization_id is None:
        attach_customer(conversation=conversation, contact=contact, organization=org, actor=None)


def _by_code(team_id: int, code: RecordCode) -> Contact | Organization | Lead | Conversation | None:
    if code.kind == "lead":
        return Lead.objects.filter(team_id=team_id, pk=code.number).first()
    if code.kind == "contact":
        return Contact.objects.filter(team_id=team_id, pk=code.number).first()
    if code.kind == "organization":
        return Organization.objects.filter(team_id=team_id, pk=code.number).first()
    return Conversation.objects.alive().filter(team_id=team_id, number=code.number).first()


def _apply_code(row: EmailTriage, message: Message) -> bool:
    """File on the first record named by a code in the subject; False when none is found."""
    for code in record_codes(message.subject):
        found = _by_code(row.team_id, code)
        record = (found.contact or found.organization) if isinstance(found, Conversation) else found
        if record is None:
            continue
        _file_row(row, message, record)
        row.rule = Rule.RECORD_CODE
        return True
    return False


def _file_row(row: EmailTriage, message: Message, record: Contact | Organization | Lead) -> None:
    """Set the row to Linked on `record`, put the message on its timeline, link the
    conversation (contacts and organizations only: conversations have no lead)."""
    file_message(record=record, message=message)
    row.state = State.LINKED
    if isinstance(record, Contact):
        row.contact, row.organization = record, record.organization
        _link_conversation(message, record, record.organization)
    elif isinstance(record, Organization):
        row.organization = record
        _link_conversation(message, None, record)
    else:
        row.lead = record


def _record_for_party(team_id: int, party: Party, message: Message) -> Contact | Lead:
    contacts = match_address([team_id], party.address)
    if contacts:
        return contacts[0]
    lead = Lead.objects.filter(team_id=team_id, email=party.address).open().first()
    if lead is not None:
        return lead
    return create_lead(
        team=message.conversation.team,
        name=message.subject.strip() or _("E-mail from %(address)s") % {"address": party.address},
        contact_name=party.name,
        email=party.address,
        description=message.snippet,
    )


def _apply_assistant(row: EmailTriage, message: Message) -> None:
    """File an assistant e-mail on every external party's contact or lead (AS1)."""
    row.via_assistant = True
    try:
        parties = find_parties(blobs.read_raw(message.raw_sha256))
    except OSError:
        logger.warning("Assistant message %s: raw source missing", message.pk)
        return
    own = _own_addresses(row.team_id)
    first: Contact | Lead | None = None
    for party in parties.all:
        if party.address in own:
            continue
        try:
            record = _record_for_party(row.team_id, party, message)
        except ContactsError:
            continue
        file_message(record=record, message=message)
        first = first or record
    if first is not None:
        _file_row(row, message, first)
        row.rule = Rule.ASSISTANT


def _apply_match(row: EmailTriage, message: Message) -> None:
    conversation = message.conversation
    if conversation.contact_id is not None:
        row.state, row.rule = State.LINKED, Rule.CONVERSATION
        row.contact_id, row.organization_id = conversation.contact_id, conversation.organization_id
        return
    contacts = match_address([row.team_id], message.from_address)
    if len(contacts) == 1:
        _file_row(row, message, contacts[0])
        row.rule = Rule.MATCH
        return
    if len(contacts) > 1:
        row.candidates.set(contacts)
        return
    leads = Lead.objects.filter(team_id=row.team_id, email=message.from_address.lower()).open()
    found = list(leads[:CANDIDATES])
    if len(found) == 1:
        _file_row(row, message, found[0])
        row.rule = Rule.MATCH
        return
    row.lead_candidates.set(found)
    organizations = organizations_for_address([row.team_id], message.from_address)
    row.suggestion = organizations[0] if organizations else None


def triage_message(*, message: Message, assistant_ids: Iterable[int] = ()) -> EmailTriage | None:
    """Decide automatically what an inbound message needs; None for outbound mail, unless
    a record code in its subject files it on that record (AS2 works for sent mail too).

    Runs in the caller's transaction; the same message twice returns the existing row.
    """
    inbound = message.direction == Direction.INBOUND
    if not inbound and not record_codes(message.subject):
        return None
    existing = EmailTriage.objects.filter(message=message).first()
    if existing is not None:
        return existing
    conversation = message.conversation
    with transaction.atomic():
        row = EmailTriage.objects.create(message=message, team_id=conversation.team_id)
        mailbox = message.mailbox
        if _apply_code(row, message):
            pass
        elif not inbound:
            # Sent mail never waits in triage: without a known record the row is dropped.
            row.delete()
            return None
        elif message.mailbox_id is not None and message.mailbox_id in set(assistant_ids):
            _apply_assistant(row, message)
        elif mailbox is not None and mailbox.bulk_to_ignored and _automatic(message):
            row.state = State.IGNORED
            row.rule = Rule.BULK if message.is_bulk else Rule.AUTO_REPLY
        else:
            _apply_match(row, message)
        if row.state != State.READY:
            row.triaged_at = timezone.now()
        row.save()
    return row


def _automatic(message: Message) -> bool:
    return message.is_bulk or message.is_auto_reply or message.is_bounce


# The agent's decisions


def _decide(row: EmailTriage, actor: User, state: State, **fields: object) -> EmailTriage:
    for name, value in fields.items():
        setattr(row, name, value)
    row.state = state
    row.rule = Rule.MANUAL
    row.triaged_by = actor
    row.triaged_at = timezone.now()
    row.save(update_fields=[*fields, "state", "rule", "triaged_by", "triaged_at"])
    return row


def _same_team(row: EmailTriage, record: Contact | Organization | Lead) -> None:
    if record.team_id != row.team_id:
        raise TriageError(_("The record belongs to another team."))


def link_email(
    *, row: EmailTriage, record: Contact | Organization | Lead, actor: User
) -> EmailTriage:
    """Attach the e-mail to a found, chosen or searched contact, organization or lead."""
    _same_team(row, record)
    with transaction.atomic(durable=True):
        row.candidates.clear()
        row.lead_candidates.clear()
        _file_row(row, row.message, record)
        return _decide(
            row,
            actor,
            State.LINKED,
            contact=row.contact,
            organization=row.organization,
            lead=row.lead,
            reason="",
        )


def create_lead_from_email(*, row: EmailTriage, actor: User, name: str = "") -> Lead:
    """A new lead prefilled from the e-mail (address, sender's name, subject, preview), with
    the agent as salesperson, and the e-mail attached to it (the seed's "Utwórz")."""
    message = row.message
    title = name.strip() or message.subject.strip() or message.from_address
    with transaction.atomic(durable=True):
        try:
            lead = create_lead(
                team=message.conversation.team,
                name=title or _("E-mail"),
                contact_name=message.from_name,
                email=message.from_address,
                description=message.snippet,
                salesperson=actor,
                actor=actor,
            )
        except ContactsError as error:
            raise TriageError(str(error)) from None
        _file_row(row, message, lead)
        _decide(row, actor, State.LINKED, lead=lead, reason="")
    return lead


def create_contact_from_email(
    *, row: EmailTriage, actor: User, first_name: str = "", last_name: str = ""
) -> Contact:
    """A new contact owning the sender's address, linked to the e-mail and conversation."""
    message = row.message
    first, last = first_name.strip(), last_name.strip()
    if not (first or last) and message.from_name:
        first, _sep, last = message.from_name.strip().rpartition(" ")
        first, last = (first, last) if first else (last, "")
    with transaction.atomic(durable=True):
        try:
            contact = create_contact(
                team=message.conversation.team,
                fields={"first_name": first, "last_name": last},
                emails=[message.from_address] if message.from_address else [],
                managers=[actor],
                actor=actor,
            )
        except ContactsError as error:
            raise TriageError(str(error)) from None
        row.candidates.clear()
        _file_row(row, message, contact)
        _decide(
            row, actor, State.LINKED, contact=contact, organization=contact.organization, reason=""
        )
    return contact


def ignore_email(*, row: EmailTriage, actor: User, reason: str = "") -> EmailTriage:
    """Mark the e-mail as needing no work; it moves to the Ignored list (undo: restore)."""
    with transaction.atomic(durable=True):
        return _decide(row, actor, State.IGNORED, reason=reason.strip()[:200])


def restore_email(*, row: EmailTriage, actor: User) -> EmailTriage:
    """Undo an ignore: Linked when the e-mail is filed on a record, else Ready."""
    filed = row.contact_id or row.organization_id or row.lead_id
    with transaction.atomic(durable=True):
        return _decide(row, actor, State.LINKED if filed else State.READY, reason="")


def unlink_email(*, row: EmailTriage, actor: User) -> EmailTriage:
    """Forget the record the e-mail was filed on; it is Ready again."""
    with transaction.atomic(durable=True):
        return _decide(row, actor, State.READY, contact=None, organization=None, lead=None)


# Installation settings


def set_assistant_mailbox(*, mailbox: Mailbox | None) -> AssistantMailbox | None:
    """Make `mailbox` the e-mail assistant's (None: no assistant). One per installation."""
    with transaction.atomic(durable=True):
        AssistantMailbox.objects.exclude(mailbox=mailbox).delete()
        if mailbox is None:
            return None
        assistant, _created = AssistantMailbox.objects.get_or_create(mailbox=mailbox)
    return assistant
