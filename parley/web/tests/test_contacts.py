from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parley.contacts.models import Contact, ContactEmail
from parley.contacts.services import (
    NewPhone,
    create_contact,
    create_organization,
    set_contact_managers,
    tag_contact,
)
from parley.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan(team_a):
    return create_contact(
        team=team_a,
        fields={"first_name": "Jan", "last_name": "Kowalski"},
        emails=["jan@example.pl"],
        phones=[NewPhone("601 234 567")],
    )


@pytest.fixture
def other_contact(team_b):
    return create_contact(team=team_b, fields={"first_name": "Obcy"}, emails=["obcy@b.pl"])


# List


def test_the_list_shows_the_team_contacts_only(client, bob, jan, other_contact):
    response = signed_in(client, bob).get("/contacts/")
    assert response.status_code == 200
    assert "Jan Kowalski" in response.text
    assert "Obcy" not in response.text


def test_the_list_needs_a_sign_in(client):
    response = client.get("/contacts/")
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_a_reader_sees_the_list_without_the_new_button(client, dave, jan):
    response = signed_in(client, dave).get("/contacts/")
    assert "Jan Kowalski" in response.text
    assert "/contacts/new/" not in response.text


def test_the_list_finds_a_number_written_differently(client, bob, team_a, jan):
    # A long name: the page's random CSRF token once contained "Ewa".
    create_contact(
        team=team_a,
        fields={"first_name": "Ewa", "last_name": "Zawadzka-Nowicka"},
        phones=[NewPhone("22 628 12 34")],
    )
    response = signed_in(client, bob).get("/contacts/", {"q": "0048 601-234-567"})
    assert "Jan Kowalski" in response.text
    assert "Zawadzka-Nowicka" not in response.text


def test_the_list_finds_by_e_mail_and_full_name(client, bob, team_a, jan):
    create_contact(team=team_a, fields={"first_name": "Ewa", "last_name": "Nowak"})
    assert "Jan Kowalski" in signed_in(client, bob).get("/contacts/", {"q": "JAN@example"}).text
    response = client.get("/contacts/", {"q": "jan kowal"})
    assert "Jan Kowalski" in response.text
    assert "Ewa" not in response.text


def test_the_list_filters_by_tag_organization_and_mine(client, bob, team_a, jan):
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa", "last_name": "Nowak"})
    tag = tag_contact(contact=ewa, name="VIP")
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    create_contact(team=team_a, fields={"first_name": "Olga"}, organization=acme)
    set_contact_managers(contact=jan, users=[bob])
    client.force_login(bob)

    assert "Ewa" in client.get("/contacts/", {"tag": tag.pk}).text
    assert "Jan Kowalski" not in client.get("/contacts/", {"tag": tag.pk}).text
    by_org = client.get("/contacts/", {"organization": acme.pk}).text
    assert "Olga" in by_org
    assert "Ewa" not in by_org
    mine = client.get("/contacts/", {"mine": "1"}).text
    assert "Jan Kowalski" in mine
    assert "Ewa" not in mine


def test_the_list_answers_htmx_with_the_results_fragment(client, bob, jan):
    response = signed_in(client, bob).get(
        "/contacts/", {"q": "jan"}, headers={"HX-Request": "true"}
    )
    assert response.text.lstrip().startswith('<div id="results">')
    assert "Jan Kowalski" in response.text


def test_the_list_query_count_does_not_grow_with_contacts(client, bob, team_a, jan):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get("/contacts/")
        return len(captured)

    client.force_login(bob)
    with_one = queries()
    for n in range(20):
        contact = create_contact(
            team=team_a, fields={"first_name": f"P{n}"}, emails=[f"p{n}@example.pl"]
        )
        tag_contact(contact=contact, name=f"t{n % 3}")
        set_contact_managers(contact=contact, users=[bob])
    assert queries() == with_one
    assert client.get("/contacts/").text.count("mailto:") == 21


# Detail


def test_a_teammate_sees_the_contact_with_tel_links(client, bob, jan):
    response = signed_in(client, bob).get(f"/contacts/{jan.pk}/")
    assert response.status_code == 200
    assert 'href="tel:+48601234567"' in response.text
    assert "jan@example.pl" in response.text


def test_a_reader_sees_the_contact_without_write_actions(client, dave, jan):
    response = signed_in(client, dave).get(f"/contacts/{jan.pk}/")
    assert response.status_code == 200
    assert f"/contacts/{jan.pk}/edit/" not in response.text
    assert "Add phone number" not in response.text


def test_an_outsider_gets_404_for_the_contact(client, charlie, jan):
    assert signed_in(client, charlie).get(f"/contacts/{jan.pk}/").status_code == 404


# Create and edit


def test_an_agent_creates_a_contact(client, bob, team_a):
    response = signed_in(client, bob).post(
        "/contacts/new/",
        {
            "team": team_a.pk,
            "first_name": "Łucja",
            "last_name": "Żak",
            "stage": "prospect",
            "email": "Lucja@Example.pl",
            "phone": "+48 22 628 12 34",
            "phone_kind": "work",
            "tags": "VIP, prasa",
            "managers": [bob.pk],
        },
    )
    contact = Contact.objects.get(last_name="Żak")
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert contact.emails.get().address == "lucja@example.pl"
    assert contact.phones.get().e164 == "+48226281234"
    assert sorted(contact.tags.values_list("name", flat=True)) == ["VIP", "prasa"]
    assert list(contact.managers.all()) == [bob]


def test_the_create_form_shows_an_invalid_number(client, bob, team_a):
    response = signed_in(client, bob).post(
        "/contacts/new/",
        {
            "team": team_a.pk,
            "first_name": "Ewa",
            "stage": "lead",
            "phone": "123",
            "phone_kind": "mobile",
        },
    )
    assert response.status_code == 200
    assert "is not a valid phone number" in response.text
    assert not Contact.objects.exists()


