from __future__ import annotations

import pytest

from parley.contacts.models import Contact, Lead
from parley.contacts.services.leads import create_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def meble(team_a, bob):
    return create_lead(
        team=team_a,
        name="Meble biurowe",
        contact_name="Anna Nowak",
        email="anna@example.pl",
        phone="601 234 567",
        company="Stolarnia",
        salesperson=bob,
    )


@pytest.fixture
def foreign(team_b):
    return create_lead(team=team_b, name="Obce zapytanie")


def test_the_list_shows_the_team_leads_only(client, bob, meble, foreign):
    client.force_login(bob)
    response = client.get("/leads/")
    assert response.status_code == 200
    assert "Meble biurowe" in response.text
    assert meble.code in response.text
    assert "Obce zapytanie" not in response.text


def test_the_list_finds_a_number_written_differently(client, bob, meble, team_a):
    create_lead(team=team_a, name="Inne", phone="22 628 12 34")
    client.force_login(bob)
    response = client.get("/leads/", {"q": "+48 601-234-567"})
    assert "Meble biurowe" in response.text
    assert "Inne" not in response.text


def test_the_list_filters_by_status_and_mine(client, alice, meble, team_a):
    create_lead(team=team_a, name="Wygrany", status="won", salesperson=alice)
    client.force_login(alice)
    assert "Meble" not in client.get("/leads/", {"status": "won"}).text
    mine = client.get("/leads/", {"mine": "1"}).text
    assert "Wygrany" in mine
    assert "Meble" not in mine


def test_an_agent_creates_a_lead(client, bob, team_a):
    client.force_login(bob)
    response = client.post(
        "/leads/new/",
        {
            "team": team_a.pk,
            "name": "Szafy",
            "email": "Ewa@Example.pl",
            "phone": "0048 22 628 12 34",
            "status": "new",
            "salesperson": bob.pk,
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert (lead.email, lead.phone_e164, lead.salesperson) == (
        "ewa@example.pl",
        "+48226281234",
        bob,
    )


def test_the_form_shows_a_bad_phone_number(client, bob, team_a):
    client.force_login(bob)
    response = client.post(
        "/leads/new/", {"team": team_a.pk, "name": "Szafy", "phone": "12", "status": "new"}
    )
    assert response.status_code == 200
    assert not Lead.objects.exists()


def test_a_reader_cannot_create_or_edit(client, dave, meble):
    client.force_login(dave)
    assert client.get("/leads/new/").status_code == 403
    assert client.post(f"/leads/{meble.pk}/edit/", {"name": "x"}).status_code == 403
    assert client.post(f"/leads/{meble.pk}/convert/").status_code == 403


def test_an_outsider_gets_404(client, charlie, meble):
    client.force_login(charlie)
    assert client.get(f"/leads/{meble.pk}/").status_code == 404
    assert client.post(f"/leads/{meble.pk}/convert/").status_code == 404
    assert client.get(f"/crm/lead/{meble.pk}/timeline/").status_code == 404


def test_editing_records_the_change_on_the_timeline(client, bob, meble, team_a):
    client.force_login(bob)
    response = client.post(
        f"/leads/{meble.pk}/edit/",
        {
            "team": team_a.pk,
            "name": "Meble biurowe",
            "status": "working",
            "email": "anna@example.pl",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/leads/{meble.pk}/").text
    assert "working" in page


def test_converting_opens_the_new_contact(client, bob, meble):
    client.force_login(bob)
    response = client.post(f"/leads/{meble.pk}/convert/")
    contact = Contact.objects.get()
    assert response["Location"] == f"/contacts/{contact.pk}/"
    page = client.get(response["Location"]).text
    assert meble.code in page


def test_only_admins_and_managers_delete(client, bob, alice, meble):
    client.force_login(bob)
    assert client.post(f"/leads/{meble.pk}/delete/").status_code == 403
    client.force_login(alice)
    assert client.post(f"/leads/{meble.pk}/delete/").status_code == 302
    assert not Lead.objects.exists()


def test_the_lead_list_pages_by_cursor_and_exports(client, bob, team_a, foreign):
    import csv
    import io

    for n in range(55):
        create_lead(team=team_a, name=f"Zapytanie {n:02d}")
    client.force_login(bob)
    first = client.get("/leads/")
    assert "Zapytanie 54" in first.text
    assert "Zapytanie 00" not in first.text
    link = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get("/leads/" + link.replace("&amp;", "&"))
    assert "Zapytanie 00" in second.text
    response = client.get("/leads/export.csv", {"q": "Zapytanie 1"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Code", "Enquiry"]
    assert sorted(row[1] for row in rows[1:]) == [f"Zapytanie {n}" for n in range(10, 20)]
    assert "Obce" not in response.content.decode("utf-8-sig")
