"""Store received e-mail exactly once and file it into conversations (issue 3 parts 2-5).

``ingest_batch`` is the write path for received mail: IMAP sync (one FETCH batch at a time)
and ``parley import`` (chunks of a few hundred) call it; ``ingest_raw`` is the same for one
message (the API, the assistant address, the Sent copy of outgoing mail). Order of work, so
that no message is ever lost (docs/architecture.md, "Mail pipeline"):

1. the raw bytes go to content-addressed blob storage (idempotent);
2. known locations (folder, UIDVALIDITY, UID) are looked up for the whole batch in one query;
   a known location returns the stored message;
3. every other message is parsed once (``parse_for_ingest``: identity and fields from the
   same parse; in worker processes when a ``ParsePool`` is given) — outside any write
   transaction, as on SQLite a write transaction holds the database lock;
4. known identities (Message-ID + content hash) are looked up in one query; a known
   identity gets the new location — a message deleted in Parley stays deleted;
5. the rest is threaded for the whole batch (``threading.BatchThreader``, including the
   messages earlier in the same batch) and written with bulk inserts: conversations (numbers
   from one counter update), messages, attachments, locations, then one counter update per
   conversation that was continued. A message that cannot be parsed is stored anyway with
   ``parse_error`` set, in a conversation of its own, and can be parsed again later with
   ``reparse_message``.

``write_batch`` runs in a savepoint, so sync calls it inside the transaction that also
records the folder's progress; it raises only for database failures. Two workers ingesting
the same message race on the unique constraints: the batch's savepoint rolls back on the
IntegrityError and its messages are written one by one, where the loser of a race finds
the winner's row and returns it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from parley.accounts.models import Team
from parley.conversations.models import CLOSED_STATUSES, Conversation
from parley.conversations.quoting import split_reply
from parley.conversations.services import (
    NewConversation as NewConversationSpec,
)
from parley.conversations.services import (
    create_conversations,
    record_messages_added,
    reopen_on_reply,
)
from parley.conversations.services.notifications import (
    notify_new_replies,
)
from parley.mail import blobs
from parley.mail.models import (
    Attachment,
    Direction,
    FolderRole,
    Mailbox,
    MailFolder,
    Message,
    MessageLocation,
    MessageSource,
)
from parley.mail.parsepool import ParsePool
from parley.mail.parsing import Identity, ParsedMessage, ParseOutcome, parse_for_ingest
from parley.mail.threading import BatchThreader, ConversationRef, NewConversation

logger = logging.getLogger(__name__)
UID_CHUNK = 500
# Import reads this many messages per batch (sync uses its FETCH batches).
IMPORT_BATCH = 200


@dataclass(frozen=True, slots=True)
class Location:
    folder: MailFolder
    uidvalidity: int
    uid: int


@dataclass(frozen=True, slots=True)
class BatchItem:
    raw: bytes
    location: Location | None = None
    source: MessageSource | None = None  # None: the batch's source


@dataclass(frozen=True, slots=True)
class IngestResult:
    message: Message
    created: bool  # False when it was a duplicate (location or identity)


@dataclass(frozen=True, slots=True)
class _StoredAttachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    content_id: str
    is_inline: bool


@dataclass(slots=True)
class PreparedItem:
    """One message of a batch between preparation and writing."""

    location: Location | None
    raw_sha256: str
    raw_size: int
    source: MessageSource
    stored: Message | None = None  # known location or identity
    outcome: ParseOutcome | None = None
    attachments: list[_StoredAttachment] = field(default_factory=list)
    reply_text: str = ""


@dataclass(slots=True)
class PreparedBatch:
    """A batch parsed and looked up, ready for ``write_batch`` (holds no raw bytes)."""

    items: list[PreparedItem]
    source: MessageSource
    mailbox: Mailbox | None
    team: Team


def location_exists(*, folder: MailFolder, uidvalidity: int, uid: int) -> bool:
    return MessageLocation.objects.filter(folder=folder, uidvalidity=uidvalidity, uid=uid).exists()


def known_uids(*, folder: MailFolder, uidvalidity: int, uids: Sequence[int]) -> set[int]:
    """The subset of ``uids`` already stored for this folder and UIDVALIDITY."""
    found: set[int] = set()
    for start in range(0, len(uids), UID_CHUNK):
        chunk = list(uids[start : start + UID_CHUNK])
        found.update(
            MessageLocation.objects.filter(
                folder=folder, uidvalidity=uidvalidity, uid__in=chunk
            ).values_list("uid", flat=True)
        )
    return found


# Lookups.


def _at_locations(items: Sequence[PreparedItem]) -> None:
    """Fill ``stored`` for the items whose location is known: one query per folder."""
    groups: dict[tuple[int, int], dict[int, PreparedItem]] = {}
    for item in items:
        if item.location is not None and item.stored is None:
            key = (item.location.folder.pk, item.location.uidvalidity)
            groups.setdefault(key, {})[item.location.uid] = item
    for (folder_id, uidvalidity), by_uid in groups.items():
        uids = sorted(by_uid)
        for start in range(0, len(uids), UID_CHUNK):
            found = MessageLocation.objects.filter(
                folder_id=folder_id,
                uidvalidity=uidvalidity,
                uid__in=uids[start : start + UID_CHUNK],
            ).select_related("message")
            for location in found:
                by_uid[location.uid].stored = location.message


def _key(identity: Identity) -> tuple[str | None, str]:
    return (identity.message_id, identity.content_hash)


def _by_identities(identities: Iterable[Identity]) -> dict[tuple[str | None, str], Message]:
    """Stored messages with any of these identities (deleted ones too): one query per 500."""
    wanted = {_key(identity) for identity in identities}
    hashes = sorted({content_hash for _, content_hash in wanted})
    found: dict[tuple[str | None, str], Message] = {}
    for start in range(0, len(hashes), UID_CHUNK):
        for message in Message.objects.filter(content_hash__in=hashes[start : start + UID_CHUNK]):
            key = (message.message_id, message.content_hash)
            if key in wanted:
                found.setdefault(key, message)
    return found


def _by_identity(identity: Identity) -> Message | None:
    if identity.message_id is None:
        lookup = Q(message_id__isnull=True)
    else:
        lookup = Q(message_id=identity.message_id)
    return Message.objects.filter(lookup, content_hash=identity.content_hash).first()


def _lookup_identities(items: Sequence[PreparedItem]) -> None:
    pending = [i for i in items if i.stored is None and i.outcome is not None]
    if not pending:
        return
    found = _by_identities(i.outcome.identity for i in pending if i.outcome is not None)
    for item in pending:
        if item.outcome is not None:
            item.stored = found.get(_key(item.outcome.identity))


# Preparation: blobs, parse, lookups. Outside any write transaction.


def _store_attachment_blobs(item: PreparedItem) -> None:
    parsed = item.outcome.parsed if item.outcome is not None else None
    if parsed is None:
        return
    item.attachments = [
        _StoredAttachment(
            filename=att.filename,
            content_type=att.content_type,
            size=len(att.content),
            sha256=blobs.store_attachment(att.content),
            content_id=att.content_id,
            is_inline=att.is_inline,
        )
        for att in parsed.attachments
    ]
    # The contents are in blob storage now; do not hold them for the rest of the batch.
    parsed.attachments = []


def _reply_text(item: PreparedItem) -> str:
    """The new text without quotes and signature (docs/decisions/0008-quoted-text.md).

    Computed here, outside the write transaction, once per new message.
    """
    parsed = item.outcome.parsed if item.outcome is not None else None
    return split_reply(parsed.text).visible if parsed is not None else ""


def prepare_batch(
    items: Sequence[BatchItem],
    *,
    source: MessageSource,
    mailbox: Mailbox | None = None,
    team: Team | None = None,
    pool: ParsePool | None = None,
) -> PreparedBatch:
    """Store the raw bytes, look up locations, parse once, look up identities.

    Writes only blobs (idempotent), so it belongs outside the write transaction. The result
    holds no raw bytes: the batch's memory is the parsed text, freed after ``write_batch``.
    """
    if mailbox is None:
        located = next((item.location for item in items if item.location is not None), None)
        mailbox = located.folder.mailbox if located is not None else None
    team = team or (mailbox.team if mailbox is not None else None)
    if team is None:
        raise ValueError("ingest_raw needs a mailbox or a team.")
    # With worker processes, every message is parsed while the raw bytes are written (one
    # at a known location is then parsed for nothing: sync has already left those out).
    # Nothing that depends on the parse is written before every blob is stored.
    early = pool.submit([i.raw for i in items]) if pool and pool.parallel(len(items)) else None
    prepared = [
        PreparedItem(
            location=item.location,
            raw_sha256=blobs.store_raw(item.raw),
            raw_size=len(item.raw),
            source=item.source or source,
        )
        for item in items
    ]
    _at_locations(prepared)
    if early is not None:
        for item, outcome in zip(prepared, early(), strict=True):
            if item.stored is None:
                item.outcome = outcome
    else:
        for item, batch_item in zip(prepared, items, strict=True):
            if item.stored is None:
                item.outcome = parse_for_ingest(batch_item.raw)
    _lookup_identities(prepared)
    for item in prepared:
        if item.stored is None:
            _store_attachment_blobs(item)
            item.reply_text = _reply_text(item)
    return PreparedBatch(items=prepared, source=source, mailbox=mailbox, team=team)


# Writing.


def _direction(
    parsed: ParsedMessage, mailbox: Mailbox | None, location: Location | None
) -> Direction:
    if location is not None and location.folder.role == FolderRole.SENT:
        return Direction.OUTBOUND
    sender = parsed.from_[0]["address"] if parsed.from_ else ""
    if mailbox is not None and sender and sender == mailbox.email.strip().lower():
        return Direction.OUTBOUND
    return Direction.INBOUND


def _message_fields(parsed: ParsedMessage) -> dict[str, object]:
    first_from = parsed.from_[0] if parsed.from_ else {"name": "", "address": ""}
    return {
        "in_reply_to": parsed.in_reply_to[:998],
        "references": " ".join(parsed.references),
        "subject": parsed.subject,
        "from_name": first_from["name"][:500],
        "from_address": first_from["address"][:320],
        "sender": parsed.sender,
        "reply_to": parsed.reply_to,
        "to": parsed.to,
        "cc": parsed.cc,
        "bcc": parsed.bcc,
        "date": parsed.date,
        "text": parsed.text,
        "html": parsed.html,
        "snippet": parsed.snippet,
        "has_attachments": bool(parsed.attachments),
        "is_auto_reply": parsed.flags.auto_reply,
        "is_bounce": parsed.flags.bounce,
        "is_bulk": parsed.flags.bulk,
        "parse_error": "",
    }


def _attachment_rows(message: Message, item: PreparedItem) -> list[Attachment]:
    return [
        Attachment(
            message=message,
            filename=att.filename,
            content_type=att.content_type,
            size=att.size,
            sha256=att.sha256,
            content_id=att.content_id,
            is_inline=att.is_inline,
        )
        for att in item.attachments
    ]


def _location_row(message: Message, location: Location) -> MessageLocation:
    return MessageLocation(
        message=message,
        mailbox_id=location.folder.mailbox_id,
        folder=location.folder,
        uidvalidity=location.uidvalidity,
        uid=location.uid,
    )


@dataclass(slots=True)
class _Plan:
    """What the write of one batch creates, in batch order."""

    messages: list[tuple[PreparedItem, Message, ConversationRef]] = field(default_factory=list)
    new_conversations: list[NewConversationSpec] = field(default_factory=list)
    # Continued conversations: pk -> (messages added, latest date, an unflagged reply came in).
    continued: dict[int, tuple[int, datetime, bool]] = field(default_factory=dict)


def _plan(batch: PreparedBatch, new: list[PreparedItem]) -> _Plan:
    plan = _Plan()
    parsed_all = [i.outcome.parsed for i in new if i.outcome and i.outcome.parsed]
    threader = BatchThreader(team=batch.team, messages=parsed_all) if parsed_all else None
    queue = batch.mailbox.default_queue if batch.mailbox is not None else None
    now = timezone.now()
    for item in new:
        assert item.outcome is not None  # noqa: S101  # new items were all parsed
        parsed = item.outcome.parsed
        direction = Direction.INBOUND
        if parsed is not None:
            direction = _direction(parsed, batch.mailbox, item.location)
        elif item.source == MessageSource.SENT:
            direction = Direction.OUTBOUND
        fields = _message_fields(parsed) if parsed is not None else {}
        fields["has_attachments"] = bool(item.attachments)
        fields["reply_text"] = item.reply_text
        if parsed is None:
            fields["parse_error"] = item.outcome.error
        message = Message(
            mailbox=batch.mailbox,
            message_id=item.outcome.identity.message_id,
            content_hash=item.outcome.identity.content_hash,
            raw_sha256=item.raw_sha256,
            raw_size=item.raw_size,
            direction=direction,
            source=item.source,
            **fields,
        )
        at = message.date or now
        match = threader.find(parsed) if threader is not None and parsed is not None else None
        ref: ConversationRef
        if match is None:
            ref = NewConversation(len(plan.new_conversations))
            plan.new_conversations.append(
                NewConversationSpec(
                    team=batch.team,
                    subject=parsed.subject if parsed is not None else "",
                    mailbox=batch.mailbox,
                    queue=queue,
                )
            )
        else:
            ref = match.conversation
        _count(plan, ref, at, parsed, direction)
        if threader is not None and parsed is not None:
            threader.add(parsed, direction=direction, conversation=ref)
        plan.messages.append((item, message, ref))
    return plan


def _count(
    plan: _Plan, ref: ConversationRef, at: datetime, parsed: ParsedMessage | None, direction: str
) -> None:
    if isinstance(ref, NewConversation):
        spec = plan.new_conversations[ref.index]
        latest = spec.last_message_at
        plan.new_conversations[ref.index] = replace(
            spec,
            message_count=spec.message_count + 1,
            last_message_at=at if latest is None or latest < at else latest,
        )
        return
    count, latest, reply = plan.continued.get(ref, (0, at, False))
    flagged = parsed is None or parsed.flags.auto_reply or parsed.flags.bounce or parsed.flags.bulk
    # An automatic answer must not reopen a closed conversation (MB6: no loops).
    reply = reply or (direction == Direction.INBOUND and not flagged)
    plan.continued[ref] = (count + 1, max(latest, at), reply)


def _write(batch: PreparedBatch) -> list[IngestResult]:
    results: list[IngestResult | None] = [None] * len(batch.items)
    duplicates: list[tuple[int, PreparedItem, Message | tuple[str | None, str]]] = []
    new: list[PreparedItem] = []
    new_index: dict[tuple[str | None, str], int] = {}
    for index, item in enumerate(batch.items):
        if item.stored is not None:
            duplicates.append((index, item, item.stored))
            continue
        assert item.outcome is not None  # noqa: S101  # every unknown message was parsed
        key = _key(item.outcome.identity)
        if key in new_index:  # twice in one batch: the second copy is a duplicate
            duplicates.append((index, item, key))
            continue
        new_index[key] = index
        new.append(item)
    plan = _plan(batch, new)
    conversations = create_conversations(new=plan.new_conversations)
    continued = Conversation.objects.in_bulk(list(plan.continued))
    rows: list[Message] = []
    for _, message, ref in plan.messages:
        if isinstance(ref, NewConversation):
            message.conversation = conversations[ref.index]
        else:
            message.conversation = continued[ref]
        rows.append(message)
    Message.objects.bulk_create(rows)
    by_key = {(m.message_id, m.content_hash): m for m in rows}
    Attachment.objects.bulk_create(
        row for item, message, _ in plan.messages for row in _attachment_rows(message, item)
    )
    # A clash here rolls back the whole batch (see write_batch).
    MessageLocation.objects.bulk_create(
        _location_row(message, item.location)
        for item, message, _ in plan.messages
        if item.location is not None
    )
    for (_, message, _), index in zip(plan.messages, new_index.values(), strict=True):
        results[index] = IngestResult(message, created=True)
    again: list[MessageLocation] = []
    for index, item, stored in duplicates:
        message = stored if isinstance(stored, Message) else by_key[stored]
        results[index] = IngestResult(message, created=False)
        if item.location is not None:
            again.append(_location_row(message, item.location))
    # A location stored meanwhile (or earlier in this batch) is fine.
    MessageLocation.objects.bulk_create(again, ignore_conflicts=True)
    for pk, (_, _, reply) in plan.continued.items():
        if reply and continued[pk].status in CLOSED_STATUSES:
            reopen_on_reply(conversation=continued[pk])
    # Imported history is old news: only live mail notifies assignees and followers.
    if batch.source != MessageSource.IMPORT:
        replied = [continued[pk] for pk, (_, _, reply) in plan.continued.items() if reply]
        notify_new_replies(conversations=replied)
    record_messages_added(
        added=[(continued[pk], count, latest) for pk, (count, latest, _) in plan.continued.items()]
    )
    return [result for result in results if result is not None]


def write_batch(batch: PreparedBatch) -> list[IngestResult]:
    """Write a prepared batch in one savepoint; results in the order of the batch.

    On an IntegrityError (another worker stored one of these messages or locations
    meanwhile) the batch is written again one message at a time, each looked up afresh; a
    single message that lost the race returns the winner's row, with its location added.
    """
    try:
        with transaction.atomic():
            return _write(batch)
    except IntegrityError:
        if len(batch.items) == 1:
            item = batch.items[0]
            winner = _by_identity(item.outcome.identity) if item.outcome is not None else None
            if winner is None:
                raise
            if item.location is not None:
                with transaction.atomic():
                    MessageLocation.objects.bulk_create(
                        [_location_row(winner, item.location)], ignore_conflicts=True
                    )
            return [IngestResult(winner, created=False)]
    results: list[IngestResult] = []
    for item in batch.items:
        if item.stored is None and item.outcome is not None:
            item.stored = _by_identity(item.outcome.identity)
        results += write_batch(PreparedBatch([item], batch.source, batch.mailbox, batch.team))
    return results


def ingest_batch(
    items: Sequence[BatchItem],
    *,
    source: MessageSource,
    mailbox: Mailbox | None = None,
    team: Team | None = None,
    pool: ParsePool | None = None,
) -> list[IngestResult]:
    """Store and file a batch of messages (``prepare_batch`` then ``write_batch``).

    Results come in the order of ``items``. Safe inside the caller's transaction; never
    raises for bad MIME.
    """
    if not items:
        return []
    batch = prepare_batch(items, source=source, mailbox=mailbox, team=team, pool=pool)
    with transaction.atomic(savepoint=False):
        return write_batch(batch)


def ingest_raw(
    *,
    raw: bytes,
    source: MessageSource,
    mailbox: Mailbox | None = None,
    location: Location | None = None,
    team: Team | None = None,
) -> IngestResult:
    """Store ``raw`` once and file it; see the module docstring for the guarantees."""
    items = [BatchItem(raw=raw, location=location)]
    return ingest_batch(items, source=source, mailbox=mailbox, team=team)[0]


def reparse_message(*, message: Message) -> Message:
    """Parse a stored message again from its raw bytes (after a parser fix).

    Its own transaction (durable): call it from a view, task or command, not from ingest.
    Identity, conversation, source and direction are kept; parsed fields and attachments are
    replaced. If parsing fails again, ``parse_error`` records the new error. An erased
    message (GDPR) has no raw bytes left and is returned unchanged.
    """
    if message.is_erased:
        return message
    raw = blobs.read_raw(message.raw_sha256)
    outcome = parse_for_ingest(raw)
    item = PreparedItem(
        location=None,
        raw_sha256=message.raw_sha256,
        raw_size=len(raw),
        source=MessageSource(message.source),
        outcome=outcome,
    )
    _store_attachment_blobs(item)
    with transaction.atomic(durable=True):
        if outcome.parsed is None:
            Message.objects.filter(pk=message.pk).update(parse_error=outcome.error)
        else:
            fields = _message_fields(outcome.parsed)
            fields["has_attachments"] = bool(item.attachments)
            fields["reply_text"] = _reply_text(item)
            Message.objects.filter(pk=message.pk).update(**fields)
            message.attachments.all().delete()
            Attachment.objects.bulk_create(_attachment_rows(message, item))
    message.refresh_from_db()
    return message


REPLY_TEXT_CHUNK = 500


def store_reply_texts(*, messages: QuerySet[Message]) -> int:
    """Compute and store ``reply_text`` from the stored ``text`` (no raw bytes are read).

    For messages stored before the column existed, or all of them after the quote rules
    change. Walks ``messages`` in primary-key order, 500 at a time, each chunk its own
    transaction (durable: call it from a command, not from ingest). Erased messages are
    left alone. Returns the number of messages written.
    """
    query = messages.filter(is_erased=False).order_by("pk").only("pk", "text")
    done = last = 0
    while rows := list(query.filter(pk__gt=last)[:REPLY_TEXT_CHUNK]):
        for row in rows:
            row.reply_text = split_reply(row.text).visible
        with transaction.atomic(durable=True):
            Message.objects.bulk_update(rows, ["reply_text"])
        done += len(rows)
        last = rows[-1].pk
    return done
