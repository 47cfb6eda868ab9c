"""Export a mailbox as mbox (the raw messages) or JSONL (what Parley made of them).

The JSONL shape is a stable contract (issue 3 part 6, docs/cli.md): one line per
conversation, each with its messages. Operators and our own evaluation read it to check
threading, decoding and dedupe, so a key is never renamed or dropped; a test pins them all.
Both writers stream: conversations and messages are read in chunks, raw messages one at a
time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import BinaryIO, Protocol, TypedDict

from django.db.models import F, Prefetch, Q, QuerySet

from parley.conversations.models import Conversation
from parley.mail import blobs
from parley.mail.models import Mailbox, Message

CHUNK = 200
_FROM_LINE_RE = re.compile(rb"^(>*From )", re.MULTILINE)


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...


class ExportAddress(TypedDict):
    name: str
    address: str


class ExportAttachment(TypedDict):
    filename: str
    content_type: str
    size: int
    sha256: str


# "from" is a keyword, hence the functional syntax.
ExportMessage = TypedDict(
    "ExportMessage",
    {
        "message_id": str | None,
        "in_reply_to": str | None,
        "date": str | None,
        "from": ExportAddress | None,
        "to": list[ExportAddress],
        "cc": list[ExportAddress],
        "subject": str,
        "direction": str,
        "source": str,
        "text": str,
        "attachments": list[ExportAttachment],
        "flags": list[str],
        "raw_sha256": str,
        "reply_text": str,
    },
)


class ExportConversation(TypedDict):
    id: int
    number: int
    subject: str
    status: str
    mailbox: str
    messages: list[ExportMessage]


def mailbox_messages(mailbox: Mailbox) -> QuerySet[Message]:
    """Live messages stored for ``mailbox`` or seen in one of its folders."""
    return (
        Message.objects.alive()
        .filter(Q(mailbox=mailbox) | Q(locations__mailbox=mailbox))
        .distinct()
    )


def mailbox_conversations(mailbox: Mailbox) -> QuerySet[Conversation]:
    ids = mailbox_messages(mailbox).values("conversation_id")
    return Conversation.objects.alive().filter(pk__in=ids).order_by("number")


def _addresses(values: list[dict[str, str]]) -> list[ExportAddress]:
    return [{"name": v.get("name", ""), "address": v.get("address", "")} for v in values]


def message_record(message: Message) -> ExportMessage:
    sender: ExportAddress | None = None
    if message.from_address or message.from_name:
        sender = {"name": message.from_name, "address": message.from_address}
    return {
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to or None,
        "date": message.date.isoformat() if message.date else None,
        "from": sender,
        "to": _addresses(message.to),
        "cc": _addresses(message.cc),
        "subject": message.subject,
        "direction": message.direction,
        "source": message.source,
        "text": message.text,
        "attachments": [
            {
                "filename": att.filename,
                "content_type": att.content_type,
                "size": att.size,
                "sha256": att.sha256,
            }
            for att in message.attachments.all()
        ],
        "flags": message.flags,
        "raw_sha256": message.raw_sha256,
        # Stored at ingest; computed here for a message stored before the column existed.
        "reply_text": message.visible_text,
    }


def conversation_records(mailbox: Mailbox) -> Iterator[ExportConversation]:
    messages = (
        Message.objects.alive()
        .order_by(F("date").asc(nulls_last=True), "pk")
        .prefetch_related("attachments")
    )
    conversations = mailbox_conversations(mailbox).prefetch_related(
        Prefetch("messages", queryset=messages)
    )
    for conversation in conversations.iterator(chunk_size=CHUNK):
        yield {
            "id": conversation.pk,
            "number": conversation.number,
            "subject": conversation.subject,
            "status": conversation.status,
            "mailbox": mailbox.name,
            "messages": [message_record(m) for m in conversation.messages.all()],
        }


# Characters that JSON allows raw inside a string but that some line readers treat as line
# ends (Python's str.splitlines(), JavaScript before ES2019): written escaped, so one line is
# always one record whatever splits it.
_LINE_BREAKERS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def export_jsonl(*, mailbox: Mailbox, out: TextSink) -> int:
    """Write one JSON object per conversation; returns the number of lines."""
    count = 0
    for record in conversation_records(mailbox):
        out.write(json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKERS) + "\n")
        count += 1
    return count


def mbox_entry(raw: bytes, when: float | None = None) -> bytes:
    """One mboxrd entry: a From_ line, LF line endings, ``>*From `` lines quoted."""
    body = raw.replace(b"\r\n", b"\n")
    body = _FROM_LINE_RE.sub(rb">\1", body)
    if not body.endswith(b"\n"):
        body += b"\n"
    stamp = time.asctime(time.gmtime(when or 0)).encode()
    return b"From MAILER-DAEMON " + stamp + b"\n" + body + b"\n"


def export_mbox(*, mailbox: Mailbox, out: BinaryIO) -> int:
    """Write the raw messages as mboxrd; returns the number of messages."""
    count = 0
    # An erased message (GDPR) has no raw source any more; its redacted row is in the JSONL.
    query = mailbox_messages(mailbox).filter(is_erased=False).order_by("pk")
    query = query.only("raw_sha256", "date")
    for message in query.iterator(chunk_size=CHUNK):
        raw = blobs.read_raw(message.raw_sha256)
        out.write(mbox_entry(raw, message.date.timestamp() if message.date else None))
        count += 1
    return count
