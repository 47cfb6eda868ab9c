from __future__ import annotations

import pytest

from parley.conversations.models import ConversationEvent, EventKind, Status
from parley.mail.models import FolderRole, MessageSource
from parley.mail.tests.support import ingest_at, make_folder, make_mailbox, use_tmp_storage
from parley.mail.threading import normalize_subject, subject_tag, tag_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _blob_storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


@pytest.fixture
def mailbox(team_a):
    return make_mailbox(team_a)


@pytest.fixture
def inbox(mailbox):
    return make_folder(mailbox)


@pytest.fixture
def sent(mailbox):
    return make_folder(mailbox, "Sent", FolderRole.SENT)


_uid = iter(range(1, 10_000))


def mail(
    folder,
    *,
    msgid: str,
    subject: str = "Invoice question",
    sender: str = "jan@customer.example",
    to: str = "support@parley.test",
    date: str = "Mon, 2 Mar 2026 10:00:00 +0100",
    headers: str = "",
    body: str = "Hello.",
):
    raw = (
        f"Message-ID: <{msgid}>\r\nDate: {date}\r\nFrom: {sender}\r\nTo: {to}\r\n"
        f"Subject: {subject}\r\n{headers}Content-Type: text/plain\r\n\r\n{body}\r\n"
    ).encode()
    return ingest_at(raw, folder, uid=next(_uid)).message


def test_a_reply_to_our_own_message_joins_its_conversation(inbox, sent):
    ours = mail(
        sent, msgid="out-1@parley.test", sender="support@parley.test", to="jan@customer.example"
    )

    reply = mail(
        inbox,
        msgid="r1@customer.example",
        subject="Something else",
        headers="In-Reply-To: <out-1@parley.test>\r\n",
    )

    assert reply.conversation_id == ours.conversation_id
    assert reply.conversation.message_count == 2


def test_the_references_chain_finds_any_known_message(inbox):
    first = mail(inbox, msgid="a@customer.example")

    later = mail(
        inbox,
        msgid="c@customer.example",
        subject="Unrelated words",
        headers="References: <a@customer.example> <b-unknown@customer.example>\r\n",
    )

    assert later.conversation_id == first.conversation_id


def test_the_subject_tag_files_into_that_conversation(inbox):
    first = mail(inbox, msgid="a@customer.example")
    number = first.conversation.number

    tagged = mail(
        inbox,
        msgid="t@other.example",
        sender="someone@other.example",
        subject=f"Fwd: see {subject_tag(number)} please",
        date="Mon, 20 Apr 2026 10:00:00 +0100",
    )

    assert tagged.conversation_id == first.conversation_id


def test_the_tag_prefix_is_a_setting(settings):
    settings.PARLEY_TICKET_PREFIX = "T-"

    assert subject_tag(12) == "[T-12]"
    assert tag_number("Re: [T-12] hello") == 12
    assert tag_number("Re: [#12] hello") is None


def test_the_subject_fallback_needs_the_same_external_participant(inbox):
    first = mail(inbox, msgid="a@customer.example", subject="Invoice question")

    same_person = mail(inbox, msgid="b@customer.example", subject="RE: Odp: Invoice  question")
    other_person = mail(
        inbox, msgid="c@else.example", sender="eve@else.example", subject="Re: Invoice question"
    )

    assert same_person.conversation_id == first.conversation_id
    assert other_person.conversation_id != first.conversation_id


def test_the_subject_fallback_is_limited_to_the_window(inbox, settings):
    settings.PARLEY_THREAD_SUBJECT_DAYS = 7
    first = mail(inbox, msgid="a@customer.example", date="Mon, 2 Mar 2026 10:00:00 +0100")

    late = mail(
        inbox,
        msgid="b@customer.example",
        subject="Re: Invoice question",
        date="Mon, 16 Mar 2026 10:00:00 +0100",
    )

    assert late.conversation_id != first.conversation_id


def test_the_subject_fallback_can_be_turned_off(inbox, settings):
    settings.PARLEY_THREAD_SUBJECT_DAYS = 0
    first = mail(inbox, msgid="a@customer.example")

    again = mail(inbox, msgid="b@customer.example", subject="Re: Invoice question")

    assert again.conversation_id != first.conversation_id


def test_the_subject_fallback_never_applies_to_bulk_mail(inbox):
    first = mail(inbox, msgid="a@customer.example", subject="Weekly news")

    bulk = mail(
        inbox, msgid="b@customer.example", subject="Weekly news", headers="Precedence: bulk\r\n"
    )

    assert bulk.conversation_id != first.conversation_id


def test_threading_stays_within_the_team(team_b, inbox):
    other_team = make_folder(make_mailbox(team_b, name="b", email="b@parley.test"))
    first = mail(inbox, msgid="a@customer.example")

    reply = mail(
        other_team,
        msgid="r@customer.example",
        to="b@parley.test",
        headers="In-Reply-To: <a@customer.example>\r\n",
    )

    assert reply.conversation_id != first.conversation_id
    assert reply.conversation.team == team_b


