"""The index after the writes that move, hide or rewrite indexed records: merge, split,
delete, GDPR erasure, and `parley reindex`. Every change goes through its service."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from parley.accounts.models import Role
from parley.accounts.services import set_membership
from parley.contacts.services.gdpr import erase_contact
from parley.contacts.services.leads import create_lead, delete_lead
from parley.conversations.services.records import add_note, merge_conversations, split_message
from parley.conversations.services.workflow import delete_conversations
from parley.mail.models import Message
from parley.search.backends import index_backend
from parley.search.indexer import LEAD, MESSAGE, NOTE, sweep
from parley.search.query import parse
from parley.search.services import search
from parley.search.tests.factories import index, make_contact, make_message

pytestmark = pytest.mark.django_db


def conversations(user, q):
    for group in search(user=user, q=q).groups:
        if group.kind == "conversations":
            return [hit.object.pk for hit in group.hits]
    return []


def indexed(kind, model, q):
    """Records whose index row matches `q`, whatever their state (the raw index)."""
    terms = parse(q).terms
    return index_backend().newest(model.objects.all(), base=kind.base, terms=terms, limit=100)


def test_merged_messages_and_notes_are_found_in_the_target(bob, team_a):
    source = make_message(team=team_a, subject="Źródło", text="hydraulik").conversation
    target = make_message(team=team_a, subject="Cel").conversation
    add_note(actor=bob, conversation=source, body="Notatka o kotle gazowym")
    index()
    merge_conversations(actor=bob, source=source, target=target)
    assert conversations(bob, "hydraulik") == [target.pk]
    assert conversations(bob, "kotle gazowym") == [target.pk]


def test_a_split_message_is_found_in_its_new_conversation(bob, team_a):
    first = make_message(team=team_a, subject="Wątek", text="pierwsza")
    second = make_message(team=team_a, text="odłączona", conversation=first.conversation)
    index()
    new = split_message(actor=bob, message=second)
    assert conversations(bob, "odlaczona") == [new.pk]
    assert conversations(bob, "pierwsza") == [first.conversation_id]


def test_a_deleted_conversation_hides_its_messages_and_notes(bob, team_a):
    set_membership(user=bob, team=team_a, role=Role.AGENT, can_delete=True)
    conversation = make_message(team=team_a, subject="Do kosza").conversation
    add_note(actor=bob, conversation=conversation, body="kosz notatka")
    index()
    assert conversations(bob, "kosz") == [conversation.pk]
    delete_conversations(actor=bob, conversations=[conversation])
    assert search(user=bob, q="kosz").groups == []


def test_a_deleted_lead_is_never_a_hit_and_the_sweep_drops_its_row(bob, team_a):
    lead = create_lead(team=team_a, name="Pompa ciepła dla szkoły")
    index()
    assert [g.kind for g in search(user=bob, q="pompa").groups] == ["leads"]
    delete_lead(lead=lead)
    assert search(user=bob, q="pompa").groups == []
    sweep(LEAD)
    assert index_backend().digests(LEAD.base, LEAD.top) == {}


def test_gdpr_erasure_takes_the_person_out_of_the_index_at_once(bob, team_a):
    contact = make_contact(
        team=team_a, first_name="Halina", last_name="Wróblewska", emails=["halina@wp.pl"]
    )
    message = make_message(
        team=team_a,
        subject="Skarga od Haliny Wróblewskiej",
        text="Mój PESEL 80010112345, Halina Wróblewska",
        from_name="Halina Wróblewska",
        from_address="halina@wp.pl",
        attachments=["skan-dowodu-wroblewska.pdf"],
    )
    create_lead(team=team_a, name="Oferta", contact_name="Halina Wróblewska", email="halina@wp.pl")
    index()
    assert indexed(MESSAGE, Message, "wroblewska") == [message.pk]
    lead = contact.team.leads.get()
    lead.converted_to = contact
    lead.save(update_fields=["converted_to"])

    erase_contact(contact=contact, actor=bob)

    # No pass of the indexer ran: the erasure itself rewrote the rows.
    for word in ("wroblewska", "halina", "80010112345", "dowodu"):
        assert indexed(MESSAGE, Message, word) == []
        assert search(user=bob, q=word).groups == []
    # Nor is the name left in SQLite's list of words for prefix queries.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT term FROM search_term WHERE term LIKE 'wrobl%'")
            assert cursor.fetchall() == []


def test_reindex_rebuilds_notes_and_leads_too(bob, team_a, capsys):
    conversation = make_message(team=team_a, subject="Rozmowa").conversation
    add_note(actor=bob, conversation=conversation, body="przebudowa indeksu")
    create_lead(team=team_a, name="Przebudowa dachu", phone="601 234 567")
    index()
    index_backend().clear(NOTE.base, NOTE.top)
    index_backend().clear(LEAD.base, LEAD.top)
    assert search(user=bob, q="przebudowa").groups == []
    call_command("reindex")
    assert "Indexed" in capsys.readouterr().out
    assert [g.kind for g in search(user=bob, q="przebudowa").groups] == [
        "conversations",
        "leads",
    ]
    assert [g.kind for g in search(user=bob, q="+48601234567").groups] == ["leads"]


def _hits(user, q, kind):
    for group in search(user=user, q=q).groups:
        if group.kind == kind:
            return [hit.object.pk for hit in group.hits]
    return []


def _indexed_long_ago(*records):
    """Index, then make `records` look written 10 minutes ago, long before the indexer's
    last pass: a change that does not mark them changed is not read again until the sweep."""
    from datetime import timedelta

    from django.utils import timezone

    from parley.search.models import IndexState

    index()
    for record in records:
        type(record).objects.filter(pk=record.pk).update(
            updated_at=timezone.now() - timedelta(minutes=10)
        )
    IndexState.objects.update(last_updated_at=timezone.now())


def test_tag_and_domain_changes_are_found_at_the_next_pass_not_the_sweep(bob, team_a):
    """Tags and domains are rows of their own; their services mark the record changed, so
    the indexer's next pass (not the 15-minute sweep) takes them in."""
    from parley.contacts import services as contacts
    from parley.contacts.services.tags import delete_tag, rename_tag
    from parley.search.tests.factories import make_organization

    contact = make_contact(team=team_a, first_name="Ewa", last_name="Zielińska")
    firma = make_organization(team=team_a, name="Firma Kowalski")
    _indexed_long_ago(contact, firma)
    tag = contacts.tag_contact(contact=contact, name="hurtownik")
    contacts.add_organization_domain(organization=firma, domain="kowalski-hurt.pl")
    contacts.set_organization_tags(organization=firma, names=["hurtownik"])
    index()
    assert _hits(bob, "hurtownik", "contacts") == [contact.pk]
    assert _hits(bob, "hurtownik", "organizations") == [firma.pk]
    assert _hits(bob, "kowalski-hurt.pl", "organizations") == [firma.pk]

    _indexed_long_ago(contact, firma)
    rename_tag(tag=tag, name="detalista")
    (domain,) = firma.domains.all()
    contacts.remove_organization_domain(domain=domain)
    index()
    assert _hits(bob, "hurtownik", "contacts") == []
    assert _hits(bob, "detalista", "organizations") == [firma.pk]
    assert _hits(bob, "kowalski-hurt.pl", "organizations") == []

    _indexed_long_ago(contact, firma)
    delete_tag(tag=tag)
    index()
    assert _hits(bob, "detalista", "contacts") == []
    assert _hits(bob, "detalista", "organizations") == []
