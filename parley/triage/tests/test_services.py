"""Automatic triage (TR2, AS2, bulk rules) and the agent's decisions (TR1)."""

from __future__ import annotations

import pytest

from parley.contacts.models import Activity, Lead
from parley.contacts.services import create_contact, create_organization
from parley.contacts.services.leads import create_lead
from parley.conversations.models import EventKind
from parley.triage.exceptions import TriageError
from parley.triage.models import EmailTriage, Rule, State
from parley.triage.runner import catch_up
from parley.triage.services import (
    create_contact_from_email,
    create_lead_from_email,
    ignore_email,
    link_email,
    restore_email,
    unlink_email,
)
from parley.triage.tests.support import email, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan(team_a):
    return create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@acme.pl"])


def test_one_matching_contact_links_the_email_and_its_conversation(mailbox, jan):
    row = receive(mailbox, email(sender="JAN <Jan@ACME.pl>"))
    assert (row.state, row.rule, row.contact) == (State.LINKED, Rule.MATCH, jan)
    conversation = row.message.conversation
    conversation.refresh_from_db()
    assert conversation.contact == jan
    assert conversation.events.filter(kind=EventKind.LINKED, actor=None).exists()


def test_several_open_leads_with_the_address_wait_for_the_agent_to_choose(mailbox, team_a, bob):
    first = create_lead(team=team_a, name="Oferta A", email="desk@acme.pl")
    second = create_lead(team=team_a, name="Oferta B", email="desk@acme.pl")
    row = receive(mailbox, email(sender="Desk <DESK@acme.pl>"))
    assert (row.state, row.lead) == (State.READY, None)
    assert set(row.lead_candidates.all()) == {first, second}

    link_email(row=row, record=second, actor=bob)

    row.refresh_from_db()
    assert (row.state, row.rule, row.lead, row.triaged_by) == (
        State.LINKED,
        Rule.MANUAL,
        second,
        bob,
    )
    assert not row.lead_candidates.exists()


def test_a_contact_owning_the_address_wins_over_leads(mailbox, team_a, jan):
    create_lead(team=team_a, name="Oferta A", email="jan@acme.pl")
    create_lead(team=team_a, name="Oferta B", email="jan@acme.pl")
    row = receive(mailbox, email(sender="jan@acme.pl"))
    assert (row.state, row.contact) == (State.LINKED, jan)


def test_an_unknown_sender_is_ready_with_the_domain_organization_suggested(mailbox, team_a):
    acme = create_organization(team=team_a, fields={"name": "Acme"}, domains=["acme.pl"])
    row = receive(mailbox, email(sender="nowy@acme.pl"))
    assert (row.state, row.contact, row.suggestion) == (State.READY, None, acme)


def test_one_open_lead_with_the_address_links_to_the_lead(mailbox, team_a):
    lead = create_lead(team=team_a, name="Oferta", email="lead@firma.pl")
    row = receive(mailbox, email(sender="lead@firma.pl"))
    assert (row.state, row.lead) == (State.LINKED, lead)


def test_a_lead_code_files_the_email_on_exactly_that_lead(mailbox, team_a, jan):
    lead = create_lead(team=team_a, name="Oferta")
    row = receive(mailbox, email(subject=f"Re: oferta [L-{lead.pk}]"))
    assert (row.state, row.rule, row.lead) == (State.LINKED, Rule.RECORD_CODE, lead)
    assert Activity.objects.filter(lead=lead, link_type="message", link_id=row.message_id).exists()


def test_a_contact_code_wins_over_the_sender_match(mailbox, team_a, jan):
    other = create_contact(team=team_a, fields={"first_name": "Ewa"}, emails=["ewa@x.pl"])
    row = receive(mailbox, email(subject=f"Notatka [C-{other.pk}]"))
    assert (row.rule, row.contact) == (Rule.RECORD_CODE, other)
    assert Activity.objects.filter(contact=other, link_id=row.message_id).exists()


def test_an_organization_code_files_on_the_organization(mailbox, team_a):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    row = receive(mailbox, email(subject=f"[O-{acme.pk}] umowa"))
    assert (row.rule, row.organization, row.contact) == (Rule.RECORD_CODE, acme, None)
    assert row.message.conversation.organization == acme


def test_a_conversation_code_files_on_that_conversations_customer(mailbox, jan):
    first = receive(mailbox, email(sender="jan@acme.pl", subject="Pierwsze"))
    number = first.message.conversation.number
    row = receive(mailbox, email(sender="ktos@inny.pl", subject=f"Dalej [#{number}]"))
    assert (row.state, row.rule, row.contact) == (State.LINKED, Rule.RECORD_CODE, jan)


