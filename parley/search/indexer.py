"""The search indexer: keeps the index caught up with messages, notes, contacts,
organizations and leads.

Each pass reads from a high-water mark kept in `IndexState`: immutable records (messages,
notes) by primary key, editable ones (contacts, organizations, leads) by `updated_at`. A
periodic sweep re-reads every editable record (changes that did not touch `updated_at`, such
as a new organization domain, are caught there) and drops index rows whose record is gone.
Soft deletions, merges, splits and permissions need no index work: searches join the hits to
live, visible rows. The one write that cannot wait for a pass is a GDPR erasure, which
rewrites "immutable" messages: its services send `parley.lib.signals.records_rewritten`
inside their transaction and `refresh` rewrites those rows, so the erased text leaves the
index when the erasure commits. `parley searchindex --loop`
runs a pass every few seconds in the worker; `parley reindex` rebuilds from scratch. Adding a
kind of record is one `documents` function and one `Kind` in KINDS.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from parley.contacts.models import Contact, Lead, Organization
from parley.contacts.normalize import format_phone
from parley.conversations.models import Note
from parley.mail.models import Attachment, Message
from parley.search.backends import KIND_SPAN, IndexRow, index_backend
from parley.search.models import IndexState
from parley.search.text import index_text

logger = logging.getLogger(__name__)

BATCH = 1000
# PostgreSQL hands out ids before commit, so a row may appear below the mark later.
LATE_PK_WINDOW = 500
LATE_UPDATE_WINDOW = timedelta(seconds=60)
SWEEP_EVERY = timedelta(minutes=15)


@dataclass(frozen=True)
class Document:
    """What is indexed for one record, as plain text in four weighted columns."""

    title: str = ""
    sender: str = ""
    recipients: str = ""
    body: str = ""

    def row(self, row_id: int) -> IndexRow:
        columns = [index_text(self.title), index_text(self.sender)]
        columns += [index_text(self.recipients), index_text(self.body)]
        digest = hashlib.sha1("\x1f".join(columns).encode(), usedforsecurity=False).hexdigest()
        return IndexRow(row_id, digest, *columns)


@dataclass(frozen=True)
class Kind:
    name: str
    code: int
    model: type[Model]
    # The documents of the records with these primary keys (absent: record gone).
    documents: Callable[[Sequence[int]], dict[int, Document]]
    editable: bool

    @property
    def base(self) -> int:
        return self.code * KIND_SPAN

    @property
    def top(self) -> int:
        return self.base + KIND_SPAN - 1


def _people(entries: list[dict[str, str]]) -> str:
    return " ".join(f"{e.get('name', '')} {e.get('address', '')}" for e in entries or [])


def message_documents(pks: Sequence[int]) -> dict[int, Document]:
    # Plain values, not model instances: this runs for every message ever stored.
    names: dict[int, list[str]] = {}
    attachments = Attachment.objects.filter(message_id__in=pks).exclude(filename="")
    for message_id, filename in attachments.values_list("message_id", "filename"):
        names.setdefault(message_id, []).append(filename)
    fields = ["pk", "subject", "from_name", "from_address", "sender", "to", "cc", "bcc"]
    rows = Message.objects.filter(pk__in=pks).values_list(*fields, "text", "snippet")
    return {
        pk: Document(
            title=subject,
            sender=f"{from_name} {from_address} {_people(sender)}",
            recipients=" ".join(_people(people) for people in (to, cc, bcc)),
            body=" ".join([text or snippet, *names.get(pk, [])]),
        )
        for pk, subject, from_name, from_address, sender, to, cc, bcc, text, snippet in rows
    }


def note_documents(pks: Sequence[int]) -> dict[int, Document]:
    rows = Note.objects.filter(pk__in=pks).values_list(
        "pk", "author__name", "author__email", "body"
    )
    return {
        pk: Document(sender=f"{name or ''} {email or ''}", body=body)
        for pk, name, email, body in rows
    }


def phone_forms(raw: str, e164: str) -> list[str]:
    """A number as typed, in E.164, in national digits and as people write it."""
    if not e164:
        return [raw]
    forms = [raw, e164, format_phone(e164)]
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return forms
    international = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    national = phonenumbers.national_significant_number(number)
    return [*forms, national, phonenumbers.format_number(number, international)]


def contact_documents(pks: Sequence[int]) -> dict[int, Document]:
    contacts = (
        Contact.objects.filter(pk__in=pks)
        .select_related("organization")
        .prefetch_related("emails", "phones", "tags")
    )
    return {
        c.pk: Document(
            title=c.full_name,
            sender=" ".join(e.address for e in c.emails.all()),
            recipients=" ".join(f for p in c.phones.all() for f in phone_forms(p.raw, p.e164)),
            body=" ".join(
                [c.position, c.organization.name if c.organization else "", c.city, c.note]
                + [t.name for t in c.tags.all()]
            ),
        )
        for c in contacts
    }


def nip_forms(nip: str) -> list[str]:
    if len(nip) != 10:
        return [nip]
    return [
        nip,
        f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}",
        f"{nip[:3]}-{nip[3:5]}-{nip[5:7]}-{nip[7:]}",
    ]


def organization_documents(pks: Sequence[int]) -> dict[int, Document]:
    organizations = Organization.objects.filter(pk__in=pks).prefetch_related("domains", "tags")
    return {
        o.pk: Document(
            title=o.name,
            sender=" ".join(d.domain for d in o.domains.all()),
            recipients=" ".join(nip_forms(o.tax_id)) if o.tax_id else "",
            body=" ".join([*o.address_lines, o.note, *(t.name for t in o.tags.all())]),
        )
        for o in organizations
    }


def lead_documents(pks: Sequence[int]) -> dict[int, Document]:
    return {
        lead.pk: Document(
            title=f"{lead.name} {lead.code}",
            sender=lead.email,
            recipients=" ".join(phone_forms(lead.phone_raw, lead.phone_e164)),
            body=" ".join(
                [lead.contact_name, lead.company, lead.description, lead.next_step, lead.source]
            ),
        )
        for lead in Lead.objects.filter(pk__in=pks)
    }


MESSAGE = Kind("message", 1, Message, message_documents, editable=False)
CONTACT = Kind("contact", 2, Contact, contact_documents, editable=True)
ORGANIZATION = Kind("organization", 3, Organization, organization_documents, editable=True)
NOTE = Kind("note", 4, Note, note_documents, editable=False)
LEAD = Kind("lead", 5, Lead, lead_documents, editable=True)
KINDS: list[Kind] = [MESSAGE, NOTE, CONTACT, ORGANIZATION, LEAD]


def _state(kind: Kind) -> IndexState:
    state, _ = IndexState.objects.get_or_create(kind=kind.name)
    return state


def _write(kind: Kind, pks: Sequence[int], *, only_changed: bool) -> int:
    """Index the records `pks` of `kind`; returns how many index rows were written."""
    if not pks:
        return 0
    backend = index_backend()
    documents = kind.documents(pks)
    rows = [document.row(kind.base + pk) for pk, document in documents.items()]
    if only_changed:
        known = backend.digests(kind.base + min(pks), kind.base + max(pks))
        rows = [row for row in rows if known.get(row.id) != row.digest]
    backend.replace(rows)
    gone = [kind.base + pk for pk in pks if pk not in documents]
    if gone:
        backend.delete(gone)
    return len(rows)


def _catch_up_immutable(kind: Kind) -> int:
    state = _state(kind)
    manager: Any = kind.model._default_manager
    late = list(
        manager.filter(pk__gt=state.last_pk - LATE_PK_WINDOW, pk__lte=state.last_pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    written = 0
    if late:
        known = index_backend().digests(kind.base + late[0], kind.base + late[-1])
        with transaction.atomic():
            written += _write(
                kind, [pk for pk in late if kind.base + pk not in known], only_changed=False
            )
    while pks := list(
        manager.filter(pk__gt=state.last_pk).order_by("pk").values_list("pk", flat=True)[:BATCH]
    ):
        with transaction.atomic():
            written += _write(kind, pks, only_changed=False)
            state.last_pk = pks[-1]
            state.updated_at = timezone.now()
            state.save(update_fields=["last_pk", "updated_at"])
    return written


def _catch_up_editable(kind: Kind) -> int:
    state = _state(kind)
    manager: Any = kind.model._default_manager
    since = state.last_updated_at - LATE_UPDATE_WINDOW if state.last_updated_at else None
    cursor: tuple[datetime | None, int] = (since, 0)
    written = 0
    while True:
        rows = manager.order_by("updated_at", "pk")
        if cursor[0] is not None:
            rows = rows.filter(
                Q(updated_at__gt=cursor[0]) | Q(updated_at=cursor[0], pk__gt=cursor[1])
            )
        batch = list(rows.values_list("pk", "updated_at")[:BATCH])
        if not batch:
            return written
        with transaction.atomic():
            written += _write(kind, sorted(pk for pk, _ in batch), only_changed=True)
            state.last_updated_at = max(state.last_updated_at or batch[-1][1], batch[-1][1])
            state.updated_at = timezone.now()
            state.save(update_fields=["last_updated_at", "updated_at"])
        cursor = (batch[-1][1], batch[-1][0])


def sweep(kind: Kind, *, chunk: int = 10_000) -> int:
    """Re-read every record of an editable kind and drop index rows of vanished records."""
    manager: Any = kind.model._default_manager
    backend = index_backend()
    backend.ensure()
    top = manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    known_top = (backend.max_id(kind.base, kind.top) or kind.base) - kind.base
    written = 0
    for low in range(0, max(top, known_top) + 1, chunk):
        high = low + chunk - 1
        alive = list(manager.filter(pk__gte=low, pk__lte=high).values_list("pk", flat=True))
        with transaction.atomic():
            if kind.editable:
                written += _write(kind, alive, only_changed=True)
            indexed = backend.digests(kind.base + low, kind.base + high)
            gone = set(indexed) - {kind.base + pk for pk in alive}
            backend.delete(sorted(gone))
    IndexState.objects.filter(kind=kind.name).update(last_sweep_at=timezone.now())
    return written


def refresh(*querysets: QuerySet[Any]) -> int:
    """Index the records of `querysets` now, in the caller's transaction; returns the rows
    written. For writes that must not wait for the next pass: a GDPR erasure rewrites stored
    messages, and their old text must leave the index when the erasure commits."""
    written = 0
    for queryset in querysets:
        kind = next(kind for kind in KINDS if kind.model is queryset.model)
        pks = sorted(queryset.order_by().values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            written += _write(kind, pks[start : start + BATCH], only_changed=False)
    return written


def on_records_rewritten(
    sender: object, *, querysets: Sequence[QuerySet[Any]], **kwargs: Any
) -> None:
    """`parley.lib.signals.records_rewritten` receiver: refresh the rewritten records."""
    refresh(*(queryset for queryset in querysets if any(k.model is queryset.model for k in KINDS)))


def catch_up(*, force_sweep: bool = False) -> int:
    """One indexer pass over every kind; returns the number of index rows written."""
    written = 0
    for kind in KINDS:
        state = _state(kind)
        written += _catch_up_editable(kind) if kind.editable else _catch_up_immutable(kind)
        due = state.last_sweep_at is None or timezone.now() - state.last_sweep_at > SWEEP_EVERY
        if force_sweep or due:
            written += sweep(kind)
    if written:
        index_backend().settle()
    return written


def reindex(kinds: Sequence[Kind] = KINDS) -> int:
    """Drop and rebuild the index of `kinds`. Searches miss records until it finishes."""
    backend = index_backend()
    everything = {kind.name for kind in kinds} == {kind.name for kind in KINDS}
    with transaction.atomic():
        if everything:
            backend.clear_all()
        for kind in kinds:
            if not everything:
                backend.clear(kind.base, kind.top)
            IndexState.objects.filter(kind=kind.name).delete()
    written = 0
    for kind in kinds:
        written += _catch_up_editable(kind) if kind.editable else _catch_up_immutable(kind)
        logger.info("Reindexed %s: %d rows", kind.name, written)
    backend.rebuilt()
    return written


def lag(*, cap: int = 10_000) -> int:
    """How many records wait to be indexed (at most `cap`); the UI says so when not 0."""
    waiting = 0
    for kind in KINDS:
        state = IndexState.objects.filter(kind=kind.name).first()
        manager: Any = kind.model._default_manager
        if kind.editable:
            pending = (
                manager.filter(updated_at__gt=state.last_updated_at)
                if state and state.last_updated_at
                else manager.all()
            )
        else:
            pending = manager.filter(pk__gt=state.last_pk if state else 0)
        waiting += pending.order_by()[:cap].count()
    return min(waiting, cap)
