from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from parley.accounts.models import Team
from parley.conversations.models import Conversation, ConversationEvent, EventKind
from parley.mail import blobs
from parley.mail.ingest import ingest_raw, known_uids, location_exists, reparse_message
from parley.mail.models import (
    Attachment,
    Direction,
    FolderRole,
    Message,
    MessageLocation,
    MessageSource,
)
from parley.mail.tests.support import fixture, ingest_at, make_folder, make_mailbox, use_tmp_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _blob_storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


@pytest.fixture
def mailbox(team_a: Team):
    return make_mailbox(team_a)


@pytest.fixture
def inbox(mailbox):
    return make_folder(mailbox)


@pytest.fixture
def sent(mailbox):
    return make_folder(mailbox, "Sent", FolderRole.SENT)


def with_received(raw: bytes, hop: str) -> bytes:
    return (
        f"Received: from {hop} by mx; Mon, 2 Mar 2026 10:00:01 +0100\r\nX-Spam: {hop}\r\n".encode()
        + raw
    )


def test_it_stores_the_raw_bytes_before_parsing_and_keeps_them_identical(inbox):
    raw = fixture("plain.eml")

    result = ingest_at(raw, inbox, uid=1)

    assert result.created
    assert result.message.raw_sha256 == blobs.sha256_hex(raw)
    assert storages["default"].exists(f"raw/{result.message.raw_sha256[:2]}/")
    assert blobs.read_raw(result.message.raw_sha256) == raw
    assert result.message.raw_size == len(raw)


def test_it_extracts_participants_date_and_text(inbox):
    message = ingest_at(fixture("plain.eml"), inbox, uid=1).message

    assert message.message_id == "plain-1@customer.example"
    assert message.from_name == "Jan Kowalski"
    assert message.from_address == "jan@customer.example"
    assert message.to == [{"name": "Support", "address": "support@parley.test"}]
    assert message.cc == [{"name": "", "address": "boss@customer.example"}]
    assert message.date == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert message.direction == Direction.INBOUND
    assert message.source == MessageSource.INBOX
    assert "where is my invoice" in message.text
    assert message.snippet == "Hello, where is my invoice for February? Jan"


def test_it_stores_attachments_content_addressed(inbox):
    message = ingest_at(fixture("multipart_attachments.eml"), inbox, uid=1).message

    attachments = list(message.attachments.order_by("filename"))
    assert [(a.filename, a.content_type, a.is_inline) for a in attachments] == [
        ("contract.pdf", "application/pdf", False),
        ("logo.png", "image/png", True),
    ]
    logo = attachments[1]
    assert logo.content_id == "logo@customer.example"
    with blobs.open_attachment(logo.sha256) as handle:
        assert handle.read() == b"\x89PNG\r\n\x1a\nfake-png-bytes"
    assert message.has_attachments


def test_the_same_location_twice_is_one_message(inbox):
    first = ingest_at(fixture("plain.eml"), inbox, uid=7)
    second = ingest_at(fixture("plain.eml"), inbox, uid=7)

    assert not second.created
    assert second.message.pk == first.message.pk
    assert Message.objects.count() == 1
    assert MessageLocation.objects.count() == 1


def test_inbox_and_sent_copies_with_different_transport_headers_are_one_message(inbox, sent):
    raw = fixture("plain.eml")

    first = ingest_at(with_received(raw, "hop-one"), inbox, uid=1)
    second = ingest_at(with_received(raw, "hop-two").replace(b"\r\n", b"\n"), sent, uid=1)

    assert first.created
    assert not second.created
    assert second.message.pk == first.message.pk
    assert Message.objects.count() == 1
    assert set(MessageLocation.objects.values_list("folder__name", flat=True)) == {
        "INBOX",
        "Sent",
    }


def test_the_same_message_in_two_mailboxes_is_one_message_with_two_locations(team_a, inbox):
    other = make_folder(make_mailbox(team_a, name="sales", email="sales@parley.test"))

    ingest_at(fixture("plain.eml"), inbox, uid=1)
    ingest_at(fixture("plain.eml"), other, uid=99)

    assert Message.objects.count() == 1
    assert MessageLocation.objects.count() == 2


def test_messages_without_message_id_dedupe_on_content(inbox, mailbox):
    raw = fixture("no_message_id.eml")

    first = ingest_at(raw, inbox, uid=1)
    again = ingest_raw(raw=raw, source=MessageSource.IMPORT, mailbox=mailbox)
    different = ingest_raw(
        raw=raw.replace(b"A message", b"Another message"),
        source=MessageSource.IMPORT,
        mailbox=mailbox,
    )

    assert first.message.message_id is None
    assert not again.created
    assert different.created
    assert Message.objects.count() == 2


def test_same_message_id_with_other_content_is_another_message(mailbox):
    raw = fixture("plain.eml")

    ingest_raw(raw=raw, source=MessageSource.IMPORT, mailbox=mailbox)
    other = ingest_raw(
        raw=raw.replace(b"February", b"March"), source=MessageSource.IMPORT, mailbox=mailbox
    )

    assert other.created
    assert Message.objects.filter(message_id="plain-1@customer.example").count() == 2


def test_a_message_deleted_in_parley_stays_deleted_when_seen_again(inbox, sent):
    message = ingest_at(fixture("plain.eml"), inbox, uid=1).message
    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now())

    again = ingest_at(fixture("plain.eml"), sent, uid=5)

    assert not again.created
    assert again.message.pk == message.pk
    assert again.message.deleted_at is not None
    assert MessageLocation.objects.filter(message=message).count() == 2


