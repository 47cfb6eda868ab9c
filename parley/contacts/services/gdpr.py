"""Erase a contact for a GDPR erasure request (AU2).

The contact row stays (so conversations and the audit trail keep pointing somewhere) but
everything personal goes: names, addresses, numbers, e-mail addresses, note, custom
fields, tags, managers, the personal fields of leads converted into it, and the texts and
old/new values of its timeline. One timeline entry records who erased it and when,
without personal data. Runs in `transaction.atomic()`; no side effect outside the database.

The e-mails themselves belong to `parley.mail`, whose messages are immutable records; a
redaction of stored messages is that app's job (see docs/users.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.contacts.models import Activity, ActivityKind, Contact, Lead

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
        for name in PERSONAL_FIELDS:
            setattr(contact, name, "")
        contact.first_name = _("Erased contact %(id)s") % {"id": contact.pk}
        contact.custom = {}
        contact.updated_at = timezone.now()
        contact.save(update_fields=[*PERSONAL_FIELDS, "custom", "updated_at"])
        contact.emails.all().delete()
        contact.phones.all().delete()
        contact.tags.clear()
        contact.managers.clear()
        Lead.objects.filter(converted_to=contact).update(
            contact_name="", email="", phone_raw="", phone_e164="", description=ERASED
        )
        Activity.objects.filter(Q(contact=contact) | Q(lead__converted_to=contact)).update(
            text=ERASED, changes=[]
        )
        Activity.objects.create(
            team_id=contact.team_id,
            kind=ActivityKind.FIELD_CHANGE,
            contact=contact,
            actor=actor,
            text=_("Personal data erased (GDPR)."),
        )
    return contact
