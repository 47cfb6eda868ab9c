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
