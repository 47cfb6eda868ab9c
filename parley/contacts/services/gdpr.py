"""Erase a contact for a GDPR erasure request (AU2).

The contact row stays (so conversations and the audit trail keep pointing somewhere) but
everything personal goes: names, addresses, numbers, e-mail addresses, note, custom
fields, the avatar (its file after the commit), tags, managers, the personal fields of
leads converted into it, and the texts and old/new values of its timeline. One timeline entry records who erased it and when,
without personal data. Runs in `transaction.atomic()`; no side effect outside the database.

The contact's e-mails (from or to its addresses, and every message of the conversations
linked to it) are redacted by `parley.mail.services.redact_messages` in the same
transaction; their blobs are deleted after the commit (see docs/users.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parley.contacts.models import Activity, ActivityKind, Contact, Lead
from parley.contacts.services.avatars import delete_avatar_file_later
from parley.lib.signals import records_rewritten
from parley.mail.services import redact_messages

if TYPE_CHECKING:
    from parley.accounts.models import User

ERASED = "[erased]"
PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "position",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "region",
    "country",
    "note",
)


def erase_contact(*, contact: Contact, actor: User | None) -> Contact:
    """Redact the contact's personal data and keep one audit entry of the erasure."""
    with transaction.atomic():
        # Read before the addresses are deleted below: they find the person's e-mail.
        addresses = list(contact.emails.values_list("address", flat=True))
        conversation_ids = list(contact.conversations.values_list("pk", flat=True))
        redacted = redact_messages(
            team_id=contact.team_id, addresses=addresses, conversation_ids=conversation_ids
        )
        for name in PERSONAL_FIELDS:
            setattr(contact, name, "")
        contact.first_name = _("Erased contact %(id)s") % {"id": contact.pk}
        contact.custom = {}
        delete_avatar_file_later(contact.avatar)
        contact.avatar = ""
        contact.updated_at = timezone.now()
        contact.save(update_fields=[*PERSONAL_FIELDS, "custom", "avatar", "updated_at"])
        contact.emails.all().delete()
        contact.phones.all().delete()
        contact.tags.clear()
        contact.managers.clear()
        Lead.objects.filter(converted_to=contact).update(
            contact_name="", email="", phone_raw="", phone_e164="", description=ERASED
        )
        records_rewritten.send(
            Contact, querysets=[Contact.objects.filter(pk=contact.pk), contact.leads.all()]
        )
        Activity.objects.filter(Q(contact=contact) | Q(lead__converted_to=contact)).update(
            text=ERASED, changes=[]
        )
        Activity.objects.create(
            team_id=contact.team_id,
            kind=ActivityKind.FIELD_CHANGE,
            contact=contact,
            actor=actor,
            text=ngettext(
                "Personal data erased (GDPR); %(count)d e-mail redacted.",
                "Personal data erased (GDPR); %(count)d e-mails redacted.",
                redacted,
            )
            % {"count": redacted},
        )
    return contact
