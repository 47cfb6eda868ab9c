"""The assistant against a real Dovecot: mail synced from the assistant's mailbox is filed."""

from __future__ import annotations

import pytest

from parley.contacts.models import Activity, Lead
from parley.contacts.services import create_contact
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
