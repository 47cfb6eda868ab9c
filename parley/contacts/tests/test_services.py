from __future__ import annotations

import pytest

from parley.contacts.exceptions import (
    ContactsError,
    DuplicateError,
    InvalidEmailError,
    InvalidPhoneError,
    InvalidTaxIdError,
)
from parley.contacts.models import Contact, ContactEmail, PhoneKind, Stage, Tag
from parley.contacts.services import (
    NewPhone,
    add_contact_email,
    add_contact_phone,
    add_organization_domain,
    create_contact,
    create_organization,
    delete_organization,
    remove_contact_email,
    remove_contact_phone,
    set_contact_managers,
    set_contact_organization,
    set_contact_tags,
    set_organization_domains,
    set_primary_email,
    tag_contact,
    untag_contact,
    update_contact,
    update_organization,
)


@pytest.fixture
def jan(team_a):
    return create_contact(
        team=team_a,
        fields={"first_name": " Jan ", "last_name": "Kowalski"},
        emails=["Jan@Example.PL"],
        phones=[NewPhone("601 234 567")],
    )


def test_it_creates_a_contact_with_normalized_address_and_number(jan):
    assert jan.first_name == "Jan"
    email = jan.emails.get()
    assert email.address == "jan@example.pl"
    assert email.is_primary
    phone = jan.phones.get()
    assert (phone.raw, phone.e164, phone.kind) == ("601 234 567", "+48601234567", "mobile")


def test_it_needs_a_name_or_an_address(team_a):
    with pytest.raises(ContactsError):
        create_contact(team=team_a, fields={"position": "CEO"})


def test_it_rejects_an_unknown_stage(team_a):
    with pytest.raises(ContactsError):
        create_contact(team=team_a, fields={"first_name": "Ewa", "stage": "vip"})


def test_it_creates_nothing_when_a_number_is_invalid(team_a):
    with pytest.raises(InvalidPhoneError):
        create_contact(
            team=team_a,
            fields={"first_name": "Ewa"},
            emails=["ewa@example.pl"],
            phones=[NewPhone("12")],
        )
    assert not Contact.objects.exists()
    assert not ContactEmail.objects.exists()


def test_it_refuses_an_address_used_by_another_contact(team_a, jan):
    other = create_contact(team=team_a, fields={"first_name": "Ewa"})
    with pytest.raises(DuplicateError, match="another contact"):
        add_contact_email(contact=other, address="JAN@example.pl")


def test_it_refuses_the_same_address_twice_on_one_contact(jan):
    with pytest.raises(DuplicateError, match="this contact"):
        add_contact_email(contact=jan, address="jan@example.pl")


def test_the_same_address_may_be_used_in_another_team(team_b, jan):
    other = create_contact(team=team_b, fields={"first_name": "Jan"}, emails=["jan@example.pl"])
    assert other.emails.get().address == "jan@example.pl"


def test_it_rejects_an_invalid_address(jan):
    with pytest.raises(InvalidEmailError):
        add_contact_email(contact=jan, address="jan(at)example.pl")


def test_a_new_primary_address_demotes_the_old_one(jan):
    second = add_contact_email(contact=jan, address="jan.k@example.pl", primary=True)
    assert list(jan.emails.values_list("address", "is_primary")) == [
        ("jan.k@example.pl", True),
        ("jan@example.pl", False),
    ]
    set_primary_email(email=jan.emails.get(address="jan@example.pl"))
    second.refresh_from_db()
    assert not second.is_primary


def test_removing_the_primary_address_promotes_another(jan):
    add_contact_email(contact=jan, address="jan.k@example.pl")
    remove_contact_email(email=jan.emails.get(is_primary=True))
    assert jan.emails.get().is_primary


def test_it_adds_and_removes_phone_numbers(jan):
    phone = add_contact_phone(contact=jan, raw="+48 22 628 12 34", kind=PhoneKind.WORK)
    assert phone.e164 == "+48226281234"
    with pytest.raises(DuplicateError):
        add_contact_phone(contact=jan, raw="0048 22 628 12 34")
    remove_contact_phone(phone=phone)
    assert jan.phones.count() == 1


def test_it_updates_only_the_given_fields(jan):
    update_contact(contact=jan, fields={"position": "Prezes", "stage": Stage.CUSTOMER})
    jan.refresh_from_db()
    assert (jan.first_name, jan.position, jan.stage) == ("Jan", "Prezes", "customer")


def test_it_puts_a_contact_in_an_organization_of_the_same_team(team_a, team_b, jan):
    ours = create_organization(team=team_a, fields={"name": "Acme"})
    theirs = create_organization(team=team_b, fields={"name": "Other"})
    set_contact_organization(contact=jan, organization=ours)
    assert list(ours.contacts.all()) == [jan]
    with pytest.raises(ContactsError):
        set_contact_organization(contact=jan, organization=theirs)
    set_contact_organization(contact=jan, organization=None)
    jan.refresh_from_db()
    assert jan.organization is None


def test_managers_must_be_team_members(jan, bob, charlie):
    set_contact_managers(contact=jan, users=[bob])
    assert list(jan.managers.all()) == [bob]
    with pytest.raises(ContactsError):
        set_contact_managers(contact=jan, users=[charlie])


def test_tags_are_matched_case_insensitively(team_a, jan):
    tag = tag_contact(contact=jan, name="VIP")
    assert tag_contact(contact=jan, name=" vip ") == tag
    assert Tag.objects.filter(team=team_a).count() == 1
    untag_contact(contact=jan, tag=tag)
    assert not jan.tags.exists()
    set_contact_tags(contact=jan, names=["a", "b", ""])
    assert sorted(jan.tags.values_list("name", flat=True)) == ["a", "b"]


def test_it_validates_the_nip(team_a):
    with pytest.raises(InvalidTaxIdError):
        create_organization(team=team_a, fields={"name": "Acme", "tax_id": "1234567890"})
    acme = create_organization(team=team_a, fields={"name": "Acme", "tax_id": "779-240-00-19"})
    assert acme.tax_id == "7792400019"
    update_organization(organization=acme, fields={"tax_id": ""})
    acme.refresh_from_db()
    assert acme.tax_id == ""


def test_a_domain_belongs_to_one_organization_per_team(team_a, team_b):
    acme = create_organization(team=team_a, fields={"name": "Acme"}, domains=["Acme.PL"])
    other = create_organization(team=team_a, fields={"name": "Other"})
    with pytest.raises(DuplicateError):
        add_organization_domain(organization=other, domain="acme.pl")
    create_organization(team=team_b, fields={"name": "Acme B"}, domains=["acme.pl"])
    set_organization_domains(organization=acme, domains=["acme.com", "acme.pl"])
    assert sorted(acme.domains.values_list("domain", flat=True)) == ["acme.com", "acme.pl"]
    set_organization_domains(organization=acme, domains=["acme.com"])
    assert list(acme.domains.values_list("domain", flat=True)) == ["acme.com"]


def test_deleting_an_organization_keeps_its_contacts(team_a, jan):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    set_contact_organization(contact=jan, organization=acme)
    delete_organization(organization=acme)
    jan.refresh_from_db()
    assert jan.organization is None
