"""Filing a message on a contact, organization or lead: the record's timeline shows it.

A contact's (and organization's, and lead's) timeline already lists the e-mails sent from or
to its addresses (`parley.contacts.timeline`); a message filed on a record none of whose
addresses it involves (a forwarded original, a record code) is added as an e-mail activity
linked to the message. Runs inside the caller's transaction.
"""

from __future__ import annotations

from parley.contacts.models import Activity, ActivityKind, Contact, Lead, Organization
from parley.contacts.services.timeline import link_activity
from parley.mail.models import Message

Record = Contact | Organization | Lead
LINK_TYPE = "message"


def message_addresses(message: Message) -> set[str]:
    addresses = {message.from_address.lower()} if message.from_address else set()
    for people in (message.to, message.cc):
        addresses |= {str(p.get("address", "")).lower() for p in people or [] if p}
    return addresses - {""}


def record_addresses(record: Record) -> set[str]:
    if isinstance(record, Contact):
        return set(record.emails.values_list("address", flat=True))
    if isinstance(record, Organization):
        rows = Contact.objects.filter(organization=record).values_list("emails__address", flat=True)
        return {address for address in rows if address}
    return {record.email} if record.email else set()


def file_message(*, record: Record, message: Message) -> Activity | None:
    """Put `message` on `record`'s timeline unless it already shows there (idempotent)."""
    if record_addresses(record) & message_addresses(message):
        return None
    owner = (
        {"contact": record}
        if isinstance(record, Contact)
        else {"organization": record}
        if isinstance(record, Organization)
        else {"lead": record}
    )
    existing = Activity.objects.filter(link_type=LINK_TYPE, link_id=message.pk, **owner).first()
    if existing is not None:
        return existing
    return link_activity(
        record=record,
        kind=ActivityKind.EMAIL,
        text=message.subject or message.snippet,
        link_type=LINK_TYPE,
        link_id=message.pk,
        occurred_at=message.date or message.created_at,
    )
