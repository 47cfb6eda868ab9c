"""Everything Parley holds about a contact, for a GDPR access request (AU2).

A zip with `contact.json` — the contact, its addresses, numbers, organization, tags,
managers, custom fields, the leads converted into it, its timeline and the list of e-mails
from and to its addresses — every such e-mail's raw RFC 5322 source under `messages/`,
byte for byte as received, and `avatar.png` when the contact has one. Read only; the
shapes are TypedDicts.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Q
from django.utils import timezone

from parley.contacts.custom_fields import CustomValue, parse_custom
from parley.contacts.models import Activity, Contact, Lead
from parley.contacts.timeline import parse_changes

if TYPE_CHECKING:
    from parley.mail.models import Message


class ActivityExport(TypedDict):
    kind: str
    at: str
    text: str
    changes: list[dict[str, str]]
    by: str


class MessageExport(TypedDict):
    id: int
    date: str
    subject: str
    from_address: str
    to: list[dict[str, str]]
    cc: list[dict[str, str]]
    file: str


class ContactExport(TypedDict):
    exported_at: str
    id: int
    first_name: str
    last_name: str
    position: str
    stage: str
    source: str
    account_type: str
    address: list[str]
    note: str
    organization: str | None
    emails: list[str]
    phones: list[dict[str, str]]
    tags: list[str]
    managers: list[str]
    custom: dict[str, CustomValue]
    leads: list[dict[str, str]]
    timeline: list[ActivityExport]
    messages: list[MessageExport]


def messages_of(contact: Contact) -> list[Message]:
    """E-mails of the contact's team from or to any of its addresses (read from mail)."""
    from parley.mail.models import Message

    addresses = list(contact.emails.values_list("address", flat=True))
    if not addresses:
        return []
    condition = Q()
    for address in addresses:
        condition |= (
            Q(from_address__iexact=address)
            | Q(to__icontains=f'"{address}"')
            | Q(cc__icontains=f'"{address}"')
        )
    # An erased message (another erasure it was part of) has no raw source left to export.
    return list(
        Message.objects.alive()
        .filter(condition, conversation__team_id=contact.team_id, is_erased=False)
        .order_by("date", "pk")
    )


def _activities(contact: Contact) -> list[ActivityExport]:
    rows = Activity.objects.filter(Q(contact=contact) | Q(lead__converted_to=contact))
    return [
        {
            "kind": a.kind,
            "at": a.occurred_at.isoformat(),
            "text": a.text,
            "changes": [c.model_dump() for c in parse_changes(a)],
            "by": str(a.actor) if a.actor else "",
        }
        for a in rows.select_related("actor").order_by("occurred_at", "pk")
    ]


def contact_export(contact: Contact, messages: list[Message]) -> ContactExport:
    leads = Lead.objects.filter(converted_to=contact)
    return {
        "exported_at": timezone.now().isoformat(),
        "id": contact.pk,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "position": contact.position,
        "stage": contact.stage,
        "source": contact.source,
        "account_type": contact.account_type,
        "address": contact.address_lines,
        "note": contact.note,
        "organization": contact.organization.name if contact.organization else None,
        "emails": [e.address for e in contact.emails.all()],
        "phones": [{"number": p.raw, "e164": p.e164, "kind": p.kind} for p in contact.phones.all()],
        "tags": [t.name for t in contact.tags.all()],
        "managers": [str(u) for u in contact.managers.all()],
        "custom": parse_custom(contact.custom),
        "leads": [
            {"code": lead.code, "name": lead.name, "email": lead.email, "phone": lead.phone_raw}
            for lead in leads
        ],
        "timeline": _activities(contact),
        "messages": [
            {
                "id": m.pk,
                "date": m.date.isoformat() if m.date else "",
                "subject": m.subject,
                "from_address": m.from_address,
                "to": m.to,
                "cc": m.cc,
                "file": f"messages/{m.pk}.eml",
            }
            for m in messages
        ],
    }


def export_zip(contact: Contact) -> bytes:
    """The zip described above."""
    from parley.contacts.services.avatars import read_avatar
    from parley.mail.blobs import read_raw

    messages = messages_of(contact)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        data = contact_export(contact, messages)
        archive.writestr("contact.json", json.dumps(data, ensure_ascii=False, indent=2))
        for message in messages:
            archive.writestr(f"messages/{message.pk}.eml", read_raw(message.raw_sha256))
        avatar = read_avatar(contact)
        if avatar is not None:
            archive.writestr("avatar.png", avatar)
    return buffer.getvalue()
