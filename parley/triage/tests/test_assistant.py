"""The e-mail assistant (AS1): BCC'd and forwarded mail is filed on the parties' records."""

from __future__ import annotations

import pytest

from parley.contacts.models import Activity, Lead
from parley.contacts.services import create_contact
from parley.triage.models import Rule, State
from parley.triage.parties import find_parties
from parley.triage.tests.support import email, receive

pytestmark = pytest.mark.django_db

INLINE_FORWARD = """Zobacz poniżej.

---------- Forwarded message ---------
From: Jan Nowak <jan@acme.pl>
Date: Mon, 2 Mar 2026 at 09:00
Subject: Zamówienie
To: Bob Agent <bob@example.com>
Cc: Księgowość <ksiegowosc@acme.pl>

Proszę o fakturę.
"""


def attached_forward() -> bytes:
    original = email(sender="Ewa Lis <ewa@lis.pl>", to="bob@example.com", subject="Faktura")
    return (
        (
            b"From: Bob Agent <bob@example.com>\r\n"
            b"To: crm@parley.test\r\n"
            b"Subject: Fwd: Faktura\r\n"
            b"Date: Mon, 2 Mar 2026 11:00:00 +0100\r\n"
            b"Message-ID: <fwd-attached@example.com>\r\n"
            b"MIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
            b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFYI\r\n"
            b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
        )
        + original
        + b"\r\n--b--\r\n"
    )


def test_bcc_files_on_the_recipients_contact_not_the_agent(assistant, team_a, bob):
    jan = create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@acme.pl"])
    raw = email(sender="Bob Agent <bob@example.com>", to="Jan <jan@acme.pl>", subject="Oferta")
    row = receive(assistant, raw)
    assert (row.state, row.rule, row.via_assistant, row.contact) == (
        State.LINKED,
        Rule.ASSISTANT,
        True,
        jan,
    )
    assert row.message.conversation.contact == jan
    # The timeline shows it already by address: no duplicate activity.
    assert not Activity.objects.filter(contact=jan, link_type="message").exists()


def test_bcc_to_an_unknown_party_creates_a_lead(assistant, bob):
    raw = email(sender="bob@example.com", to="Nowy Klient <nowy@klient.pl>", subject="Cennik")
    row = receive(assistant, raw)
    lead = Lead.objects.get(email="nowy@klient.pl")
    assert (lead.name, lead.contact_name) == ("Cennik", "Nowy Klient")
    assert (row.state, row.lead) == (State.LINKED, lead)


def test_an_inline_forward_files_on_the_original_sender_and_recipients(assistant, team_a, bob):
    jan = create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@acme.pl"])
    raw = email(
        sender="Bob Agent <bob@example.com>",
        to="crm@parley.test",
        subject="Fwd: Zamówienie",
        body=INLINE_FORWARD,
    )
    row = receive(assistant, raw)
    assert (row.rule, row.contact) == (Rule.ASSISTANT, jan)
    assert Activity.objects.filter(contact=jan, link_id=row.message_id).exists()
    # The Cc of the original is an unknown party: a lead; bob (the forwarder) is not.
    assert Lead.objects.filter(email="ksiegowosc@acme.pl").exists()
    assert not Lead.objects.filter(email="bob@example.com").exists()


def test_an_attached_original_is_read_for_the_parties(assistant, bob):
    row = receive(assistant, attached_forward())
    lead = Lead.objects.get(email="ewa@lis.pl")
    assert (row.rule, row.lead) == (Rule.ASSISTANT, lead)
    assert Activity.objects.filter(lead=lead, link_id=row.message_id).exists()


def test_find_parties_reads_a_polish_outlook_forward():
    body = (
        "-----Wiadomość przekazana-----\r\n"
        "Od: Anna Kowalska <anna@firma.pl>\r\n"
        "Wysłano: poniedziałek\r\n"
        "Do: bob@example.com; Piotr <piotr@firma.pl>\r\n"
        "Temat: Spotkanie\r\n\r\nTreść"
    )
    parties = find_parties(email(sender="bob@example.com", subject="PD: Spotkanie", body=body))
    assert parties.forwarded
    assert [p.address for p in parties.sender] == ["anna@firma.pl"]
    assert "piotr@firma.pl" in [p.address for p in parties.recipients]


def test_find_parties_of_a_plain_bcc_is_the_headers():
    parties = find_parties(email(sender="bob@example.com", to="a@x.pl", cc="b@y.pl"))
    assert not parties.forwarded
    assert [p.address for p in parties.all] == ["bob@example.com", "a@x.pl", "b@y.pl"]


def test_mail_in_other_mailboxes_is_not_assistant_mail(assistant, mailbox):
    row = receive(mailbox, email(sender="bob@example.com", to="nowy@klient.pl"))
    assert (row.via_assistant, row.state) == (False, State.READY)
    assert not Lead.objects.exists()
