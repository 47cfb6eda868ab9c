"""Exactly-once sync against a real Dovecot (issue 3 part 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from parley.mail.exceptions import (
    AuthenticationError,
    ConnectionLostError,
    FolderMissingError,
    MailboxBusyError,
)
from parley.mail.models import FolderRole, Mailbox, MailFolder, Message, MessageLocation
from parley.mail.services import MailboxSettings, create_mailbox, update_mailbox
from parley.mail.sync import claim_lease, release_lease, sync_mailbox
from parley.mail.testing.servers import DEFAULT_PASSWORD, DovecotServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class CrashError(Exception):
    """Stands for the process dying at a given step."""


def make_message(n: int, *, subject: str | None = None, sender: str = "customer") -> bytes:
    return (
        f"From: Customer {n} <{sender}{n}@example.org>\r\n"
        f"To: Support <support@example.com>\r\n"
        f"Subject: {subject or f'Question number {n}'}\r\n"
        f"Date: Mon, 2 Mar 2026 10:{n % 60:02d}:00 +0100\r\n"
        f"Message-ID: <question-{n}-{sender}@example.org>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hello, this is question {n}. Zażółć gęślą jaźń.\r\n"
    ).encode()


def add_mailbox(
    server: DovecotServer, user: str, team, *, name: str = "support", folders=None
) -> Mailbox:
    settings = MailboxSettings(
        name=name,
        email=f"{user}@example.com",
        imap_host="127.0.0.1",
        imap_port=server.port,
        imap_security="none",
        username=user,
        smtp_host="127.0.0.1",
        smtp_port=25,
        smtp_security="none",
    )
    return create_mailbox(team=team, settings=settings, secret=DEFAULT_PASSWORD, folders=folders)


def assert_exactly_once(mailbox: Mailbox, expected: int) -> None:
    locations = MessageLocation.objects.filter(mailbox=mailbox)
    assert locations.count() == expected
    assert Message.objects.filter(locations__mailbox=mailbox).distinct().count() == expected
    duplicates = (
        Message.objects.values("message_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    assert duplicates == 0


@pytest.fixture
def mailbox(dovecot, imap_user, team_a) -> Mailbox:
    return add_mailbox(dovecot, imap_user, team_a)


def test_it_syncs_inbox_and_sent_found_by_special_use(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(5)])
    dovecot.append(imap_user, "Sent", [make_message(n, sender="agent") for n in range(2)])

    report = sync_mailbox(mailbox)

    assert report.created == 7
    roles = dict(MailFolder.objects.filter(mailbox=mailbox).values_list("name", "role"))
    assert roles == {"INBOX": FolderRole.INBOX, "Sent": FolderRole.SENT}
    assert_exactly_once(mailbox, 7)
    mailbox.refresh_from_db()
    assert mailbox.last_sync_at is not None
    assert mailbox.last_error == ""
    assert mailbox.lease_owner == ""


def test_syncing_twice_stores_nothing_new(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(4)])
    sync_mailbox(mailbox)
    rows = set(MessageLocation.objects.values_list("message_id", "folder_id", "uid"))

    report = sync_mailbox(mailbox)

    assert report.created == 0
    assert all(folder.unchanged for folder in report.folders)
    assert set(MessageLocation.objects.values_list("message_id", "folder_id", "uid")) == rows


def test_new_mail_is_picked_up_by_the_next_sync(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, "INBOX", [make_message(1)])
    sync_mailbox(mailbox)
    dovecot.append(imap_user, "INBOX", [make_message(2), make_message(3)])

    report = sync_mailbox(mailbox)

    assert report.created == 2
    assert MailFolder.objects.get(mailbox=mailbox, name="INBOX").last_uid == 3
    assert_exactly_once(mailbox, 3)


def test_sync_never_changes_flags_on_the_server(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(3)])
    before = dovecot.flags(imap_user)

    sync_mailbox(mailbox)

    assert dovecot.flags(imap_user) == before
    assert all(b"\\Seen" not in line for line in before)


@pytest.mark.parametrize(
    ("step", "at_index"),
    [
        ("before_fetch", None),
        ("after_fetch", None),
        ("after_ingest", 0),
        ("after_ingest", 1),
        ("before_progress_save", None),
        ("after_commit", None),
    ],
)
def test_a_crash_at_any_step_ends_with_every_message_once(
    dovecot, imap_user, mailbox, step, at_index
):
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(7)])
    calls = {"batches": 0}

    def crash_in_second_batch(name, /, **context):
        if name == "before_fetch":
            calls["batches"] += 1
        in_second_batch = name == step and calls["batches"] == 2
        if in_second_batch and (at_index is None or context.get("index") == at_index):
            raise CrashError(name)

    with pytest.raises(CrashError):
        sync_mailbox(mailbox, hook=crash_in_second_batch, batch_messages=3)
    mailbox.refresh_from_db()
    assert mailbox.last_error
    assert mailbox.lease_owner == ""

    sync_mailbox(mailbox, batch_messages=3)

    assert_exactly_once(mailbox, 7)
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_a_dropped_connection_mid_sync_resumes_without_loss(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(6)])
    calls = {"batches": 0}

    def drop_connection(name, /, **context):
        if name == "before_fetch":
            calls["batches"] += 1
            if calls["batches"] == 2:
                context["client"].drop()

    with pytest.raises(ConnectionLostError):
        sync_mailbox(mailbox, hook=drop_connection, batch_messages=2)
    assert MessageLocation.objects.filter(mailbox=mailbox).count() == 2
    mailbox.refresh_from_db()
    assert "connection" in mailbox.last_error.lower()

    sync_mailbox(mailbox, batch_messages=2)

    assert_exactly_once(mailbox, 6)


def test_a_uidvalidity_change_rescans_without_duplicates(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(4)])
    sync_mailbox(mailbox)
    old = MailFolder.objects.get(mailbox=mailbox, name="INBOX").uidvalidity
    dovecot.reset_uidvalidity(imap_user, "INBOX")
    dovecot.append(imap_user, "INBOX", [make_message(10)])

    report = sync_mailbox(mailbox)

    inbox = MailFolder.objects.get(mailbox=mailbox, name="INBOX")
    assert inbox.uidvalidity != old
    assert inbox.last_uid == 5
    assert report.created == 1
    assert [f.uidvalidity_changed for f in report.folders if f.name == "INBOX"] == [True]
    assert Message.objects.filter(locations__mailbox=mailbox).distinct().count() == 5
    assert inbox.uidvalidity is not None
    assert MessageLocation.objects.filter(folder=inbox, uidvalidity=inbox.uidvalidity).count() == 5


def test_a_message_deleted_in_parley_is_not_imported_again(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, "INBOX", [make_message(1), make_message(2)])
    sync_mailbox(mailbox)
    deleted = Message.objects.get(message_id="question-1-customer@example.org")
    # TODO(#3): call the message-deletion service once conversations offers one.
    Message.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    dovecot.reset_uidvalidity(imap_user, "INBOX")

    sync_mailbox(mailbox)

    assert Message.objects.filter(message_id=deleted.message_id).count() == 1
    assert Message.objects.alive().filter(locations__mailbox=mailbox).distinct().count() == 1


def test_the_same_message_in_inbox_and_sent_is_one_message(dovecot, imap_user, mailbox):
    raw = make_message(1)
    dovecot.append(imap_user, "INBOX", [raw])
    dovecot.append(imap_user, "Sent", [raw])

    sync_mailbox(mailbox)

    message = Message.objects.get()
    assert set(message.locations.values_list("folder__name", flat=True)) == {"INBOX", "Sent"}


def test_the_same_message_in_two_mailboxes_is_one_message(dovecot, team_a, mailbox, imap_user):
    other_user = dovecot.add_user()
    other = add_mailbox(dovecot, other_user, team_a, name="sales")
    raw = make_message(1)
    dovecot.append(imap_user, "INBOX", [raw])
    dovecot.append(other_user, "INBOX", [raw])

    sync_mailbox(mailbox)
    sync_mailbox(other)

    message = Message.objects.get()
    assert set(message.locations.values_list("mailbox__name", flat=True)) == {"support", "sales"}


def test_the_lease_keeps_a_second_worker_out(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, "INBOX", [make_message(1)])
    assert claim_lease(mailbox.pk, "other-worker")

    with pytest.raises(MailboxBusyError):
        sync_mailbox(mailbox)
    assert not MessageLocation.objects.exists()
    assert not claim_lease(mailbox.pk, "third-worker")

    release_lease(mailbox.pk, "other-worker")
    sync_mailbox(mailbox)
    assert MessageLocation.objects.count() == 1


def test_an_expired_lease_can_be_taken_over(dovecot, imap_user, mailbox):
    assert claim_lease(mailbox.pk, "crashed-worker")
    Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=timezone.now() - timedelta(seconds=1))

    assert claim_lease(mailbox.pk, "new-worker")
    mailbox.refresh_from_db()
    assert mailbox.lease_owner == "new-worker"


def test_a_message_that_cannot_be_parsed_does_not_stop_the_sync(dovecot, imap_user, mailbox):
    garbage = b"\x00\xff\xfe not a mail \r\n\r\n\x00\x01\x02 --boundary-without-end\r\n"
    broken_mime = (
        b'From: x@example.org\r\nContent-Type: multipart/mixed; boundary="\r\n'
        b"Subject: =?utf-8?q?broken?=\r\n\r\n--\r\nno end"
    )
    dovecot.append(imap_user, "INBOX", [make_message(1), garbage, broken_mime, make_message(2)])

    sync_mailbox(mailbox)

    assert MessageLocation.objects.filter(mailbox=mailbox).count() == 4
    assert MailFolder.objects.get(mailbox=mailbox, name="INBOX").last_uid == 4


def test_a_wrong_password_is_recorded_on_the_mailbox(dovecot, imap_user, mailbox):
    settings = MailboxSettings(
        name=mailbox.name,
        email=mailbox.email,
        imap_host=mailbox.imap_host,
        imap_port=mailbox.imap_port,
        imap_security=mailbox.imap_security,
        username=mailbox.username,
    )
    update_mailbox(mailbox=mailbox, settings=settings, secret="wrong")

    with pytest.raises(AuthenticationError):
        sync_mailbox(mailbox)

    mailbox.refresh_from_db()
    assert "rejected the login" in mailbox.last_error
    assert mailbox.last_error_at is not None
    assert mailbox.lease_owner == ""


def test_a_missing_folder_is_reported_after_syncing_the_others(dovecot, imap_user, team_a):
    mailbox = add_mailbox(dovecot, imap_user, team_a, folders=["INBOX", "Archive"])
    dovecot.append(imap_user, "INBOX", [make_message(1)])

    with pytest.raises(FolderMissingError, match="Archive"):
        sync_mailbox(mailbox)

    assert MessageLocation.objects.filter(mailbox=mailbox).count() == 1
    mailbox.refresh_from_db()
    assert "Archive" in mailbox.last_error


def test_it_syncs_a_server_without_idle_condstore_or_special_use(dovecot_plain, team_a):
    user = dovecot_plain.add_user()
    mailbox = add_mailbox(dovecot_plain, user, team_a)
    dovecot_plain.append(user, "INBOX", [make_message(n) for n in range(3)])
    dovecot_plain.append(user, "Sent", [make_message(9, sender="agent")])

    sync_mailbox(mailbox)
    again = sync_mailbox(mailbox)

    assert_exactly_once(mailbox, 4)
    assert all(folder.unchanged for folder in again.folders)
    assert MailFolder.objects.get(mailbox=mailbox, name="Sent").role == FolderRole.SENT
    assert MailFolder.objects.get(mailbox=mailbox, name="INBOX").highestmodseq is None


def test_resyncing_an_unchanged_mailbox_runs_a_fixed_number_of_queries(
    dovecot, imap_user, mailbox, django_assert_num_queries
):
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(20)])
    sync_mailbox(mailbox)

    # Lease claim, assistant lookup, folders, two lease renewals, success, release: no work
    # per message.
    with django_assert_num_queries(7):
        sync_mailbox(mailbox)


def thread_message(
    name: str,
    *,
    minute: int,
    sender: str,
    in_reply_to: str | None = None,
    subject: str = "Re: Order 77",
) -> bytes:
    reply = f"In-Reply-To: <{in_reply_to}@example.org>\r\n" if in_reply_to else ""
    return (
        f"From: {sender}\r\n"
        f"To: Support <support@example.com>\r\n"
        f"Subject: {subject}\r\n"
        f"Date: Mon, 2 Mar 2026 10:{minute:02d}:00 +0000\r\n"
        f"Message-ID: <{name}@example.org>\r\n{reply}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{name}\r\n"
    ).encode()


def conversation_of(name: str) -> int | None:
    return Message.objects.get(message_id=f"{name}@example.org").conversation_id


def fill_cross_folder_thread(dovecot: DovecotServer, user: str) -> None:
    """A customer's answer (INBOX) to our reply (Sent) names only our reply, as Outlook does.

    Folder by folder, the answer would be stored before our reply and open a conversation of
    its own (its subject differs, so the subject fallback cannot help); INBOX's UIDs are not
    in date order either (a later, unrelated message has UID 1).
    """
    customer = "Customer <customer@example.org>"
    dovecot.append(
        user,
        "INBOX",
        [
            thread_message(
                "late", minute=50, sender="Other <other@example.org>", subject="Invoice"
            ),
            thread_message("question", minute=1, sender=customer),
            thread_message(
                "answer", minute=20, sender=customer, in_reply_to="reply", subject="Address"
            ),
        ],
    )
    dovecot.append(
        user,
        "Sent",
        [thread_message("reply", minute=10, sender="support@example.com", in_reply_to="question")],
    )


def test_it_ingests_the_new_mail_of_all_folders_in_date_order(dovecot, imap_user, mailbox):
    fill_cross_folder_thread(dovecot, imap_user)
    order: list[tuple[str, int]] = []

    def record(name, /, **context):
        if name == "before_fetch":
            order.extend(context["uids"])

    report = sync_mailbox(mailbox, hook=record, batch_messages=2)

    assert order == [("INBOX", 2), ("Sent", 1), ("INBOX", 3), ("INBOX", 1)]
    assert report.created == 4
    assert conversation_of("question") == conversation_of("reply") == conversation_of("answer")
    assert conversation_of("late") != conversation_of("question")
    reply = Message.objects.get(message_id="reply@example.org")
    assert (reply.source, reply.direction) == ("sent", "out")
    answer = Message.objects.get(message_id="answer@example.org")
    assert (answer.source, answer.direction) == ("inbox", "in")
    folders = dict(MailFolder.objects.filter(mailbox=mailbox).values_list("name", "last_uid"))
    assert folders == {"INBOX": 3, "Sent": 1}
    assert_exactly_once(mailbox, 4)


def test_a_crash_in_a_merged_cycle_keeps_progress_below_every_pending_uid(
    dovecot, imap_user, mailbox
):
    fill_cross_folder_thread(dovecot, imap_user)
    batches = {"committed": 0}

    def crash_after_three_batches(name, /, **context):
        if name == "after_commit":
            batches["committed"] += 1
            if batches["committed"] == 3:
                raise CrashError(name)

    with pytest.raises(CrashError):
        sync_mailbox(mailbox, hook=crash_after_three_batches, batch_messages=1)
    # INBOX UIDs 2 and 3 are stored, UID 1 (the latest message) is not: progress stays 0.
    inbox = MailFolder.objects.get(mailbox=mailbox, name="INBOX")
    assert inbox.last_uid == 0
    assert set(MessageLocation.objects.filter(folder=inbox).values_list("uid", flat=True)) == {
        2,
        3,
    }
    assert MailFolder.objects.get(mailbox=mailbox, name="Sent").last_uid == 1

    report = sync_mailbox(mailbox, batch_messages=1)

    assert report.created == 1
    assert_exactly_once(mailbox, 4)
    assert MailFolder.objects.get(mailbox=mailbox, name="INBOX").last_uid == 3
    assert conversation_of("question") == conversation_of("answer")
