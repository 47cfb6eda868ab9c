"""The assistant against a real Dovecot: mail synced from the assistant's mailbox is filed."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from parley.contacts.models import Activity, Lead
from parley.contacts.services import create_contact
from parley.mail.models import Message, MessageSource
from parley.mail.services import MailboxSettings, create_mailbox
from parley.mail.sync import sync_mailbox
from parley.mail.testing.servers import DEFAULT_PASSWORD
from parley.triage.models import EmailTriage, Rule, State
from parley.triage.runner import catch_up
from parley.triage.services import set_assistant_mailbox
from parley.triage.tests.support import email
from parley.triage.tests.test_assistant import INLINE_FORWARD

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assistant_box(dovecot, imap_user, team_a):
    settings = MailboxSettings(
        name="assistant",
        email=f"{imap_user}@example.com",
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_security="none",
        username=imap_user,
        smtp_host="127.0.0.1",
        smtp_port=25,
        smtp_security="none",
    )
    box = create_mailbox(team=team_a, settings=settings, secret=DEFAULT_PASSWORD)
    set_assistant_mailbox(mailbox=box)
    return box


def test_bcc_and_forwarded_mail_synced_from_dovecot_is_filed(
    dovecot, imap_user, assistant_box, team_a, bob
):
    jan = create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@acme.pl"])
    bcc = email(sender="Bob <bob@example.com>", to="Nowa <nowa@firma.pl>", subject="Cennik")
    forward = email(
        sender="Bob <bob@example.com>",
        to=f"{imap_user}@example.com",
        subject="Fwd: Zamówienie",
        body=INLINE_FORWARD,
    )
    dovecot.append(imap_user, "INBOX", [bcc, forward])

    sync_mailbox(assistant_box)
    assert catch_up() == 2

    rows = {row.message.subject: row for row in EmailTriage.objects.select_related("message")}
    lead = Lead.objects.get(email="nowa@firma.pl")
    assert (rows["Cennik"].state, rows["Cennik"].lead) == (State.LINKED, lead)
    filed = rows["Fwd: Zamówienie"]
    assert (filed.rule, filed.contact, filed.via_assistant) == (Rule.ASSISTANT, jan, True)
    assert Activity.objects.filter(contact=jan, link_id=filed.message_id).exists()
    # A second sync and pass change nothing.
    sync_mailbox(assistant_box)
    assert catch_up() == 0
    assert Lead.objects.count() == 2


def test_mail_synced_into_the_assistant_inbox_has_the_source_assistant(
    dovecot, imap_user, assistant_box, tmp_path
):
    inbound = email(sender="Nowa <nowa@firma.pl>", to=f"{imap_user}@example.com", subject="BCC")
    sent = email(sender=f"Bob <{imap_user}@example.com>", to="jan@acme.pl", subject="Wysłane")
    dovecot.append(imap_user, "INBOX", [inbound])
    dovecot.append(imap_user, "Sent", [sent])

    sync_mailbox(assistant_box)

    sources = dict(Message.objects.values_list("subject", "source"))
    assert sources == {"BCC": MessageSource.ASSISTANT, "Wysłane": MessageSource.SENT}
    target = tmp_path / "out.jsonl"
    call_command(
        "export",
        "--mailbox",
        assistant_box.name,
        "--format",
        "jsonl",
        str(target),
        stdout=StringIO(),
    )
    exported = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    messages = {m["subject"]: m["source"] for c in exported for m in c["messages"]}
    assert messages == {"BCC": "assistant", "Wysłane": "sent"}


def test_mail_synced_into_an_ordinary_inbox_keeps_the_source_inbox(
    dovecot, imap_user, assistant_box
):
    set_assistant_mailbox(mailbox=None)
    dovecot.append(imap_user, "INBOX", [email(subject="Zwykła")])

    sync_mailbox(assistant_box)

    assert Message.objects.get().source == MessageSource.INBOX
