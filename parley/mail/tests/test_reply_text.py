"""The reply text (new text without quotes and signature) stored per message at ingest."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parley.mail.ingest import BatchItem, Location, ingest_batch, reparse_message
from parley.mail.models import Message, MessageSource
from parley.mail.tests.support import fixture, ingest_at, make_folder, make_mailbox, use_tmp_storage

pytestmark = pytest.mark.django_db

NEW_TEXT = "Hello,\n\nwhere is my invoice for February?"


@pytest.fixture(autouse=True)
def _blob_storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


@pytest.fixture
def inbox(team_a):
    return make_folder(make_mailbox(team_a))


def quoted(uid: int) -> bytes:
    """plain.eml as a reply quoting the earlier mail, with a unique Message-ID."""
    return (
        fixture("plain.eml")
        .replace(b"<plain-1@", f"<plain-{uid}@".encode())
        .replace(
            b"> quoted older text\r\nJan",
            b"W dniu 1.03.2026 o 09:00, Pomoc <support@parley.test> pisze:\r\n> Dzien dobry",
        )
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("reparse", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_ingest_stores_the_new_text_without_the_quoted_history(inbox):
    message = ingest_at(quoted(1), inbox, uid=1).message
    message.refresh_from_db()

    assert message.reply_text == NEW_TEXT
    assert "pisze:" in message.text


def test_a_batch_stores_each_messages_own_reply_text(inbox):
    items = [
        BatchItem(raw=quoted(1), location=Location(folder=inbox, uidvalidity=1, uid=1)),
        BatchItem(
            raw=fixture("multipart_attachments.eml"),
            location=Location(folder=inbox, uidvalidity=1, uid=2),
        ),
    ]

    ingest_batch(items, source=MessageSource.IMPORT, mailbox=inbox.mailbox)

    texts = list(Message.objects.order_by("pk").values_list("reply_text", flat=True))
    assert texts == [NEW_TEXT, "Please see the contract."]


def test_a_message_that_cannot_be_parsed_gets_its_reply_text_when_reparsed(inbox, monkeypatch):
    def explode(raw: bytes, **kwargs: object) -> None:
        raise ValueError("parser bug")

    monkeypatch.setattr("parley.mail.parsing.parse_message", explode)
    broken = ingest_at(quoted(1), inbox, uid=1).message
    monkeypatch.undo()
    broken.refresh_from_db()
    assert broken.reply_text == ""

    assert reparse_message(message=broken).reply_text == NEW_TEXT


def test_a_row_stored_before_the_column_shows_the_text_computed_now(inbox):
    message = ingest_at(quoted(1), inbox, uid=1).message
    Message.objects.update(reply_text=None)
    message.refresh_from_db()

    assert message.visible_text == NEW_TEXT


def test_reparse_reply_text_only_fills_only_the_missing_ones(inbox):
    missing = ingest_at(quoted(1), inbox, uid=1).message
    kept = ingest_at(quoted(2), inbox, uid=2).message
    Message.objects.filter(pk=missing.pk).update(reply_text=None)
    Message.objects.filter(pk=kept.pk).update(reply_text="stale")

    assert run("--reply-text-only") == "reply text computed for 1 messages\n"

    missing.refresh_from_db()
    kept.refresh_from_db()
    assert (missing.reply_text, kept.reply_text) == (NEW_TEXT, "stale")


def test_reparse_reply_text_only_all_recomputes_every_message_but_erased_ones(inbox):
    first = ingest_at(quoted(1), inbox, uid=1).message
    erased = ingest_at(quoted(2), inbox, uid=2).message
    Message.objects.filter(pk=first.pk).update(reply_text="stale")
    Message.objects.filter(pk=erased.pk).update(reply_text="[erased]", is_erased=True)

    assert run("--reply-text-only", "--all") == "reply text computed for 1 messages\n"

    assert Message.objects.get(pk=first.pk).reply_text == NEW_TEXT
    assert Message.objects.get(pk=erased.pk).reply_text == "[erased]"


def test_reparse_reply_text_only_walks_past_one_chunk(inbox, monkeypatch):
    monkeypatch.setattr("parley.mail.ingest.REPLY_TEXT_CHUNK", 2)
    for uid in range(1, 6):
        ingest_at(quoted(uid), inbox, uid=uid)
    Message.objects.update(reply_text=None)

    assert run("--reply-text-only") == "reply text computed for 5 messages\n"
    assert set(Message.objects.values_list("reply_text", flat=True)) == {NEW_TEXT}


def test_reparse_all_needs_reply_text_only():
    with pytest.raises(CommandError, match="--reply-text-only"):
        run("--all")
