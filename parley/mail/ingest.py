"""Store one raw e-mail exactly once and file it into a conversation (issue 3 parts 2-5).

``ingest_raw`` is the single write path for received mail: IMAP sync, ``parley import``,
the API and the assistant address all call it. Order of work, so that no message is ever
lost (docs/architecture.md, "Mail pipeline"):

1. the raw bytes go to content-addressed blob storage (idempotent);
2. a known location (folder, UIDVALIDITY, UID) returns the stored message;
3. a known identity (Message-ID + content hash, read from the headers only) gets the new
   location and returns the stored message — a message deleted in Parley stays deleted;
4. otherwise the message is parsed, threaded and written. A message that cannot be parsed
   is stored anyway with ``parse_error`` set, in a conversation of its own, and can be
   parsed again later with ``reparse_message``.

It runs in a savepoint, so a sync may call it inside the transaction that also records the
folder's progress; it raises only for database failures. Two workers ingesting the same
message race on the identity constraint: the loser catches the IntegrityError inside its
savepoint and returns the winner's row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from parley.accounts.models import Team
from parley.conversations.models import Conversation
from parley.conversations.services import (
    create_conversation,
    record_message_added,
    reopen_on_reply,
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
from parley.mail.parsing import Identity, ParsedMessage, identity_of, parse_message
from parley.mail.threading import find_conversation

logger = logging.getLogger(__name__)
UID_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Location:
    folder: MailFolder
    uidvalidity: int
    uid: int


@dataclass(frozen=True, slots=True)
class IngestResult:
    message: Message
    created: bool  # False when it was a duplicate (location or identity)


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


def _safe_identity(raw: bytes, raw_sha256: str) -> Identity:
    try:
        return identity_of(raw)
    except Exception:
        # Headers so broken that even the header parser fails: the raw bytes are the identity.
        logger.warning("Cannot read the headers of raw message %s", raw_sha256, exc_info=True)
        return Identity(message_id=None, content_hash=raw_sha256)


def _by_identity(identity: Identity) -> Message | None:
    if identity.message_id is None:
        lookup = Q(message_id__isnull=True)
    else:
        lookup = Q(message_id=identity.message_id)
    return Message.objects.filter(lookup, content_hash=identity.content_hash).first()


def _add_location(message: Message, location: Location | None) -> None:
    """Record where ``message`` was seen; a location stored meanwhile by another worker is fine."""
    if location is None:
        return
    try:
        with transaction.atomic():
            _create_location(message, location)
    except IntegrityError:
        pass


def _create_location(message: Message, location: Location) -> None:
    MessageLocation.objects.create(
        message=message,
        mailbox_id=location.folder.mailbox_id,
        folder=location.folder,
        uidvalidity=location.uidvalidity,
        uid=location.uid,
    )


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


def _store_attachments(message: Message, parsed: ParsedMessage) -> None:
    rows = [
        Attachment(
            message=message,
            filename=att.filename,
            content_type=att.content_type,
            size=len(att.content),
            sha256=blobs.store_attachment(att.content),
            content_id=att.content_id,
            is_inline=att.is_inline,
        )
        for att in parsed.attachments
    ]
    Attachment.objects.bulk_create(rows)


def _parse(
    raw: bytes, raw_sha256: str, identity: Identity | None = None
) -> tuple[ParsedMessage | None, str]:
    try:
        return parse_message(raw, identity=identity), ""
    except Exception as exc:
        logger.warning("Cannot parse raw message %s", raw_sha256, exc_info=True)
        return None, f"{type(exc).__name__}: {exc}"[:2000]


def _conversation_for(
    parsed: ParsedMessage | None, *, team: Team, mailbox: Mailbox | None, direction: Direction
) -> Conversation:
    if parsed is not None:
        match = find_conversation(parsed=parsed, team=team)
        if match is not None:
            flagged = parsed.flags.auto_reply or parsed.flags.bounce or parsed.flags.bulk
            # An automatic answer must not reopen a closed conversation (MB6: no loops).
            if direction == Direction.INBOUND and not flagged:
                reopen_on_reply(conversation=match.conversation)
            return match.conversation
    return create_conversation(
        team=team,
        subject=parsed.subject if parsed is not None else "",
        mailbox=mailbox,
        queue=mailbox.default_queue if mailbox is not None else None,
    )


@dataclass(frozen=True, slots=True)
class _NewMessage:
    raw: bytes
    raw_sha256: str
    identity: Identity
    source: str
    mailbox: Mailbox | None
    location: Location | None
    team: Team


def _create(new: _NewMessage, parsed: ParsedMessage | None, error: str) -> Message:
    direction: Direction = Direction.INBOUND
    if parsed is not None:
        direction = _direction(parsed, new.mailbox, new.location)
    elif new.source == MessageSource.SENT:
        direction = Direction.OUTBOUND
    with transaction.atomic():
        conversation = _conversation_for(
            parsed, team=new.team, mailbox=new.mailbox, direction=direction
        )
        fields = _message_fields(parsed) if parsed is not None else {"parse_error": error}
        message = Message.objects.create(
            conversation=conversation,
            mailbox=new.mailbox,
            message_id=new.identity.message_id,
            content_hash=new.identity.content_hash,
            raw_sha256=new.raw_sha256,
            raw_size=len(new.raw),
            direction=direction,
            source=new.source,
            **fields,
        )
        if parsed is not None:
            _store_attachments(message, parsed)
        record_message_added(conversation=conversation, at=message.date or timezone.now())
        if new.location is not None:
            # No savepoint of its own: a clash rolls back the whole message (see ingest_raw).
            _create_location(message, new.location)
    return message


def ingest_raw(
    *,
    raw: bytes,
    source: MessageSource,
    mailbox: Mailbox | None = None,
    location: Location | None = None,
    team: Team | None = None,
) -> IngestResult:
    """Store ``raw`` once and file it; see the module docstring for the guarantees.

    Runs in a savepoint (safe inside the caller's transaction); never raises for bad MIME.
    """
    raw_sha256 = blobs.store_raw(raw)
    if location is not None:
        at_location = (
            MessageLocation.objects.filter(
                folder=location.folder, uidvalidity=location.uidvalidity, uid=location.uid
            )
            .select_related("message")
            .first()
        )
        if at_location is not None:
            return IngestResult(at_location.message, created=False)
        mailbox = mailbox or location.folder.mailbox
    team = team or (mailbox.team if mailbox is not None else None)
    if team is None:
        raise ValueError("ingest_raw needs a mailbox or a team.")
    identity = _safe_identity(raw, raw_sha256)
    existing = _by_identity(identity)
    # Parse before writing anything: on SQLite a write transaction holds the database
    # lock, and the parse is the slow step.
    parsed, error = _parse(raw, raw_sha256, identity) if existing is None else (None, "")
    # A transaction when called alone; inside a sync batch no savepoint is needed here, as
    # _create and _add_location open their own around the inserts that may clash.
    with transaction.atomic(savepoint=False):
        if existing is not None:
            _add_location(existing, location)
            return IngestResult(existing, created=False)
        new = _NewMessage(raw, raw_sha256, identity, source, mailbox, location, team)
        try:
            return IngestResult(_create(new, parsed, error), created=True)
        except IntegrityError:
            existing = _by_identity(identity)
            if existing is None:
                raise
            _add_location(existing, location)
            return IngestResult(existing, created=False)


def reparse_message(*, message: Message) -> Message:
    """Parse a stored message again from its raw bytes (after a parser fix).

    Its own transaction (durable): call it from a view, task or command, not from ingest.
    Identity, conversation, source and direction are kept; parsed fields and attachments are
    replaced. If parsing fails again, ``parse_error`` records the new error.
    """
    raw = blobs.read_raw(message.raw_sha256)
    parsed, error = _parse(raw, message.raw_sha256)
    with transaction.atomic(durable=True):
        if parsed is None:
            Message.objects.filter(pk=message.pk).update(parse_error=error)
        else:
            Message.objects.filter(pk=message.pk).update(**_message_fields(parsed))
            message.attachments.all().delete()
            _store_attachments(message, parsed)
    message.refresh_from_db()
    return message
