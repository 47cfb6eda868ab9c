from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.storage import storages

from parley.mail import blobs
from parley.mail.export import export_mbox
from parley.mail.models import Attachment, FolderRole, Message
from parley.mail.services import ERASED_ADDRESS, redact_messages
from parley.mail.tests.support import ingest_at, make_folder, make_mailbox, use_tmp_storage

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from parley.accounts.models import Team

    CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

pytestmark = pytest.mark.django_db

JAN_PDF = "JVBERi0xLjQKJSBvZmZlcnRhIEphbmEK"
OLA_PDF = "JVBERi0xLjQKJSBmYWt0dXJhCg=="


def _mail(headers: str, body: str, *, attachment: str = "") -> bytes:
    if not attachment:
        return f"{headers}\r\n\r\n{body}\r\n".encode()
    return (
        f"{headers}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        f"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        '--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="cv.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b1--\r\n"
    ).encode()


FROM_JAN = _mail(
    "From: Jan Kowalski <Jan@Example.pl>\r\nTo: Support <support@parley.test>\r\n"
    "Subject: Oferta dla Jana\r\nMessage-ID: <r1@example.pl>\r\n"
    "Date: Mon, 2 Mar 2026 10:00:00 +0100",
    "Jan Kowalski, ul. Dluga 5, Gdansk.",
    attachment=JAN_PDF,
)
TO_JAN = _mail(
    "From: Support <support@parley.test>\r\nTo: Jan Kowalski <jan@example.pl>\r\n"
    "Cc: Ola Nowak <ola@example.com>\r\nSubject: Re: Oferta dla Jana\r\n"
    "Message-ID: <r2@parley.test>\r\nIn-Reply-To: <r1@example.pl>\r\n"
    "Date: Mon, 2 Mar 2026 11:00:00 +0100",
    "Dzien dobry Panie Janie.",
)
FROM_OLA = _mail(
    "From: Ola Nowak <ola@example.com>\r\nTo: Support <support@parley.test>\r\n"
    "Subject: Faktura\r\nMessage-ID: <r3@example.com>\r\n"
    "Date: Mon, 2 Mar 2026 12:00:00 +0100",
    "Prosze o fakture.",
    attachment=OLA_PDF,
)
FROM_JAN_TO_TEAM_B = _mail(
    "From: Jan Kowalski <jan@example.pl>\r\nTo: Sales <sales@parley.test>\r\n"
    "Subject: Zapytanie\r\nMessage-ID: <r4@example.pl>\r\n"
    "Date: Mon, 2 Mar 2026 13:00:00 +0100",
    "Jan pyta o cene.",
)


@pytest.fixture
def stored(settings: Any, tmp_path: Path, team_a: Team, team_b: Team) -> dict[str, Message]:
    use_tmp_storage(settings, tmp_path)
    inbox = make_folder(make_mailbox(team_a))
    sent = make_folder(inbox.mailbox, "Sent", FolderRole.SENT)
    sales = make_folder(make_mailbox(team_b, name="sales", email="sales@parley.test"))
    return {
        "from_jan": ingest_at(FROM_JAN, inbox, 1).message,
        "to_jan": ingest_at(TO_JAN, sent, 1).message,
        "from_ola": ingest_at(FROM_OLA, inbox, 2).message,
        "team_b": ingest_at(FROM_JAN_TO_TEAM_B, sales, 1).message,
    }


def _exists(path: str) -> bool:
    return storages["default"].exists(path)


def _erase_jan(team: Team, capture: CaptureCallbacks) -> int:
    with capture(execute=True):
        return redact_messages(team_id=team.pk, addresses=["JAN@example.pl"])


