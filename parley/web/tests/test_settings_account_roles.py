from __future__ import annotations

import pytest

from parley.contacts.models import AccountRole
from parley.contacts.services import create_contact
from parley.contacts.services.account_roles import grant_account_role

pytestmark = pytest.mark.django_db


def test_an_admin_grants_and_revokes_a_role(client, alice, bob, team_a):
    client.force_login(alice)
    response = client.post(
        "/settings/account-roles/",
        {"user": bob.pk, "account_type": "partner", "role": "reader"},
    )
    assert response.status_code == 302
    role = AccountRole.objects.get()
    assert (role.user, role.account_type, role.role) == (bob, "partner", "reader")
    assert "Bob Agent" in client.get("/settings/account-roles/").text
    assert client.post(f"/settings/account-roles/{role.pk}/revoke/").status_code == 302
    assert not AccountRole.objects.exists()


def test_agents_readers_and_outsiders_are_refused(client, bob, dave, charlie, team_a):
    role = grant_account_role(team=team_a, user=bob, account_type="partner", role="reader")
    for user in (bob, dave, charlie):
        client.force_login(user)
        assert client.get("/settings/account-roles/", {"team": team_a.pk}).status_code == 403
        response = client.post(f"/settings/account-roles/{role.pk}/revoke/?team={team_a.pk}")
        assert response.status_code == 403
    assert AccountRole.objects.exists()


def test_an_admin_of_another_team_gets_404(client, alice, team_b, team_a):
    from parley.accounts.models import Role
    from parley.accounts.services import create_user, set_membership

    frank = create_user(email="frank@example.com", password="x-very-long-pass-1", name="Frank")
    set_membership(user=frank, team=team_b, role=Role.ADMIN)
    client.force_login(frank)
    assert client.get("/settings/account-roles/", {"team": team_a.pk}).status_code == 404


def test_restricted_lists_and_pages_follow_the_roles(client, alice, bob, dave, team_a):
    partner = create_contact(
        team=team_a, fields={"first_name": "Partnerka", "account_type": "partner"}
    )
    create_contact(team=team_a, fields={"first_name": "Klientka"})
    grant_account_role(team=team_a, user=dave, account_type="partner", role="reader")
    client.force_login(bob)
    listed = client.get("/contacts/").text
    assert "Partnerka" not in listed
    assert "Klientka" not in listed
    assert client.get(f"/contacts/{partner.pk}/").status_code == 404
    client.force_login(dave)
    listed = client.get("/contacts/").text
    assert "Partnerka" in listed
    assert "Klientka" not in listed
    client.force_login(alice)
    assert "Klientka" in client.get("/contacts/").text
