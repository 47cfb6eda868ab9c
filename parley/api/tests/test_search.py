from __future__ import annotations

import pytest

from parley.accounts.services import create_api_token
from parley.search.tests.factories import index, make_contact, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(team_a):
    make_message(team=team_a, subject="Faktura z Łodzi", text="Proszę o fakturę.")
    make_contact(team=team_a, first_name="Łucja", last_name="Faktor", phones=["601 234 567"])
    index()


def get(client, user, **params):
    _token, plain = create_api_token(user=user, name="test")
    return client.get("/api/v1/search", params, headers={"Authorization": f"Bearer {plain}"})


def test_it_needs_a_token(client):
    assert client.get("/api/v1/search", {"q": "x"}).status_code == 401


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_members_get_grouped_hits(client, request, persona):
    response = get(client, request.getfixturevalue(persona), q="fakt")
    assert response.status_code == 200
    body = response.json()
    assert [g["kind"] for g in body["groups"]] == ["conversations", "contacts"]
    (conversation,) = body["groups"][0]["hits"]
    assert conversation["title"] == "Faktura z Łodzi"
    assert conversation["number"] is not None
    snippet = conversation["snippet"]
    start, end = snippet["highlights"][0]
    assert snippet["text"][start:end] == "fakturę"


@pytest.mark.usefixtures("data")
def test_an_outsider_gets_no_hits_and_no_counts(client, charlie):
    body = get(client, charlie, q="fakt").json()
    assert body["groups"] == []


@pytest.mark.usefixtures("data")
def test_kind_and_phone_search(client, bob):
    body = get(client, bob, q="+48601234567", kind="contacts").json()
    assert [h["title"] for h in body["groups"][0]["hits"]] == ["Łucja Faktor"]


def test_an_empty_query_is_rejected(client, bob):
    assert get(client, bob, q=" ").status_code == 422


def test_a_bad_limit_is_rejected(client, bob):
    assert get(client, bob, q="x", limit=1000).status_code == 422


def test_leads_and_notes_are_hits_too(client, bob, charlie, team_a):
    from parley.contacts.services.leads import create_lead
    from parley.conversations.services.records import add_note

    lead = create_lead(team=team_a, name="Rekuperacja domu", phone="601 234 567")
    conversation = make_message(team=team_a, subject="Serwis").conversation
    note = add_note(actor=bob, conversation=conversation, body="rekuperator do wymiany")
    index()
    body = get(client, bob, q="rekuper").json()
    groups = {g["kind"]: g for g in body["groups"]}
    assert [h["id"] for h in groups["leads"]["hits"]] == [lead.pk]
    (hit,) = groups["conversations"]["hits"]
    assert (hit["id"], hit["note_id"], hit["message_id"]) == (conversation.pk, note.pk, None)
    assert get(client, bob, q="rekuper", kind="leads").json()["groups"][0]["kind"] == "leads"
    assert get(client, charlie, q="rekuper").json()["groups"] == []
