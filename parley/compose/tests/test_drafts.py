"""Composing: replies, recipients, validation, attachments, queueing, undo (issue 5 parts
1 and 4). No server is contacted: the mailbox points at closed ports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.compose.exceptions import (
    AttachmentTooLargeError,
    ComposeError,
    InvalidAddressError,
    NotEditableError,
    TooLateError,
)
from parley.compose.models import Kind, OutgoingAttachment, State
from parley.compose.services.drafts import (
    DraftChanges,
    add_attachment,
    customer_replied_since,
    queue_message,
    start_new_conversation,
    start_reply,
    undo_send,
    update_draft,
)
from parley.compose.services.outbox import claim
from parley.compose.services.templates import set_signature
from parley.compose.tests.support import customer_message, receive
from parley.conversations.models import Queue
from parley.mail import blobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent(offline_mailbox):
    return receive(offline_mailbox, customer_message(to=f"{offline_mailbox.email}"))


def reply_to(user, parent, kind=Kind.REPLY):
    return start_reply(user=user, conversation=parent.conversation, parent=parent, kind=kind)


def test_a_reply_answers_the_sender_with_re_and_the_quote(bob, parent):
    draft = reply_to(bob, parent)

    assert draft.to == ["jan@example.org"]
    assert draft.cc == []
    assert draft.subject == "Re: Faktura nr 1 — pytanie"
    assert "<blockquote>" in draft.body_html
    assert "gdzie jest faktura?" in draft.body_html
    assert draft.state == State.DRAFT
    assert draft.message_id.endswith("@parley.test")


def test_reply_all_copies_the_others_but_not_our_mailbox(bob, parent):
    draft = reply_to(bob, parent, Kind.REPLY_ALL)

    assert draft.to == ["jan@example.org"]
    assert draft.cc == ["anna@example.org"]


def test_forward_starts_empty_with_fwd_and_the_original(bob, parent):
    draft = reply_to(bob, parent, Kind.FORWARD)

    assert draft.to == []
    assert draft.subject == "Fwd: Faktura nr 1 — pytanie"
    assert "Forwarded message" in draft.body_html


def test_the_signature_of_the_mailbox_wins_over_the_general_one(bob, parent, offline_mailbox):
    set_signature(user=bob, mailbox=None, body_html="<p>Bob</p>")
    set_signature(user=bob, mailbox=offline_mailbox, body_html="<p>Bob, Support</p>")

    draft = reply_to(bob, parent)

    assert "<p>Bob, Support</p>" in draft.body_html


def test_thirty_cc_are_accepted(bob, parent):
    draft = reply_to(bob, parent)
    update_draft(outgoing=draft, changes=DraftChanges(cc=[f"cc{n}@example.org" for n in range(30)]))

    queued = queue_message(outgoing=draft, user=bob)

    assert queued.state == State.WAITING
    assert len(queued.cc) == 30


def test_thirty_one_cc_are_refused(bob, parent):
    draft = reply_to(bob, parent)
    update_draft(outgoing=draft, changes=DraftChanges(cc=[f"cc{n}@example.org" for n in range(31)]))

    with pytest.raises(InvalidAddressError, match="at most 30"):
        queue_message(outgoing=draft, user=bob)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_every_bad_address_is_named(bob, parent):
    draft = reply_to(bob, parent)
    update_draft(outgoing=draft, changes=DraftChanges(to="ok@example.org, nope@, also bad, x@y@z"))

    with pytest.raises(InvalidAddressError) as caught:
        queue_message(outgoing=draft, user=bob)

    assert caught.value.bad == ["nope@", "also bad", "x@y@z"]
    assert "nope@, also bad, x@y@z" in str(caught.value)


def test_a_subject_is_required(bob, parent):
    draft = reply_to(bob, parent)
    update_draft(outgoing=draft, changes=DraftChanges(subject="  "))

    with pytest.raises(ComposeError, match="subject"):
        queue_message(outgoing=draft, user=bob)


def test_a_reader_cannot_send(dave, bob, parent):
    draft = reply_to(dave, parent)

    with pytest.raises(ComposeError, match="mailbox you may send from"):
        queue_message(outgoing=draft, user=dave)


def test_a_file_of_26_mb_is_refused_with_a_clear_message(bob, parent):
    draft = reply_to(bob, parent)

    with pytest.raises(AttachmentTooLargeError, match=r"big\.bin is too large.*25 MB"):
        add_attachment(
            outgoing=draft,
            filename="big.bin",
            content_type="application/octet-stream",
            data=b"\0" * (26 * 1024 * 1024),
        )
    assert not OutgoingAttachment.objects.exists()


def test_a_file_of_25_mb_is_attached(bob, parent):
    draft = reply_to(bob, parent)

    attachment = add_attachment(
        outgoing=draft, filename="ok.bin", content_type="", data=b"\0" * (25 * 1024 * 1024)
    )

    assert attachment.size == 25 * 1024 * 1024
    assert attachment.content_type == "application/octet-stream"


def test_queueing_builds_the_mime_once_with_the_tag(bob, parent):
    draft = reply_to(bob, parent)
    now = timezone.now()

    queued = queue_message(outgoing=draft, user=bob, now=now)

    assert queued.send_at == now + timedelta(seconds=30)
    raw = blobs.read_raw(queued.raw_sha256)
    assert f"[#{parent.conversation.number}]".encode() in raw
    assert f"<{draft.message_id}>".encode() in raw
    with pytest.raises(NotEditableError):
        update_draft(outgoing=queued, changes=DraftChanges(subject="changed"))


def test_undo_returns_the_draft_and_keeps_its_message_id(bob, parent):
    queued = queue_message(outgoing=reply_to(bob, parent), user=bob)
    message_id = queued.message_id

    draft = undo_send(outgoing=queued)

    assert draft.state == State.DRAFT
    assert draft.send_at is None
    assert draft.message_id == message_id


def test_undo_is_too_late_once_the_worker_claimed_it(bob, parent):
    queued = queue_message(outgoing=reply_to(bob, parent), user=bob)
    assert queued.send_at is not None
    assert claim(pk=queued.pk, now=queued.send_at)

    with pytest.raises(TooLateError):
        undo_send(outgoing=queued)


def test_scheduling_more_than_14_days_ahead_is_refused(bob, parent):
    draft = reply_to(bob, parent)
    now = timezone.now()

    with pytest.raises(ComposeError, match="14 days"):
        queue_message(outgoing=draft, user=bob, send_at=now + timedelta(days=15), now=now)
    queued = queue_message(outgoing=draft, user=bob, send_at=now + timedelta(days=14), now=now)
    assert queued.is_scheduled


def test_a_customer_reply_after_scheduling_is_noticed(bob, parent, offline_mailbox):
    now = timezone.now()
    queued = queue_message(
        outgoing=reply_to(bob, parent), user=bob, send_at=now + timedelta(days=1), now=now
    )
    assert not customer_replied_since(queued)

    raw = customer_message(n=2).replace(
        b"References: <earlier@example.org>", b"In-Reply-To: <question-1@example.org>"
    )
    receive(offline_mailbox, raw)

    assert customer_replied_since(queued)


def test_a_new_conversation_needs_a_queue_when_the_team_has_queues(bob, offline_mailbox):
    queue = Queue.objects.create(team=offline_mailbox.team, name="Sales")
    draft = start_new_conversation(user=bob, mailbox=offline_mailbox, to=["jan@example.org"])
    update_draft(outgoing=draft, changes=DraftChanges(subject="Offer"))

    with pytest.raises(ComposeError, match="queue"):
        queue_message(outgoing=draft, user=bob)
    update_draft(outgoing=draft, changes=DraftChanges(queue=queue))
    queued = queue_message(outgoing=draft, user=bob)

    conversation = queued.conversation
    assert conversation is not None
    assert conversation.queue == queue
    assert conversation.subject == "Offer"