def test_the_create_form_shows_an_address_used_by_another_contact(client, bob, team_a, jan):
    response = signed_in(client, bob).post(
        "/contacts/new/",
        {
            "team": team_a.pk,
            "first_name": "Ewa",
            "stage": "lead",
            "email": "jan@example.pl",
            "phone_kind": "mobile",
        },
    )
    assert "already belongs to another contact" in response.text
    assert Contact.objects.count() == 1


def test_a_reader_may_not_create_contacts(client, dave):
    assert signed_in(client, dave).get("/contacts/new/").status_code == 403


def test_an_agent_cannot_create_in_another_team(client, bob, team_b):
    signed_in(client, bob).post(
        "/contacts/new/",
        {"team": team_b.pk, "first_name": "X", "stage": "lead", "phone_kind": "mobile"},
    )
    assert not Contact.objects.filter(team=team_b).exists()


def test_an_agent_edits_a_contact(client, bob, team_a, jan):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    client.force_login(bob)
    form = client.get(f"/contacts/{jan.pk}/edit/")
    assert 'value="Kowalski"' in form.text
    response = client.post(
        f"/contacts/{jan.pk}/edit/",
        {
            "team": team_a.pk,
            "first_name": "Jan",
            "last_name": "Nowak",
            "stage": "customer",
            "organization": acme.pk,
        },
    )
    assert response.status_code == 302
    jan.refresh_from_db()
    assert (jan.last_name, jan.stage, jan.organization) == ("Nowak", "customer", acme)


def test_a_reader_may_not_edit(client, dave, jan):
    assert signed_in(client, dave).get(f"/contacts/{jan.pk}/edit/").status_code == 403


def test_an_outsider_gets_404_when_editing(client, charlie, jan):
    assert signed_in(client, charlie).post(f"/contacts/{jan.pk}/edit/", {}).status_code == 404


# Delete


def test_an_admin_deletes_a_contact(client, alice, jan):
    response = signed_in(client, alice).post(f"/contacts/{jan.pk}/delete/")
    assert response.status_code == 302
    assert not Contact.objects.exists()


def test_an_agent_may_not_delete(client, bob, jan):
    assert signed_in(client, bob).post(f"/contacts/{jan.pk}/delete/").status_code == 403
    assert Contact.objects.exists()


def test_an_outsider_gets_404_when_deleting(client, charlie, jan):
    assert signed_in(client, charlie).post(f"/contacts/{jan.pk}/delete/").status_code == 404


# E-mail addresses and phone numbers


def test_an_agent_adds_an_address_with_htmx(client, bob, jan):
    response = signed_in(client, bob).post(
        f"/contacts/{jan.pk}/emails/",
        {"address": "Jan.K@Example.pl"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="channels"')
    assert "jan.k@example.pl" in response.text


def test_adding_a_used_address_shows_the_error(client, bob, team_a, jan):
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"})
    response = signed_in(client, bob).post(
        f"/contacts/{ewa.pk}/emails/", {"address": "jan@example.pl"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "already belongs to another contact" in response.text


def test_an_agent_adds_and_removes_a_number(client, bob, jan):
    client.force_login(bob)
    response = client.post(
        f"/contacts/{jan.pk}/phones/", {"number": "22 628 12 34", "kind": "work"}
    )
    assert response.status_code == 302
    phone = jan.phones.get(e164="+48226281234")
    client.post(f"/contacts/{jan.pk}/phones/{phone.pk}/remove/")
    assert not jan.phones.filter(pk=phone.pk).exists()


def test_an_invalid_number_is_shown_on_the_page(client, bob, jan):
    response = signed_in(client, bob).post(
        f"/contacts/{jan.pk}/phones/", {"number": "12", "kind": "work"}
    )
    assert response.status_code == 422
    assert "is not a valid phone number" in response.text


def test_an_agent_changes_the_primary_address_and_removes_one(client, bob, jan):
    client.force_login(bob)
    client.post(f"/contacts/{jan.pk}/emails/", {"address": "second@example.pl"})
    second = ContactEmail.objects.get(address="second@example.pl")
    client.post(f"/contacts/{jan.pk}/emails/{second.pk}/primary/")
    assert jan.emails.get(is_primary=True) == second
    client.post(f"/contacts/{jan.pk}/emails/{second.pk}/remove/")
    assert jan.emails.get().is_primary


def test_a_reader_may_not_change_addresses(client, dave, jan):
    email = jan.emails.get()
    client.force_login(dave)
    assert (
        client.post(f"/contacts/{jan.pk}/emails/", {"address": "x@example.pl"}).status_code == 403
    )
    assert client.post(f"/contacts/{jan.pk}/emails/{email.pk}/remove/").status_code == 403
    assert client.post(f"/contacts/{jan.pk}/phones/", {"number": "601 111 222"}).status_code == 403


def test_an_outsider_gets_404_for_addresses(client, charlie, jan):
    email = jan.emails.get()
    phone = jan.phones.get()
    client.force_login(charlie)
    assert client.post(f"/contacts/{jan.pk}/emails/{email.pk}/primary/").status_code == 404
    assert client.post(f"/contacts/{jan.pk}/phones/{phone.pk}/remove/").status_code == 404


def test_an_address_of_another_contact_is_404(client, bob, team_a, jan):
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"}, emails=["ewa@example.pl"])
    email = ewa.emails.get()
    response = signed_in(client, bob).post(f"/contacts/{jan.pk}/emails/{email.pk}/remove/")
    assert response.status_code == 404
