from __future__ import annotations

import pytest

from parley.contacts.exceptions import ContactsError, InvalidEmailError, InvalidPhoneError
from parley.contacts.models import Activity, ActivityKind, ChoiceKind, Organization
from parley.contacts.services import create_contact, create_organization
from parley.contacts.services.leads import convert_lead, create_lead, delete_lead, update_lead
from parley.contacts.services.lists import add_choice_option
from parley.contacts.timeline import timeline

pytestmark = pytest.mark.django_db


def test_it_creates_a_lead_with_a_normalized_email_and_phone(team_a, bob):
    lead = create_lead(
        team=team_a,
        name="Oferta na meble biurowe",
        contact_name="Anna Nowak",
        email=" Anna@Example.PL ",
        phone="0048 601 234 567",
        salesperson=bob,
        actor=bob,
    )
    assert (lead.email, lead.phone_e164, lead.status) == (
        "anna@example.pl",
        "+48601234567",
        "new",
    )
    assert lead.code == f"L-{lead.pk}"
    assert Activity.objects.filter(lead=lead, kind=ActivityKind.FIELD_CHANGE).count() == 1


def test_it_rejects_a_lead_without_a_name(team_a):
    with pytest.raises(ContactsError):
        create_lead(team=team_a, name="  ")


def test_it_rejects_a_bad_email_and_phone(team_a):
    with pytest.raises(InvalidEmailError):
        create_lead(team=team_a, name="x", email="not an address")
    with pytest.raises(InvalidPhoneError):
        create_lead(team=team_a, name="x", phone="12")


def test_it_rejects_a_salesperson_from_another_team(team_a, charlie):
    with pytest.raises(ContactsError):
        create_lead(team=team_a, name="x", salesperson=charlie)


def test_the_status_must_be_in_the_team_list(team_a):
    with pytest.raises(ContactsError):
        create_lead(team=team_a, name="x", status="maybe")
    add_choice_option(team=team_a, kind=ChoiceKind.LEAD_STATUS, label="Maybe")
    assert create_lead(team=team_a, name="x", status="maybe").status == "maybe"


def test_an_update_records_what_changed(team_a, bob):
    lead = create_lead(team=team_a, name="Meble")
    update_lead(lead=lead, fields={"status": "working", "name": "Meble"}, actor=bob)
    change = Activity.objects.filter(lead=lead).first()
    assert change is not None
    assert change.actor == bob
    assert change.changes == [{"field": "status", "old": "new", "new": "working"}]


def test_an_update_without_changes_records_nothing(team_a):
    lead = create_lead(team=team_a, name="Meble")
    update_lead(lead=lead, fields={"name": "Meble"})
    assert Activity.objects.filter(lead=lead).count() == 1


def test_converting_creates_contact_and_organization_and_keeps_history(team_a, bob):
    lead = create_lead(
        team=team_a,
        name="Meble",
        contact_name="Anna Maria Nowak",
        email="anna@example.pl",
        phone="601 234 567",
        company="Stolarnia",
        salesperson=bob,
    )
    contact = convert_lead(lead=lead, actor=bob)
    assert (contact.first_name, contact.last_name) == ("Anna Maria", "Nowak")
    assert contact.organization is not None
    assert contact.organization.name == "Stolarnia"
    assert list(contact.managers.all()) == [bob]
    assert [p.e164 for p in contact.phones.all()] == ["+48601234567"]
    lead.refresh_from_db()
    assert lead.converted_to == contact
    entries, _next = timeline(contact)
    assert any(
        entry.activity is not None and entry.activity.lead_id == lead.pk for entry in entries
    )


def test_converting_reuses_the_contact_owning_the_email(team_a):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    anna = create_contact(team=team_a, fields={"first_name": "Anna"}, emails=["anna@acme.pl"])
    lead = create_lead(team=team_a, name="x", email="ANNA@acme.pl", company="acme")
    assert convert_lead(lead=lead) == anna
    anna.refresh_from_db()
    assert anna.organization == acme
    assert Organization.objects.count() == 1


def test_a_lead_is_converted_once(team_a):
    lead = create_lead(team=team_a, name="x", contact_name="Jan")
    convert_lead(lead=lead)
    with pytest.raises(ContactsError):
        convert_lead(lead=lead)


def test_converting_needs_a_person_or_an_address(team_a):
    lead = create_lead(team=team_a, name="x", phone="601234567")
    with pytest.raises(ContactsError):
        convert_lead(lead=lead)
    lead.refresh_from_db()
    assert lead.converted_to is None


def test_deleting_a_lead_removes_its_timeline(team_a):
    lead = create_lead(team=team_a, name="x")
    delete_lead(lead=lead)
    assert not Activity.objects.exists()
