"""The outbox against real servers: aiosmtpd delivering into Dovecot (issue 5 parts 4, 7)."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest
from django.utils import timezone

from parley.compose.models import Kind, OutgoingMessage, State
from parley.compose.services.drafts import queue_message, start_reply, undo_send
from parley.compose.services.outbox import (
    claim,
    deliver,
    file_sent_copy,
    mark_stale_as_check,
    resolve_check,
)
from parley.compose.tests.support import customer_message, receive
from parley.compose.worker import OutboxWorker
from parley.mail import blobs
from parley.mail.models import FolderRole, Mailbox, Message, MessageLocation
from parley.mail.sync import sync_mailbox

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class CrashError(Exception):
    """Stands for the worker process dying at a given step."""


def tick(now) -> int:
    """One pass of the worker, in this thread (see test_worker.py for the threaded loop)."""
    return OutboxWorker(threads=0).tick(None, now=now)


def customer_inbox(dovecot, user: str) -> list[email.message.EmailMessage]:
    with dovecot.imap(user) as conn:
        conn.select("INBOX", readonly=True)
        _typ, data = conn.fetch("1:*", "(BODY.PEEK[])")
    raws = [item[1] for item in data if isinstance(item, tuple)]
    return [email.message_from_bytes(raw, policy=policy.default) for raw in raws]


@pytest.fixture
def reply(bob, mailbox, dovecot):
    """Bob's reply to a customer (a fresh Dovecot user), queued at `now`."""
    customer = dovecot.add_user()
    parent = receive(mailbox, customer_message(sender=f"Jan <{customer}@example.org>"))
    draft = start_reply(user=bob, conversation=parent.conversation, parent=parent, kind=Kind.REPLY)
    draft.body_html = "<p>Faktura jest w załączniku.</p>" + draft.body_html
    draft.save(update_fields=["body_html"])
    queued = queue_message(outgoing=draft, user=bob)
    return queued, parent, customer


def test_a_reply_arrives_once_with_the_right_headers(reply, smtp_server, dovecot, mailbox):
    outgoing, parent, customer = reply

    assert tick(timezone.now()) == 0  # still in the undo window
    assert tick(outgoing.send_at + timedelta(seconds=1)) == 1

    outgoing.refresh_from_db()
    assert outgoing.state == State.SENT
    assert outgoing.smtp_response.startswith("250")
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0].rcpt_tos == [f"{customer}@example.org"]
    [received] = customer_inbox(dovecot, customer)
    number = parent.conversation.number
    assert received["Subject"] == f"Re: Faktura nr 1 — pytanie [#{number}]"
    assert received["Message-ID"] == f"<{outgoing.message_id}>"
    assert outgoing.message_id.endswith("@parley.test")
    assert received["In-Reply-To"] == "<question-1@example.org>"
    assert received["References"] == "<earlier@example.org> <question-1@example.org>"
    assert received["From"].addresses[0].addr_spec == mailbox.email
    assert "Auto-Submitted" not in received
    plain = received.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    assert "Faktura jest w załączniku." in body
    assert "> Dzień dobry, gdzie jest faktura?" in body
    # Sending twice more finds nothing to do.
    assert tick(outgoing.send_at + timedelta(minutes=5)) == 0
    assert len(smtp_server.messages) == 1


def test_the_sent_message_joins_its_conversation(reply):
    outgoing, parent, _customer = reply
    tick(outgoing.send_at + timedelta(seconds=1))

    outgoing.refresh_from_db()
    copy = outgoing.sent_message
    assert copy is not None
    assert copy.conversation_id == parent.conversation_id
    assert copy.direction == "out"
    assert copy.message_id == outgoing.message_id


def test_the_sent_folder_copy_is_deduplicated_by_the_next_sync(reply, mailbox):
    outgoing, _parent, _customer = reply
    tick(outgoing.send_at + timedelta(seconds=1))
    outgoing.refresh_from_db()
    assert outgoing.appended_at is not None

    sync_mailbox(mailbox)

    copies = Message.objects.filter(message_id=outgoing.message_id)
    assert copies.count() == 1
    location = MessageLocation.objects.get(message=copies.get())
    assert location.folder.role == FolderRole.SENT


def test_undo_within_the_delay_sends_nothing(reply, smtp_server):
    outgoing, _parent, _customer = reply
    due = outgoing.send_at

    undone = undo_send(outgoing=outgoing)
    tick(due + timedelta(minutes=1))

    assert undone.state == State.DRAFT
    assert OutgoingMessage.objects.get(pk=outgoing.pk).state == State.DRAFT
    assert smtp_server.messages == []


def test_a_scheduled_message_is_sent_at_its_time(bob, mailbox, smtp_server, dovecot):
    parent = receive(mailbox, customer_message())
    draft = start_reply(user=bob, conversation=parent.conversation, parent=parent, kind=Kind.REPLY)
    now = timezone.now()
    at = now + timedelta(days=3)
    queued = queue_message(outgoing=draft, user=bob, send_at=at, now=now)

    assert queued.is_scheduled
    assert tick(at - timedelta(seconds=1)) == 0
    assert smtp_server.messages == []
    assert tick(at) == 1
    assert len(smtp_server.messages) == 1
    sent = email.message_from_bytes(smtp_server.messages[0].data, policy=policy.default)
    assert sent["Date"].datetime == at.replace(microsecond=0)


