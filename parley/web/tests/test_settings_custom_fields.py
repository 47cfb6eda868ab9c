from __future__ import annotations

import pytest

from parley.contacts.models import Contact, CustomField
from parley.contacts.services import create_contact
from parley.contacts.services.custom_fields import create_custom_field

pytestmark = pytest.mark.django_db


def test_an_admin_defines_a_choice_field(client, alice, team_a):
    client.force_login(alice)
    response = client.post(
        "/settings/custom-fields/",
        {
            "target": "contact",
            "label": "Branża",
            "field_type": "choice",
            "options": "meble, medycyna",
            "required": "on",
        },
    )
    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.team, field.key, field.options, field.required) == (
        team_a,
        "branza",
        ["meble", "medycyna"],
        True,
    )
    assert "Branża" in client.get("/settings/custom-fields/").text


def test_a_choice_field_without_options_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(
        "/settings/custom-fields/", {"target": "contact", "label": "X", "field_type": "choice"}
    )
    assert response.status_code == 200
    assert not CustomField.objects.exists()


def test_an_admin_deactivates_a_field(client, alice, team_a):
    field = create_custom_field(team=team_a, target="contact", label="Budżet", field_type="number")
    client.force_login(alice)
    response = client.post(f"/settings/custom-fields/{field.pk}/", {"label": "Budżet roczny"})
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.label, field.is_active) == ("Budżet roczny", False)


def test_an_agent_and_a_reader_are_refused(client, bob, dave):
    for user in (bob, dave):
        client.force_login(user)
        assert client.get("/settings/custom-fields/").status_code == 403


def test_an_outsider_cannot_edit_another_team_field(client, alice, team_b):
    field = create_custom_field(team=team_b, target="contact", label="Budżet", field_type="number")
    client.force_login(alice)
    response = client.post(f"/settings/custom-fields/{field.pk}/", {"label": "x"})
    assert response.status_code == 404
    response = client.post(f"/settings/custom-fields/{field.pk}/?team={team_b.pk}", {"label": "x"})
    assert response.status_code == 404


def test_the_contact_form_saves_and_shows_custom_fields(client, bob, team_a):
    create_custom_field(
        team=team_a, target="contact", label="Branża", field_type="choice", options=["meble"]
    )
    create_custom_field(team=team_a, target="contact", label="Budżet", field_type="number")
    client.force_login(bob)
    response = client.post(
        "/contacts/new/",
        {
            "team": team_a.pk,
            "first_name": "Jan",
            "stage": "lead",
            "phone_kind": "mobile",
            "cf_branza": "meble",
            "cf_budzet": "12.5",
        },
    )
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert contact.custom == {"branza": "meble", "budzet": 12.5}
    page = client.get(f"/contacts/{contact.pk}/").text
    assert "Branża" in page
    assert "12.5" in page


def test_a_missing_required_field_is_shown_in_the_form(client, bob, team_a):
    create_custom_field(
        team=team_a, target="contact", label="Branża", field_type="text", required=True
    )
    client.force_login(bob)
    response = client.post(
        "/contacts/new/",
        {"team": team_a.pk, "first_name": "Jan", "stage": "lead", "phone_kind": "mobile"},
    )
    assert response.status_code == 200
    assert "Branża" in response.text
    assert not Contact.objects.exists()


def test_the_list_filters_by_a_custom_field(client, bob, team_a):
    create_custom_field(
        team=team_a, target="contact", label="Branża", field_type="choice", options=["a", "b"]
    )
    create_contact(team=team_a, fields={"first_name": "Jan"}, custom={"branza": "a"})
    create_contact(team=team_a, fields={"first_name": "Ewa"}, custom={"branza": "b"})
    client.force_login(bob)
    response = client.get("/contacts/", {"cf_branza": "b"})
    assert "Ewa" in response.text
    assert "Jan" not in response.text
