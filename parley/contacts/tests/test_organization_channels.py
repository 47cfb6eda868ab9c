"""An organization's own e-mail addresses and phone numbers."""

from __future__ import annotations

import pytest

from parley.contacts.exceptions import InvalidEmailError, InvalidPhoneError
from parley.contacts.models import Activity, Organization
from parley.contacts.queries import OrganizationFilters, filter_organizations
from parley.contacts.services import create_organization, update_organization_profile
from parley.contacts.services.organization_channels import set_organization_channels

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(team_a):
    return create_organization(
        team=team_a,
        fields={"name": "Acme"},
        emails=["Biuro@Acme.PL", "biuro@acme.pl"],
        phones=["22 628 12 34", "+48 22 628-12-34", "0049 30 1234567"],
    )


def test_create_normalizes_and_drops_duplicates(acme):
    assert [e.address for e in acme.emails.all()] == ["biuro@acme.pl"]
    assert [(p.raw, p.e164) for p in acme.phones.all()] == [
        ("22 628 12 34", "+48226281234"),
        ("0049 30 1234567", "+49301234567"),
    ]


def test_a_bad_number_creates_nothing(team_a):
    with pytest.raises(InvalidPhoneError):
        create_organization(team=team_a, fields={"name": "Zła"}, phones=["12"])
    assert not Organization.objects.filter(name="Zła").exists()


def test_a_bad_address_changes_nothing(acme):
    with pytest.raises(InvalidEmailError):
        set_organization_channels(organization=acme, emails=["nope"], phones=[])
    assert acme.emails.count() == 1
    assert acme.phones.count() == 2


def test_update_replaces_the_lists_and_logs_the_change(acme, alice):
    update_organization_profile(
        organization=acme, fields={}, emails=["faktury@acme.pl"], phones=[], actor=alice
    )
    assert [e.address for e in acme.emails.all()] == ["faktury@acme.pl"]
    assert not acme.phones.exists()
    change = Activity.objects.filter(organization=acme, changes__0__field="emails").get()
    assert change.actor == alice


def test_update_without_lists_keeps_them(acme):
    update_organization_profile(organization=acme, fields={"name": "Acme SA"})
    assert acme.emails.count() == 1
    assert acme.phones.count() == 2


def test_search_finds_an_organization_by_its_number_in_any_spelling(acme, alice, team_a):
    create_organization(team=team_a, fields={"name": "Other"})
    found = filter_organizations(
        Organization.objects.all(), OrganizationFilters(q="0048226281234"), alice
    )
    assert list(found) == [acme]
    found = filter_organizations(Organization.objects.all(), OrganizationFilters(q="biuro@"), alice)
    assert list(found) == [acme]


def test_the_phone_and_address_filters(acme, alice, team_a):
    other = create_organization(
        team=team_a, fields={"name": "Other", "address_line1": "ul. Długa 5"}, phones=["601234567"]
    )
    orgs = Organization.objects.all()
    by_phone = filter_organizations(orgs, OrganizationFilters(phone="(22) 628-12-34"), alice)
    assert list(by_phone) == [acme]
    by_address = filter_organizations(orgs, OrganizationFilters(address="długa"), alice)
    assert list(by_address) == [other]