def test_an_inbound_reply_reopens_a_closed_conversation(inbox):
    first = mail(inbox, msgid="a@customer.example")
    type(first.conversation).objects.filter(pk=first.conversation_id).update(status=Status.CLOSED)

    reply = mail(inbox, msgid="b@customer.example", headers="In-Reply-To: <a@customer.example>\r\n")

    reply.conversation.refresh_from_db()
    assert reply.conversation.status == Status.OPEN
    assert (
        ConversationEvent.objects.filter(
            conversation=reply.conversation, kind=EventKind.REOPENED
        ).count()
        == 1
    )


def test_an_auto_reply_does_not_reopen_a_closed_conversation(inbox):
    first = mail(inbox, msgid="a@customer.example")
    type(first.conversation).objects.filter(pk=first.conversation_id).update(status=Status.RESOLVED)

    ooo = mail(
        inbox,
        msgid="b@customer.example",
        headers="In-Reply-To: <a@customer.example>\r\nAuto-Submitted: auto-replied\r\n",
    )

    ooo.conversation.refresh_from_db()
    assert ooo.conversation_id == first.conversation_id
    assert ooo.conversation.status == Status.RESOLVED


def test_our_own_reply_does_not_reopen(inbox, sent):
    first = mail(inbox, msgid="a@customer.example")
    type(first.conversation).objects.filter(pk=first.conversation_id).update(status=Status.CLOSED)

    ours = mail(
        sent,
        msgid="o@parley.test",
        sender="support@parley.test",
        headers="In-Reply-To: <a@customer.example>\r\n",
    )

    ours.conversation.refresh_from_db()
    assert ours.source == MessageSource.SENT
    assert ours.conversation.status == Status.CLOSED


def test_a_parent_arriving_after_its_reply_joins_the_replys_conversation(inbox, sent):
    # Sync stores INBOX before Sent: the customer's answer can be stored before our message.
    reply = mail(
        inbox,
        msgid="b@customer.example",
        subject="Re: Your offer",
        headers="In-Reply-To: <a@parley.test>\r\n",
    )
    parent = mail(
        sent,
        msgid="a@parley.test",
        subject="Your offer",
        sender="support@parley.test",
        to="jan@customer.example",
    )

    assert parent.conversation_id == reply.conversation_id
    third = mail(
        inbox,
        msgid="c@customer.example",
        subject="Re: Your offer",
        headers="References: <a@parley.test> <b@customer.example>\r\n",
    )
    assert third.conversation_id == reply.conversation_id


def test_a_parent_and_its_earlier_reply_in_one_batch_share_a_conversation(mailbox, inbox):
    from parley.mail.ingest import BatchItem, Location, ingest_batch

    raws = [
        (
            b"Message-ID: <y@customer.example>\r\nIn-Reply-To: <x@customer.example>\r\n"
            b"From: jan@customer.example\r\nSubject: Re: Hi\r\n\r\nAnswer.\r\n"
        ),
        (
            b"Message-ID: <x@customer.example>\r\nFrom: ewa@customer.example\r\n"
            b"Subject: Completely different\r\n\r\nQuestion.\r\n"
        ),
    ]
    items = [BatchItem(raw=raw, location=Location(inbox, 1, 900 + n)) for n, raw in enumerate(raws)]
    results = ingest_batch(items, source=MessageSource.INBOX, mailbox=mailbox)

    assert results[0].message.conversation_id == results[1].message.conversation_id


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Fwd: RE[2]: Hello", "hello"),
        ("Odp: PD: AW: WG: SV: Fw: Hello", "hello"),
        ("Re:   [#12]   Hello  World", "hello world"),
        ("Hello", "hello"),
        ("Re:", ""),
    ],
)
def test_normalize_subject_strips_reply_prefixes_repeatedly(subject, expected):
    assert normalize_subject(subject) == expected


def test_a_customer_reply_notifies_the_assignees_but_an_import_does_not(inbox, alice, bob):
    from parley.conversations.models import Notification, NotificationKind
    from parley.conversations.services.workflow import set_assignees
    from parley.mail.ingest import ingest_raw

    first = mail(inbox, msgid="n1@customer.example")
    set_assignees(actor=alice, conversations=[first.conversation], users=[bob])

    mail(inbox, msgid="n2@customer.example", headers="In-Reply-To: <n1@customer.example>\r\n")
    assert Notification.objects.filter(user=bob, kind=NotificationKind.REPLY).count() == 1

    history = (
        b"Message-ID: <n3@customer.example>\r\nIn-Reply-To: <n2@customer.example>\r\n"
        b"From: jan@customer.example\r\nSubject: Re: Invoice question\r\n\r\nOld.\r\n"
    )
    ingest_raw(raw=history, source=MessageSource.IMPORT, mailbox=inbox.mailbox)
    assert Notification.objects.filter(user=bob, kind=NotificationKind.REPLY).count() == 1
