"""Batch ingest (sync's FETCH batches, import's chunks): same results, fixed query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import InMemoryStorage, storages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parley.conversations.models import Conversation, ConversationEvent, EventKind
from parley.mail import blobs
from parley.mail.ingest import (
    BatchItem,
    Location,
    ingest_batch,
    ingest_raw,
    prepare_batch,
    write_batch,
)
from parley.mail.models import Attachment, Mailbox, MailFolder, Message, MessageLocation
from parley.mail.models import MessageSource as Src
from parley.mail.parsepool import ParsePool
from parley.mail.parsing import parse_for_ingest
from parley.mail.tests.support import fixture, make_folder, make_mailbox, use_tmp_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _blob_storage(settings: Any, tmp_path: Any) -> None:
    use_tmp_storage(settings, tmp_path)


@pytest.fixture
def mailbox(team_a: Any) -> Mailbox:
    return make_mailbox(team_a)


@pytest.fixture
def inbox(mailbox: Mailbox) -> MailFolder:
    return make_folder(mailbox)


def mail(n: int, *, thread: int | None = None, subject: str | None = None) -> bytes:
    parent = f"In-Reply-To: <m{thread}@customer.example>\r\n" if thread is not None else ""
    return (
        f"Message-ID: <m{n}@customer.example>\r\nDate: Mon, 2 Mar 2026 10:{n % 60:02d}:00 +0100\r\n"
        f"From: Customer {n} <c{n}@customer.example>\r\nTo: support@parley.test\r\n"
        f"Subject: {subject or f'Question {n}'}\r\n{parent}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nZażółć gęślą jaźń {n}.\r\n"
    ).encode()


def items(folder: MailFolder, raws: list[bytes], first_uid: int = 1) -> list[BatchItem]:
    return [
        BatchItem(raw=raw, location=Location(folder=folder, uidvalidity=1, uid=first_uid + i))
        for i, raw in enumerate(raws)
    ]


def test_a_reply_right_after_its_parent_in_one_batch_joins_its_conversation(inbox):
    results = ingest_batch(
        items(inbox, [mail(1), mail(2, thread=1), mail(3)]), source=Src.INBOX, mailbox=inbox.mailbox
    )

    parent, reply, other = (r.message for r in results)
    assert all(r.created for r in results)
    assert reply.conversation_id == parent.conversation_id
    assert other.conversation_id != parent.conversation_id
    conversation = Conversation.objects.get(pk=parent.conversation_id)
    assert conversation.message_count == 2
    assert conversation.last_message_at == reply.date
    assert ConversationEvent.objects.filter(kind=EventKind.CREATED).count() == 2


def test_the_subject_fallback_sees_earlier_messages_of_the_same_batch(inbox):
    first = mail(1, subject="Faktura za marzec")
    again = first.replace(b"m1@", b"m2@").replace(b"Subject: Faktura", b"Subject: Re: Faktura")

    results = ingest_batch(items(inbox, [first, again]), source=Src.INBOX, mailbox=inbox.mailbox)

    assert results[0].message.conversation_id == results[1].message.conversation_id


def test_a_batch_continues_a_stored_conversation_and_counts_it_once(inbox):
    stored = ingest_raw(raw=mail(1), source=Src.INBOX, mailbox=inbox.mailbox).message

    ingest_batch(
        items(inbox, [mail(2, thread=1), mail(3, thread=1)], first_uid=10),
        source=Src.INBOX,
        mailbox=inbox.mailbox,
    )

    conversation = Conversation.objects.get(pk=stored.conversation_id)
    assert conversation.message_count == 3
    assert Message.objects.filter(conversation=conversation).count() == 3


def test_the_same_message_twice_in_one_batch_is_one_message_with_two_locations(inbox):
    results = ingest_batch(
        items(inbox, [mail(1), mail(1)]), source=Src.INBOX, mailbox=inbox.mailbox
    )

    assert [r.created for r in results] == [True, False]
    assert results[0].message.pk == results[1].message.pk
    assert MessageLocation.objects.count() == 2
    assert Conversation.objects.get().message_count == 1


def test_results_come_in_batch_order_with_known_locations_and_identities(inbox):
    ingest_batch(items(inbox, [mail(1), mail(2)]), source=Src.INBOX, mailbox=inbox.mailbox)
    at = {3: mail(3), 4: mail(1), 2: mail(2), 5: mail(4)}  # uid 2 is a known location

    results = ingest_batch(
        [
            BatchItem(raw=raw, location=Location(folder=inbox, uidvalidity=1, uid=uid))
            for uid, raw in at.items()
        ],
        source=Src.INBOX,
        mailbox=inbox.mailbox,
    )

    assert [r.message.message_id for r in results] == [
        "m3@customer.example",
        "m1@customer.example",
        "m2@customer.example",
        "m4@customer.example",
    ]
    assert [r.created for r in results] == [True, False, False, True]
    assert Message.objects.count() == 4
    assert MessageLocation.objects.count() == 5


def test_a_batch_runs_the_same_number_of_queries_whatever_its_size(inbox):
    def queries(first: int, count: int) -> int:
        raws = [mail(n, thread=n - 1 if n % 2 else None) for n in range(first, first + count)]
        with CaptureQueriesContext(connection) as captured:
            ingest_batch(
                items(inbox, raws, first_uid=first), source=Src.INBOX, mailbox=inbox.mailbox
            )
        return len(captured)

    queries(1000, 4)  # first batch: counter row, team caches
    assert queries(100, 6) == queries(200, 40)


def test_a_message_stored_meanwhile_by_another_worker_is_returned_not_duplicated(inbox):
    batch = prepare_batch(
        items(inbox, [mail(1), mail(2), mail(3)]), source=Src.INBOX, mailbox=inbox.mailbox
    )
    # Another worker stores message 2 (from another mailbox) between parse and write.
    other = make_folder(make_mailbox(inbox.mailbox.team, name="sales", email="sales@parley.test"))
    winner = ingest_raw(
        raw=mail(2), source=Src.INBOX, location=Location(folder=other, uidvalidity=1, uid=7)
    ).message

    results = write_batch(batch)

    assert [r.created for r in results] == [True, False, True]
    assert results[1].message.pk == winner.pk
    assert Message.objects.count() == 3
    assert set(MessageLocation.objects.filter(message=winner).values_list("folder", flat=True)) == {
        inbox.pk,
        other.pk,
    }


def test_the_parse_pool_gives_the_same_outcomes_as_parsing_in_process():
    raws = [fixture(name) for name in ("plain.eml", "multipart_attachments.eml")] * 10
    raws.append(b"\x00\xff not a message at all")

    with ParsePool(workers=2) as pool:
        outcomes = pool.parse(raws)

    assert outcomes == [parse_for_ingest(raw) for raw in raws]


def test_blobs_go_through_the_storage_api_when_it_is_not_a_local_folder(settings, inbox):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert isinstance(storages["default"], InMemoryStorage)

    message = ingest_batch(
        items(inbox, [fixture("multipart_attachments.eml")]),
        source=Src.INBOX,
        mailbox=inbox.mailbox,
    )[0].message

    assert blobs.read_raw(message.raw_sha256) == fixture("multipart_attachments.eml")
    attachment = Attachment.objects.filter(message=message).first()
    assert attachment is not None
    with blobs.open_attachment(attachment.sha256) as handle:
        assert len(handle.read()) == attachment.size


def test_a_blob_written_twice_is_one_file_and_leaves_no_temporary_files(tmp_path):
    first = blobs.store_raw(b"Subject: x\r\n\r\nbody\r\n")
    second = blobs.store_raw(b"Subject: x\r\n\r\nbody\r\n")

    assert first == second
    files = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [f"{first}.eml"]
