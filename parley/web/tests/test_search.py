from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from conftest import PASSWORD
from parley.search.tests.factories import index, make_contact, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(team_a):
    make_message(team=team_a, subject="Reklamacja z Łodzi", text="Paczka z Łodzi nie dotarła.")
    make_contact(team=team_a, first_name="Łucja", last_name="Łódzka", emails=["lucja@lodz.pl"])
    index()


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def test_it_redirects_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("web:search"), {"q": "lodz"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert client.get(reverse("web:search_instant"), {"q": "lodz"}).status_code == 302


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_team_members_see_grouped_highlighted_results(client, request, persona):
    login(client, request.getfixturevalue(persona))
    response = client.get(reverse("web:search"), {"q": "lodz"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Conversations" in html
    assert "Contacts" in html
    assert "<mark>Łodzi</mark>" in html
    assert "Reklamacja z <mark>Łodzi</mark>" in html


@pytest.mark.usefixtures("data")
def test_an_outsider_sees_nothing_and_no_count(client, charlie):
    login(client, charlie)
    html = client.get(reverse("web:search"), {"q": "lodz"}).content.decode()
    assert "Nothing matches." in html
    assert "Reklamacja" not in html
    assert "Łucja" not in html


@pytest.mark.usefixtures("data")
def test_htmx_requests_get_only_the_results(client, bob):
    login(client, bob)
    response = client.get(reverse("web:search"), {"q": "lodz"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html


@pytest.mark.usefixtures("data")
def test_a_kind_shows_only_that_group(client, bob):
    login(client, bob)
    response = client.get(reverse("web:search"), {"q": "lodz", "kind": "contacts"})
    html = response.content.decode()
    assert "Łucja" in html
    assert "Reklamacja" not in html


@pytest.mark.usefixtures("data")
def test_instant_results_list_a_few_hits_per_kind(client, bob):
    login(client, bob)
    response = client.get(reverse("web:search_instant"), {"q": "lod"})
    html = response.content.decode()
    assert 'role="option"' in html
    assert "Reklamacja" in html
    assert "All results" in html
    assert "<html" not in html


def test_instant_results_rank_fewer_matches_than_the_page(client, bob, team_a, monkeypatch):
    """The instant list ranks each group's newest INSTANT_WINDOW matches; "All results"
    ranks the full window, where an older, better match still comes first."""
    from parley.web.views import search

    monkeypatch.setattr(search, "INSTANT_WINDOW", 2)
    make_message(team=team_a, subject="Ogrzewanie podłogowe", text="ogrzewanie")
    for _ in range(3):
        make_message(team=team_a, subject="Inne", text="ogrzewanie przy okazji")
    index()
    login(client, bob)

    instant = client.get(reverse("web:search_instant"), {"q": "ogrzewanie"}).text
    page = client.get(reverse("web:search"), {"q": "ogrzewanie"}).text

    assert "podłogowe" not in instant
    assert "Inne" in instant
    assert "podłogowe" in page


def test_instant_results_wait_for_two_characters(client, bob):
    login(client, bob)
    response = client.get(reverse("web:search_instant"), {"q": "l"})
    assert response.content.decode().strip() == ""


def test_the_page_states_the_index_lag(client, bob, team_a):
    cache.clear()
    make_message(team=team_a, subject="Jeszcze nie w indeksie")
    login(client, bob)
    html = client.get(reverse("web:search"), {"q": "jeszcze"}).content.decode()
    assert "Index lag: 1 recent record is not searchable yet." in html


def test_the_header_box_asks_for_instant_results(client, bob):
    login(client, bob)
    html = client.get(reverse("web:search")).content.decode()
    assert f'hx-get="{reverse("web:search_instant")}"' in html
    assert "Type words to search" in html


def test_a_bad_date_is_explained(client, bob):
    login(client, bob)
    html = client.get(reverse("web:search"), {"q": "before:wczoraj"}).content.decode()
    assert "is not a date" in html


def test_the_page_filters_narrow_the_results_like_typed_operators(client, bob, team_a):
    from parley.conversations.services import create_conversation
    from parley.search.tests.factories import make_message as message

    closed = create_conversation(team=team_a, subject="Zamknięta umowa")
    message(team=team_a, subject="Zamknięta umowa", conversation=closed)
    message(team=team_a, subject="Otwarta umowa", attachments=["umowa.pdf"])
    closed.status = "closed"
    closed.save(update_fields=["status"])
    index()
    login(client, bob)
    url = reverse("web:search")
    html = client.get(url, {"q": "umowa", "status": "closed"}).content.decode()
    assert "Zamknięta" in html
    assert "Otwarta" not in html
    html = client.get(url, {"q": "umowa", "attachment": "1"}).content.decode()
    assert "Otwarta" in html
    assert "Zamknięta" not in html
    # Filters alone search too.
    html = client.get(url, {"attachment": "1"}).content.decode()
    assert "Otwarta" in html
    assert 'name="attachment" value="1" checked' in html


def test_a_contact_hit_offers_a_new_conversation(client, bob, team_a):
    make_contact(team=team_a, first_name="Oskar", last_name="Nowy", emails=["oskar@nowy.pl"])
    index()
    login(client, bob)
    html = client.get(reverse("web:search"), {"q": "oskar"}).content.decode()
    assert f'action="{reverse("web:compose_new")}"' in html
    assert 'name="to" value="oskar@nowy.pl"' in html
    assert "New conversation" in html


def test_lead_and_note_hits_link_to_their_pages(client, bob, team_a):
    from parley.contacts.services.leads import create_lead
    from parley.conversations.services.records import add_note

    lead = create_lead(team=team_a, name="Klimatyzacja biura")
    conversation = make_message(team=team_a, subject="Serwis").conversation
    add_note(actor=bob, conversation=conversation, body="klimatyzacja do przeglądu")
    index()
    login(client, bob)
    html = client.get(reverse("web:search"), {"q": "klimatyzacja"}).content.decode()
    assert reverse("web:lead", args=[lead.pk]) in html
    assert reverse("web:conversation", args=[conversation.pk]) in html
    assert "Note by" in html
    assert "Leads" in html
