"""The record autocomplete (web:record_lookup) and the bulk "attach" of e-mails it feeds:
only records the user may read are offered, and only of the team asked for."""

from __future__ import annotations

import pytest

from parley.contacts.services import NewPhone, create_contact
from parley.contacts.services.leads import create_lead
from parley.conversations.tests.factories import make_conversation
from parley.triage.models import State
from parley.triage.tests.support import email, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def ewa(team_a):
    return create_contact(
        team=team_a,
        fields={"first_name": "Ewa", "last_name": "Zielińska"},
        phones=[NewPhone("601 234 567")],
    )


def _lookup(client, user, **params):
    client.force_login(user)
    return client.get("/triage/lookup/", params, headers={"HX-Request": "true"})


def _values(response) -> list[str]:
    return [option.value for option in response.context["options"]]


def test_it_offers_contacts_by_name_and_number(client, bob, ewa):
    assert _values(_lookup(client, bob, q="zieli")) == [f"contact:{ewa.pk}"]
    assert _values(_lookup(client, bob, q="601 234 567")) == [f"contact:{ewa.pk}"]
    response = _lookup(client, bob, q="zieli")
    assert f'data-lookup-value="{ewa.pk}"' in response.text


def test_it_hides_another_teams_records_from_an_outsider(client, charlie, ewa):
    assert _values(_lookup(client, charlie, q="zieli")) == []


def test_a_reader_may_look_up(client, dave, ewa):
    assert _values(_lookup(client, dave, q="Ewa")) == [f"contact:{ewa.pk}"]


def test_it_keeps_to_the_team_asked_for(client, alice, team_a, team_b, ewa):
    assert _values(_lookup(client, alice, q="Ewa", team=team_b.pk)) == []
    assert _values(_lookup(client, alice, q="Ewa", team=team_a.pk)) == [f"contact:{ewa.pk}"]


def test_it_offers_several_kinds_with_their_labels(client, bob, team_a, ewa):
    lead = create_lead(team=team_a, name="Ewa's roof", actor=bob)
    response = _lookup(client, bob, q="Ewa", kinds="contact,lead")
    assert _values(response) == [f"contact:{ewa.pk}", f"lead:{lead.pk}"]
    assert f'data-lookup-value="lead:{lead.pk}"' in response.text


def test_it_finds_conversations_by_number_and_subject(client, bob, team_a, team_b):
    mine = make_conversation(team_a, subject="Roof offer")
    other = make_conversation(team_b, subject="Roof offer")
    by_subject = _values(_lookup(client, bob, q="roof", kinds="conversation"))
    assert by_subject == [f"conversation:{mine.pk}"]
    by_number = _values(_lookup(client, bob, q=f"#{mine.number}", kinds="conversation"))
    assert by_number == [f"conversation:{mine.pk}"]
    assert f"conversation:{other.pk}" not in by_subject


def test_an_empty_query_offers_nothing(client, bob, ewa):
    assert _values(_lookup(client, bob, q=" ")) == []


def test_the_lookup_needs_a_sign_in(client):
    assert client.get("/triage/lookup/", {"q": "Ewa"}).status_code == 302


# Bulk attach of e-mails


def test_bulk_attach_files_the_emails_on_the_chosen_contact(client, bob, mailbox, ewa):
    rows = [receive(mailbox, email(sender=f"x{n}@y.pl", subject=f"S{n}")) for n in (1, 2)]
    client.force_login(bob)
    response = client.post(
        "/triage/bulk/",
        {"action": "attach", "ids": [row.pk for row in rows], "record": f"contact:{ewa.pk}"},
    )
    assert [result.ok for result in response.context["results"]] == [True, True]
    for row in rows:
        row.refresh_from_db()
        assert (row.state, row.contact) == (State.LINKED, ewa)


def test_bulk_attach_to_an_outsiders_contact_is_404(client, charlie, bob, mailbox, ewa):
    row = receive(mailbox, email(sender="x@y.pl"))
    client.force_login(charlie)
    response = client.post(
        "/triage/bulk/", {"action": "attach", "ids": [row.pk], "record": f"contact:{ewa.pk}"}
    )
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.state == State.READY


def test_bulk_attach_without_a_record_is_refused(client, bob, mailbox):
    row = receive(mailbox, email(sender="x@y.pl"))
    client.force_login(bob)
    response = client.post("/triage/bulk/", {"action": "attach", "ids": [row.pk]}, follow=True)
    assert "to attach, a record" in response.text
    row.refresh_from_db()
    assert row.state == State.READY


def test_a_contact_option_carries_its_name_and_number_for_forms(client, bob, ewa):
    response = _lookup(client, bob, q="zieli")
    [option] = response.context["options"]
    assert option.fill == {"name": "Ewa Zielińska", "phone": "601 234 567"}
    assert "data-lookup-fill=" in response.text


def test_bulk_attach_files_the_emails_on_an_organization(client, bob, mailbox, team_a):
    from parley.contacts.services import create_organization

    acme = create_organization(team=team_a, fields={"name": "Acme"})
    row = receive(mailbox, email(sender="x@y.pl"))
    client.force_login(bob)
    listing = client.get("/triage/")
    assert "contact,organization,lead" in listing.text
    client.post(
        "/triage/bulk/", {"action": "attach", "ids": [row.pk], "record": f"organization:{acme.pk}"}
    )
    row.refresh_from_db()
    assert (row.state, row.organization) == (State.LINKED, acme)