def test_known_uids_and_location_exists_report_stored_locations(inbox):
    ingest_at(fixture("plain.eml"), inbox, uid=3)
    ingest_at(fixture("html_only.eml"), inbox, uid=5)

    assert known_uids(folder=inbox, uidvalidity=1, uids=[1, 3, 4, 5]) == {3, 5}
    assert known_uids(folder=inbox, uidvalidity=2, uids=[3, 5]) == set()
    assert location_exists(folder=inbox, uidvalidity=1, uid=3)
    assert not location_exists(folder=inbox, uidvalidity=1, uid=4)


def test_a_new_uidvalidity_adds_locations_but_no_messages(inbox):
    ingest_at(fixture("plain.eml"), inbox, uid=3, uidvalidity=1)

    rescanned = ingest_at(fixture("plain.eml"), inbox, uid=1, uidvalidity=2)

    assert not rescanned.created
    assert Message.objects.count() == 1
    assert MessageLocation.objects.count() == 2


def test_it_runs_inside_the_callers_transaction_and_rolls_back_with_it(inbox):
    class BatchFailedError(Exception):
        pass

    def batch() -> None:
        with transaction.atomic():
            ingest_at(fixture("plain.eml"), inbox, uid=1)
            raise BatchFailedError

    with pytest.raises(BatchFailedError):
        batch()

    assert Message.objects.count() == 0
    assert ingest_at(fixture("plain.eml"), inbox, uid=1).created


def test_mail_from_the_sent_folder_or_the_mailbox_address_is_outbound(inbox, sent):
    from_us = fixture("plain.eml").replace(b"Jan@Customer.Example", b"Support@Parley.Test")

    in_sent = ingest_at(fixture("html_only.eml"), sent, uid=1).message
    from_address = ingest_at(from_us, inbox, uid=2).message

    assert in_sent.direction == Direction.OUTBOUND
    assert in_sent.source == MessageSource.SENT
    assert from_address.direction == Direction.OUTBOUND


def test_a_new_thread_opens_a_conversation_in_the_mailbox_team(inbox, team_a):
    message = ingest_at(fixture("plain.eml"), inbox, uid=1).message

    conversation = message.conversation
    assert conversation.team == team_a
    assert conversation.mailbox == inbox.mailbox
    assert conversation.subject == "Invoice question"
    assert conversation.status == "new"
    assert conversation.message_count == 1
    assert conversation.last_message_at == message.date
    assert ConversationEvent.objects.filter(
        conversation=conversation, kind=EventKind.CREATED
    ).exists()


def test_conversation_numbers_increase(inbox):
    first = ingest_at(fixture("plain.eml"), inbox, uid=1).message.conversation
    second = ingest_at(fixture("html_only.eml"), inbox, uid=2).message.conversation

    assert second.number == first.number + 1


@pytest.mark.parametrize(
    ("name", "flags"),
    [
        ("auto_reply.eml", ["auto_reply"]),
        ("bounce_dsn.eml", ["bounce"]),
        ("list_mail.eml", ["bulk"]),
        ("plain.eml", []),
    ],
)
def test_it_flags_loop_mail(inbox, name, flags):
    assert ingest_at(fixture(name), inbox, uid=1).message.flags == flags


def test_an_unparseable_message_is_stored_raw_flagged_and_reparseable(inbox, monkeypatch):
    def explode(raw: bytes, **kwargs: object) -> None:
        raise ValueError("parser bug")

    monkeypatch.setattr("parley.mail.parsing.parse_message", explode)
    first = ingest_at(fixture("multipart_attachments.eml"), inbox, uid=1).message
    monkeypatch.undo()

    assert first.parse_error == "ValueError: parser bug"
    assert first.flags == ["parse_error"]
    assert first.conversation.message_count == 1
    assert blobs.read_raw(first.raw_sha256) == fixture("multipart_attachments.eml")

    reparsed = reparse_message(message=first)

    assert reparsed.parse_error == ""
    assert reparsed.subject == "Contract attached"
    assert Attachment.objects.filter(message=reparsed).count() == 2


def test_import_without_location_needs_a_team_or_mailbox():
    with pytest.raises(ValueError, match="mailbox or a team"):
        ingest_raw(raw=fixture("plain.eml"), source=MessageSource.API)


def test_a_team_alone_is_enough_for_api_mail(team_a):
    result = ingest_raw(raw=fixture("plain.eml"), source=MessageSource.API, team=team_a)

    assert result.message.mailbox is None
    assert Conversation.objects.get().team == team_a


def test_parley_reparse_failed_fixes_messages_stored_with_a_parse_error(inbox, monkeypatch, capsys):
    from django.core.management import call_command

    def explode(raw: bytes, **kwargs: object) -> None:
        raise ValueError("parser bug")

    monkeypatch.setattr("parley.mail.parsing.parse_message", explode)
    broken = ingest_at(fixture("multipart_attachments.eml"), inbox, uid=7).message
    monkeypatch.undo()
    fine = ingest_at(fixture("plain.eml"), inbox, uid=8).message

    call_command("reparse", "--failed")

    broken.refresh_from_db()
    assert broken.parse_error == ""
    assert broken.subject == "Contract attached"
    assert "reparsed 1, fixed 1, still failing 0" in capsys.readouterr().out
    assert fine.pk != broken.pk