@pytest.mark.parametrize("step", ["before_data", "after_data"])
def test_a_crash_during_the_exchange_never_sends_twice(reply, smtp_server, step):
    outgoing, _parent, _customer = reply
    due = outgoing.send_at + timedelta(seconds=1)

    def crash(name: str) -> None:
        if name == step:
            raise CrashError(name)

    assert claim(pk=outgoing.pk, now=due)
    with pytest.raises(CrashError):
        deliver(pk=outgoing.pk, hook=crash)
    delivered = len(smtp_server.messages)
    assert delivered == (1 if step == "after_data" else 0)
    # A new worker starts later: the attempt is stale and goes to a human, not to SMTP.
    later = due + timedelta(hours=1)
    assert mark_stale_as_check(now=later) == 1
    assert tick(later) == 0

    outgoing.refresh_from_db()
    assert outgoing.state == State.CHECK
    assert outgoing.attempts == 1
    assert len(smtp_server.messages) == delivered


def test_a_human_resolves_a_message_in_check(reply, smtp_server):
    outgoing, _parent, _customer = reply
    due = outgoing.send_at + timedelta(seconds=1)
    claim(pk=outgoing.pk, now=due)
    mark_stale_as_check(now=due + timedelta(hours=1))

    resolve_check(outgoing=outgoing, delivered=False)
    tick(timezone.now() + timedelta(seconds=1))

    outgoing.refresh_from_db()
    assert outgoing.state == State.SENT
    assert len(smtp_server.messages) == 1


def test_a_temporary_error_is_retried_with_backoff(reply, smtp_server):
    outgoing, _parent, _customer = reply
    smtp_server.reply = "451 4.3.0 Try again later"
    due = outgoing.send_at + timedelta(seconds=1)

    tick(due)

    outgoing.refresh_from_db()
    assert outgoing.state == State.WAITING
    assert "451" in outgoing.last_error
    assert outgoing.send_at > due
    assert tick(due + timedelta(seconds=5)) == 0  # backoff
    smtp_server.reply = "250 OK"
    assert tick(outgoing.send_at) == 1
    outgoing.refresh_from_db()
    assert outgoing.state == State.SENT
    assert outgoing.attempts == 2
    assert len(smtp_server.messages) == 1


def test_a_permanent_error_fails_visibly_with_the_servers_text(reply, smtp_server):
    outgoing, _parent, _customer = reply
    smtp_server.reply = "550 5.7.1 Message rejected as spam"

    tick(outgoing.send_at + timedelta(seconds=1))
    tick(outgoing.send_at + timedelta(hours=2))

    outgoing.refresh_from_db()
    assert outgoing.state == State.FAILED
    assert "550 5.7.1 Message rejected as spam" in outgoing.last_error
    assert outgoing.attempts == 1
    assert outgoing.sent_message is None


def test_an_unreachable_server_is_retried(reply):
    outgoing, _parent, _customer = reply
    mailbox = outgoing.mailbox
    Mailbox.objects.filter(pk=mailbox.pk).update(smtp_port=1)

    tick(outgoing.send_at + timedelta(seconds=1))

    outgoing.refresh_from_db()
    assert outgoing.state == State.WAITING
    assert "Cannot connect" in outgoing.last_error


def test_a_failed_sent_folder_copy_is_retried_without_resending(
    reply, smtp_server, mailbox, dovecot
):
    outgoing, _parent, _customer = reply
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_port=1)
    tick(outgoing.send_at + timedelta(seconds=1))
    outgoing.refresh_from_db()
    assert outgoing.state == State.SENT
    assert outgoing.appended_at is None
    assert outgoing.append_error

    Mailbox.objects.filter(pk=mailbox.pk).update(imap_port=dovecot.port)
    file_sent_copy(pk=outgoing.pk)

    assert OutgoingMessage.objects.get(pk=outgoing.pk).appended_at is not None
    assert len(smtp_server.messages) == 1


def test_dovecot_returns_the_sent_copy_byte_for_byte(reply, dovecot, support_user):
    outgoing, _parent, _customer = reply
    tick(outgoing.send_at + timedelta(seconds=1))
    outgoing.refresh_from_db()

    with dovecot.imap(support_user) as conn:
        conn.select('"Sent"', readonly=True)
        _typ, data = conn.fetch("1:*", "(BODY.PEEK[])")
    [stored] = [item[1] for item in data if isinstance(item, tuple)]

    assert stored == blobs.read_raw(outgoing.raw_sha256)
    parsed = email.message_from_bytes(stored, policy=policy.default)
    assert parsed["Message-ID"] == f"<{outgoing.message_id}>"