def test_it_redacts_what_jan_sent_and_deletes_its_blobs(
    stored: dict[str, Message], team_a: Team, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    message = stored["from_jan"]
    attachment = Attachment.objects.get(message=message)
    assert message.reply_text
    assert _erase_jan(team_a, django_capture_on_commit_callbacks) == 2
    message.refresh_from_db()
    assert message.is_erased
    assert (message.from_name, message.from_address) == ("", ERASED_ADDRESS)
    assert {message.subject, message.text, message.html, message.snippet} <= {"[erased]"}
    assert message.reply_text == "[erased]"
    assert not message.has_attachments
    assert not Attachment.objects.filter(message=message).exists()
    assert not _exists(blobs.raw_path(message.raw_sha256))
    assert not _exists(blobs.attachment_path(attachment.sha256))
    assert message.message_id == "r1@example.pl"


def test_it_redacts_jan_in_our_reply_but_keeps_the_other_recipient(
    stored: dict[str, Message], team_a: Team, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    _erase_jan(team_a, django_capture_on_commit_callbacks)
    reply = Message.objects.get(pk=stored["to_jan"].pk)
    assert reply.to == [{"name": "", "address": ERASED_ADDRESS}]
    assert reply.cc == [{"name": "Ola Nowak", "address": "ola@example.com"}]
    assert reply.from_address == "support@parley.test"
    assert "Jan" not in f"{reply.subject} {reply.text} {reply.snippet}"
    assert not _exists(blobs.raw_path(reply.raw_sha256))


def test_it_leaves_other_peoples_and_other_teams_messages_alone(
    stored: dict[str, Message], team_a: Team, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    _erase_jan(team_a, django_capture_on_commit_callbacks)
    for key in ("from_ola", "team_b"):
        message = Message.objects.get(pk=stored[key].pk)
        assert not message.is_erased
        assert message.text == stored[key].text
        assert message.from_address == stored[key].from_address
        assert _exists(blobs.raw_path(message.raw_sha256))
    ola = Attachment.objects.get(message=stored["from_ola"])
    assert _exists(blobs.attachment_path(ola.sha256))


def test_it_keeps_an_attachment_blob_another_message_still_uses(
    stored: dict[str, Message], team_a: Team, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    forwarded = _mail(
        "From: Ola Nowak <ola@example.com>\r\nTo: Support <support@parley.test>\r\n"
        "Subject: Fwd: CV\r\nMessage-ID: <r5@example.com>",
        "Przesylam dalej.",
        attachment=JAN_PDF,
    )
    other = ingest_at(forwarded, stored["from_ola"].locations.get().folder, 3).message
    # Both messages carry the same PDF bytes: one content-addressed blob.
    shared = Attachment.objects.get(message=other).sha256
    assert Attachment.objects.get(message=stored["from_jan"]).sha256 == shared
    _erase_jan(team_a, django_capture_on_commit_callbacks)
    assert _exists(blobs.attachment_path(shared))


def test_it_redacts_every_message_of_a_linked_conversation(
    stored: dict[str, Message], team_a: Team, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    ola = stored["from_ola"]
    with django_capture_on_commit_callbacks(execute=True):
        count = redact_messages(
            team_id=team_a.pk, addresses=[], conversation_ids=[ola.conversation_id]
        )
    ola.refresh_from_db()
    assert count == 1
    assert (ola.is_erased, ola.from_address, ola.text) == (True, ERASED_ADDRESS, "[erased]")


def test_it_does_nothing_without_addresses_or_conversations(
    stored: dict[str, Message], team_a: Team
) -> None:
    assert redact_messages(team_id=team_a.pk, addresses=[" "]) == 0
    assert not Message.objects.filter(is_erased=True).exists()


def test_it_keeps_the_blobs_when_the_transaction_rolls_back(
    stored: dict[str, Message], team_a: Team, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        redact_messages(team_id=team_a.pk, addresses=["jan@example.pl"])
    assert len(callbacks) == 1
    assert _exists(blobs.raw_path(stored["from_jan"].raw_sha256))


def test_the_mbox_export_leaves_out_erased_messages(
    stored: dict[str, Message], team_a: Team, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    _erase_jan(team_a, django_capture_on_commit_callbacks)
    out = io.BytesIO()
    mailbox = stored["from_ola"].locations.get().mailbox
    assert export_mbox(mailbox=mailbox, out=out) == 1
    assert b"Prosze o fakture." in out.getvalue()
    assert b"Kowalski" not in out.getvalue()


def test_it_finds_the_person_in_reply_to_and_in_non_ascii_addresses(
    stored: dict[str, Message], team_a: Team
) -> None:
    raw = (
        "From: Biuro <biuro@example.com>\r\nReply-To: Józef <józef@example.pl>\r\n"
        "To: Support <support@parley.test>\r\nSubject: Pytanie\r\nMessage-ID: <r6@example.com>"
        "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nProsze odpisac Jozefowi.\r\n"
    ).encode()
    message = ingest_at(raw, stored["from_ola"].locations.get().folder, 4).message
    assert message.reply_to == [{"name": "Józef", "address": "józef@example.pl"}]
    assert redact_messages(team_id=team_a.pk, addresses=["JÓZEF@example.pl"]) == 1
    message.refresh_from_db()
    assert message.reply_to == [{"name": "", "address": ERASED_ADDRESS}]
    assert message.from_address == "biuro@example.com"
    assert message.text == "[erased]"
