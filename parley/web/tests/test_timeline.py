from __future__ import annotations

import pytest
from django.utils import translation

from parley.accounts.services import set_language
from parley.contacts.models import Activity
from parley.contacts.services import create_contact, create_organization
from parley.contacts.services.timeline import log_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan(team_a):
    return create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@example.pl"])


def test_a_teammate_logs_a_call(client, bob, jan):
    client.force_login(bob)
    response = client.post(
        f"/crm/contact/{jan.pk}/events/",
        {"kind": "call", "text": "Rozmowa o ofercie"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Rozmowa o ofercie" in response.text
    assert Activity.objects.filter(contact=jan, kind="call", actor=bob).exists()


def test_an_empty_event_is_shown_as_an_error(client, bob, jan):
    client.force_login(bob)
    response = client.post(f"/crm/contact/{jan.pk}/events/", {"kind": "call", "text": ""})
    assert response.status_code == 422
    assert not Activity.objects.filter(kind="call").exists()


def test_a_reader_sees_but_cannot_log(client, dave, bob, jan):
    log_event(record=jan, kind="sms", text="Wysłano SMS", actor=bob)
    client.force_login(dave)
    page = client.get(f"/contacts/{jan.pk}/").text
    assert "Wysłano SMS" in page
    assert "Log an event" not in page
    response = client.post(f"/crm/contact/{jan.pk}/events/", {"kind": "sms", "text": "x"})
    assert response.status_code == 403


def test_an_outsider_gets_404(client, charlie, jan):
    client.force_login(charlie)
    assert client.get(f"/crm/contact/{jan.pk}/timeline/").status_code == 404
    response = client.post(f"/crm/contact/{jan.pk}/events/", {"kind": "sms", "text": "x"})
    assert response.status_code == 404


def test_an_unknown_record_type_is_404(client, bob, jan):
    client.force_login(bob)
    assert client.get(f"/crm/user/{jan.pk}/timeline/").status_code == 404


def test_the_kind_filter_narrows_the_timeline(client, bob, jan):
    log_event(record=jan, kind="sms", text="Wysłano SMS", actor=bob)
    log_event(record=jan, kind="fax", text="Faks wysłany", actor=bob)
    client.force_login(bob)
    response = client.get(f"/crm/contact/{jan.pk}/timeline/", {"kind": "fax"})
    assert "Faks wysłany" in response.text
    assert "Wysłano SMS" not in response.text


def test_the_organization_page_shows_its_timeline(client, bob, team_a):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    log_event(record=acme, kind="meeting", text="Spotkanie w Gdańsku", actor=bob)
    client.force_login(bob)
    assert "Spotkanie w Gdańsku" in client.get(f"/organizations/{acme.pk}/").text


def test_the_created_entry_is_shown_in_the_readers_language(client, bob, dave, team_a):
    set_language(user=bob, language="pl")
    with translation.override("pl"):
        jan = create_contact(team=team_a, fields={"first_name": "Jan"}, actor=bob)
    created = Activity.objects.get(contact=jan)
    assert created.text == "created"  # a key, not the writer's language

    client.force_login(dave)
    english = client.get(f"/contacts/{jan.pk}/").text
    client.force_login(bob)
    polish = client.get(f"/contacts/{jan.pk}/").text

    assert "<p>Created</p>" in english
    assert "<p>Utworzono</p>" in polish


def test_an_older_created_entry_in_polish_is_shown_in_english(client, dave, jan):
    Activity.objects.filter(contact=jan).update(text="Utworzono")
    client.force_login(dave)

    page = client.get(f"/contacts/{jan.pk}/").text

    assert "<p>Created</p>" in page
    assert "Utworzono" not in page
