"""Account roles (CR3) per persona: who reads, changes and deletes which accounts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import PASSWORD
from parley.accounts.models import Role
from parley.accounts.services import create_user, set_membership
from parley.contacts.access import (
    can_delete_account,
    get_contact_for_user,
    get_organization_for_user,
)
from parley.contacts.exceptions import ContactsError
from parley.contacts.models import Contact, Organization
from parley.contacts.services import create_contact, create_organization, set_contact_managers
from parley.contacts.services.account_roles import grant_account_role, revoke_account_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(team_a, bob):
    customer = create_contact(team=team_a, fields={"first_name": "Klient"})
    partner = create_contact(
        team=team_a, fields={"first_name": "Partner", "account_type": "partner"}
    )
    managed = create_contact(team=team_a, fields={"first_name": "Mój", "account_type": "partner"})
    set_contact_managers(contact=managed, users=[bob])
    return customer, partner, managed


@pytest.fixture
def erin(team_a):
    user = create_user(email="erin@example.com", password=PASSWORD, name="Erin Agent")
    set_membership(user=user, team=team_a, role=Role.AGENT)
    return user


def _visible(user):
    return {c.first_name for c in Contact.objects.visible_to(user)}


def test_without_roles_every_member_sees_everything(accounts, bob, dave, charlie):
    assert _visible(bob) == {"Klient", "Partner", "Mój"}
    assert _visible(dave) == {"Klient", "Partner", "Mój"}
    assert _visible(charlie) == set()


def test_with_roles_an_agent_sees_what_they_manage(accounts, team_a, bob, erin):
    grant_account_role(team=team_a, user=erin, account_type="customer", role="reader")
    assert _visible(bob) == {"Mój"}
    _customer, partner, managed = accounts
    with pytest.raises(Http404):
        get_contact_for_user(bob, partner.pk)
    assert get_contact_for_user(bob, managed.pk, write=True) == managed


def test_a_type_reader_reads_but_does_not_change(accounts, team_a, erin):
    customer, _partner, _managed = accounts
    grant_account_role(team=team_a, user=erin, account_type="customer", role="reader")
    assert _visible(erin) == {"Klient"}
    assert get_contact_for_user(erin, customer.pk) == customer
    with pytest.raises(PermissionDenied):
        get_contact_for_user(erin, customer.pk, write=True)
    assert not can_delete_account(erin, customer)


def test_a_type_admin_reads_changes_and_deletes(accounts, team_a, erin):
    _customer, partner, _managed = accounts
    grant_account_role(team=team_a, user=erin, account_type="partner", role="admin")
    assert _visible(erin) == {"Partner", "Mój"}
    assert get_contact_for_user(erin, partner.pk, write=True) == partner
    assert can_delete_account(erin, partner)


def test_a_team_admin_keeps_full_access(accounts, team_a, alice, erin):
    grant_account_role(team=team_a, user=erin, account_type="partner", role="admin")
    assert _visible(alice) == {"Klient", "Partner", "Mój"}
    assert can_delete_account(alice, accounts[0])


def test_a_team_reader_never_writes_even_as_type_admin(accounts, team_a, dave):
    _customer, partner, _managed = accounts
    grant_account_role(team=team_a, user=dave, account_type="partner", role="admin")
    assert "Partner" in _visible(dave)
    with pytest.raises(PermissionDenied):
        get_contact_for_user(dave, partner.pk, write=True)


def test_an_outsider_gets_404(accounts, team_a, charlie, erin):
    grant_account_role(team=team_a, user=erin, account_type="partner", role="reader")
    with pytest.raises(Http404):
        get_contact_for_user(charlie, accounts[0].pk)


def test_organizations_follow_the_same_rules(team_a, erin, bob):
    acme = create_organization(team=team_a, fields={"name": "Acme", "account_type": "partner"})
    grant_account_role(team=team_a, user=erin, account_type="partner", role="reader")
    assert list(Organization.objects.visible_to(erin)) == [acme]
    assert list(Organization.objects.visible_to(bob)) == []
    with pytest.raises(Http404):
        get_organization_for_user(bob, acme.pk)


def test_revoking_the_last_role_opens_the_team_again(accounts, team_a, bob, erin):
    role = grant_account_role(team=team_a, user=erin, account_type="customer", role="reader")
    revoke_account_role(account_role=role)
    assert _visible(bob) == {"Klient", "Partner", "Mój"}


def test_roles_are_for_members_and_known_types(team_a, charlie, erin):
    with pytest.raises(ContactsError):
        grant_account_role(team=team_a, user=charlie, account_type="customer", role="reader")
    with pytest.raises(ContactsError):
        grant_account_role(team=team_a, user=erin, account_type="vendor", role="reader")


def test_a_restricted_creator_becomes_a_manager(client, team_a, bob, erin):
    from parley.contacts.access import with_creator

    assert with_creator(bob, team_a.pk, []) == []
    grant_account_role(team=team_a, user=erin, account_type="partner", role="reader")
    assert with_creator(bob, team_a.pk, []) == [bob]
    client.force_login(bob)
    client.post(
        "/contacts/new/",
        {"team": team_a.pk, "first_name": "Nowy", "stage": "lead", "phone_kind": "mobile"},
    )
    created = Contact.objects.get(first_name="Nowy")
    assert list(created.managers.all()) == [bob]
    assert client.get(f"/contacts/{created.pk}/").status_code == 200


def test_an_organization_timeline_hides_contacts_the_viewer_may_not_see(team_a, bob, erin):
    from parley.contacts.services.timeline import log_event
    from parley.contacts.timeline import timeline

    acme = create_organization(team=team_a, fields={"name": "Acme", "account_type": "partner"})
    hidden = create_contact(team=team_a, fields={"first_name": "Ukryty"}, organization=acme)
    log_event(record=hidden, kind="note", text="Tajna notatka", actor=bob)
    grant_account_role(team=team_a, user=erin, account_type="partner", role="reader")
    entries, _next = timeline(acme, visible=Contact.objects.visible_to(erin))
    assert "Tajna notatka" not in [entry.text for entry in entries]
    entries, _next = timeline(acme, visible=Contact.objects.visible_to(bob))
    assert "Tajna notatka" not in [entry.text for entry in entries]
    entries, _next = timeline(acme)
    assert "Tajna notatka" in [entry.text for entry in entries]
