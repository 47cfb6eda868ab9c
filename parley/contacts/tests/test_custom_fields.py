from __future__ import annotations

import datetime as dt

import pytest

from parley.contacts.custom_fields import filter_custom
from parley.contacts.exceptions import ContactsError, DuplicateError
from parley.contacts.models import Activity, Contact, CustomField
from parley.contacts.services import (
    create_contact,
    create_organization,
    set_custom_values,
    update_contact_profile,
)
from parley.contacts.services.custom_fields import create_custom_field, update_custom_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(team_a):
    return [
        create_custom_field(team=team_a, target="contact", label="NIP osoby", field_type="text"),
        create_custom_field(team=team_a, target="contact", label="Budżet", field_type="number"),
        create_custom_field(team=team_a, target="contact", label="Urodziny", field_type="date"),
        create_custom_field(
            team=team_a,
            target="contact",
            label="Branża",
            field_type="choice",
            options=["meble", "medycyna"],
        ),
        create_custom_field(
            team=team_a,
            target="contact",
            label="Zainteresowania",
            field_type="multi_choice",
            options=["biuro", "dom", "ogród"],
        ),
    ]


def test_values_are_converted_to_their_types(team_a, fields):
    contact = create_contact(
        team=team_a,
        fields={"first_name": "Jan"},
        custom={
            "nip_osoby": " 123 ",
            "budzet": "1 500,50",
            "urodziny": dt.date(1980, 5, 17),
            "branza": "meble",
            "zainteresowania": "ogród, biuro",
        },
    )
    contact.refresh_from_db()
    assert contact.custom == {
        "nip_osoby": "123",
        "budzet": 1500.5,
        "urodziny": "1980-05-17",
        "branza": "meble",
        "zainteresowania": ["biuro", "ogród"],
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("budzet", "dużo"),
        ("budzet", True),
        ("urodziny", "17.05.1980"),
        ("branza", "rolnictwo"),
        ("zainteresowania", ["dom", "kosmos"]),
        ("nieznane", "x"),
    ],
)
def test_it_rejects_a_bad_value(team_a, fields, key, value):
    with pytest.raises(ContactsError):
        create_contact(team=team_a, fields={"first_name": "Jan"}, custom={key: value})
    assert not Contact.objects.exists()


def test_a_required_field_must_be_filled(team_a, fields):
    update_custom_field(field=fields[3], required=True)
    with pytest.raises(ContactsError, match="Branża"):
        create_contact(team=team_a, fields={"first_name": "Jan"})
    contact = create_contact(team=team_a, fields={"first_name": "Jan"}, custom={"branza": "meble"})
    with pytest.raises(ContactsError):
        set_custom_values(record=contact, values={"branza": ""})


def test_fields_of_another_team_are_unknown(team_b, fields):
    with pytest.raises(ContactsError):
        create_contact(team=team_b, fields={"first_name": "Jan"}, custom={"budzet": 5})


def test_an_update_changes_only_the_keys_sent_and_is_audited(team_a, fields, bob):
    contact = create_contact(
        team=team_a, fields={"first_name": "Jan"}, custom={"budzet": 10, "branza": "meble"}
    )
    update_contact_profile(contact=contact, fields={}, custom={"budzet": "20"}, actor=bob)
    contact.refresh_from_db()
    assert contact.custom == {"budzet": 20, "branza": "meble"}
    change = Activity.objects.filter(contact=contact, actor=bob).get()
    assert change.changes == [{"field": "custom.budzet", "old": "10", "new": "20"}]


def test_an_organization_takes_only_organization_fields(team_a, fields):
    with pytest.raises(ContactsError):
        create_organization(team=team_a, fields={"name": "Acme"}, custom={"budzet": 1})
    create_custom_field(team=team_a, target="organization", label="Obrót", field_type="number")
    acme = create_organization(team=team_a, fields={"name": "Acme"}, custom={"obrot": "7"})
    assert acme.custom == {"obrot": 7}


def test_definitions_check_their_keys_and_options(team_a, fields):
    with pytest.raises(DuplicateError):
        create_custom_field(team=team_a, target="contact", label="Budżet", field_type="text")
    with pytest.raises(ContactsError):
        create_custom_field(team=team_a, target="contact", label="X", field_type="choice")
    with pytest.raises(ContactsError):
        create_custom_field(team=team_a, target="contact", label="1st", field_type="text")


def test_filters_match_each_type(team_a, fields):
    jan = create_contact(
        team=team_a,
        fields={"first_name": "Jan"},
        custom={
            "nip_osoby": "ABC-123",
            "budzet": 1500,
            "urodziny": "1980-05-17",
            "branza": "meble",
            "zainteresowania": ["biuro", "dom"],
        },
    )
    create_contact(team=team_a, fields={"first_name": "Ewa"}, custom={"budzet": 7})
    definitions = list(CustomField.objects.all())
    for params in (
        {"cf_nip_osoby": "abc"},
        {"cf_budzet": "1500,0"},
        {"cf_urodziny": "1980-05-17"},
        {"cf_branza": "meble"},
        {"cf_zainteresowania": "dom"},
    ):
        assert list(filter_custom(Contact.objects.all(), definitions, params)) == [jan], params
    assert not filter_custom(Contact.objects.all(), definitions, {"cf_budzet": "x"}).exists()