def test_a_code_of_another_team_is_not_followed(mailbox, team_b):
    lead = create_lead(team=team_b, name="Cudzy")
    row = receive(mailbox, email(sender="obcy@x.pl", subject=f"[L-{lead.pk}]"))
    assert (row.state, row.lead) == (State.READY, None)


BULK = "Precedence: bulk\r\nList-Unsubscribe: <mailto:u@news.pl>"
AUTO = "Auto-Submitted: auto-replied"


@pytest.mark.parametrize(("headers", "rule"), [(BULK, Rule.BULK), (AUTO, Rule.AUTO_REPLY)])
def test_bulk_and_auto_replies_go_to_ignored_when_the_mailbox_says_so(mailbox, headers, rule):
    mailbox.bulk_to_ignored = True
    mailbox.save(update_fields=["bulk_to_ignored"])
    row = receive(mailbox, email(sender="news@news.pl", headers=headers))
    assert (row.state, row.rule) == (State.IGNORED, rule)


def test_bulk_mail_stays_ready_without_the_mailbox_rule(mailbox):
    row = receive(mailbox, email(sender="news@news.pl", headers=BULK))
    assert row.state == State.READY


def test_the_pass_is_idempotent_and_skips_outbound_mail(mailbox):
    receive(mailbox, email(sender="a@x.pl"))
    assert catch_up() == 0
    assert EmailTriage.objects.count() == 1


def test_create_lead_prefills_from_the_email(mailbox, bob):
    row = receive(mailbox, email(sender="Ola Kot <ola@kot.pl>", subject="Wycena", body="Ile?"))
    lead = create_lead_from_email(row=row, actor=bob)
    assert (lead.name, lead.email, lead.contact_name, lead.salesperson) == (
        "Wycena",
        "ola@kot.pl",
        "Ola Kot",
        bob,
    )
    assert "Ile?" in lead.description
    row.refresh_from_db()
    assert (row.state, row.lead) == (State.LINKED, lead)


def test_create_contact_takes_the_senders_name_and_address(mailbox, bob):
    row = receive(mailbox, email(sender="Ola Maria Kot <ola@kot.pl>"))
    contact = create_contact_from_email(row=row, actor=bob)
    assert (contact.first_name, contact.last_name) == ("Ola Maria", "Kot")
    assert list(contact.emails.values_list("address", flat=True)) == ["ola@kot.pl"]
    assert row.message.conversation.contact == contact


def test_ignore_and_undo(mailbox, bob):
    row = receive(mailbox, email(sender="x@y.pl"))
    ignore_email(row=row, actor=bob, reason="Spam")
    assert (row.state, row.reason) == (State.IGNORED, "Spam")
    restore_email(row=row, actor=bob)
    assert (row.state, row.reason) == (State.READY, "")


def test_unlink_makes_the_email_ready_again(mailbox, jan, bob):
    row = receive(mailbox, email(sender="jan@acme.pl"))
    unlink_email(row=row, actor=bob)
    assert (row.state, row.contact) == (State.READY, None)


def test_it_refuses_a_record_of_another_team(mailbox, team_b, bob):
    row = receive(mailbox, email(sender="x@y.pl"))
    lead = create_lead(team=team_b, name="Cudzy")
    with pytest.raises(TriageError):
        link_email(row=row, record=lead, actor=bob)
    assert not Lead.objects.filter(team=team_b).exclude(pk=lead.pk).exists()


def test_sent_mail_with_a_lead_code_is_filed_and_other_sent_mail_is_skipped(team_a):
    from parley.mail.ingest import ingest_raw
    from parley.mail.models import MessageSource
    from parley.mail.tests.support import make_folder, make_mailbox

    lead = create_lead(team=team_a, name="Oferta")
    box = make_mailbox(team_a)
    sent = make_folder(box, "Sent")
    from parley.mail.ingest import Location

    for uid, subject in ((1, f"Oferta [L-{lead.pk}]"), (2, "Bez kodu")):
        raw = email(sender="support@parley.test", to="klient@x.pl", subject=subject)
        ingest_raw(
            raw=raw,
            source=MessageSource.SENT,
            mailbox=box,
            location=Location(folder=sent, uidvalidity=1, uid=uid),
        )
    catch_up()
    row = EmailTriage.objects.get()
    assert (row.state, row.lead, row.message.subject) == (
        State.LINKED,
        lead,
        f"Oferta [L-{lead.pk}]",
    )
