from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from parley.accounts.models import Membership, Role, Team
from parley.accounts.services import create_user

TEAMS = reverse("web:settings_teams")


def _team_url(team: Team) -> str:
    return reverse("web:settings_team", args=[team.pk])


def _membership_url(membership: Membership, *, remove: bool = False) -> str:
    name = "web:settings_membership_remove" if remove else "web:settings_membership"
    return reverse(name, args=[membership.team_id, membership.pk])


@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_only_admins_see_the_teams(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(TEAMS).status_code == 403
    assert client.post(TEAMS, {"name": "Sneaky"}).status_code == 403
    assert not Team.objects.filter(name="Sneaky").exists()


def test_an_admin_sees_the_teams_they_administer(client, alice, charlie):
    client.force_login(alice)
    page = client.get(TEAMS).text
    assert "Team A" in page
    assert "Team B" not in page


def test_an_installation_admin_sees_every_team(client, team_a, team_b):
    root = create_user(email="root@example.com", password=PASSWORD, is_superuser=True)
    client.force_login(root)
    page = client.get(TEAMS).text
    assert "Team A" in page
    assert "Team B" in page


def test_an_admin_creates_a_team_and_administers_it(client, alice):
    client.force_login(alice)
    response = client.post(TEAMS, {"name": "Sprzedaż"})
    team = Team.objects.get(name="Sprzedaż")
    assert response["Location"] == _team_url(team)
    assert team.memberships.get().user == alice
    assert team.memberships.get().role == Role.ADMIN


def test_it_refuses_a_duplicate_team_name(client, alice):
    client.force_login(alice)
    response = client.post(TEAMS, {"name": "team a"})
    assert response.status_code == 200
    assert "A team with this name already exists." in response.text


def test_an_admin_renames_their_team(client, alice, team_a):
    client.force_login(alice)
    client.post(_team_url(team_a), {"action": "rename", "name": "Obsługa klienta"})
    team_a.refresh_from_db()
    assert team_a.name == "Obsługa klienta"


def test_a_teammate_cannot_open_the_team_settings(client, bob, team_a):
    client.force_login(bob)
    assert client.get(_team_url(team_a)).status_code == 403
    assert client.post(_team_url(team_a), {"action": "rename", "name": "X"}).status_code == 403


def test_a_reader_cannot_open_the_team_settings(client, dave, team_a):
    client.force_login(dave)
    assert client.get(_team_url(team_a)).status_code == 403


def test_an_outsider_gets_a_404(client, charlie, team_a):
    client.force_login(charlie)
    assert client.get(_team_url(team_a)).status_code == 404


def test_an_admin_of_another_team_gets_a_404(client, alice, team_b):
    client.force_login(alice)
    assert client.get(_team_url(team_b)).status_code == 404


def test_an_admin_adds_a_member_with_a_role_and_the_delete_grant(client, alice, charlie, team_a):
    client.force_login(alice)
    client.post(
        _team_url(team_a),
        {"action": "add_member", "user": charlie.pk, "role": "reader", "can_delete": "on"},
    )
    membership = team_a.memberships.get(user=charlie)
    assert membership.role == Role.READER
    assert membership.can_delete


def test_an_admin_changes_a_role(client, alice, bob, team_a):
    client.force_login(alice)
    membership = team_a.memberships.get(user=bob)
    client.post(_membership_url(membership), {"role": "manager", "can_delete": "on"})
    membership.refresh_from_db()
    assert (membership.role, membership.can_delete) == (Role.MANAGER, True)


def test_the_last_admin_cannot_be_demoted(client, alice, team_a):
    client.force_login(alice)
    membership = team_a.memberships.get(user=alice)
    response = client.post(_membership_url(membership), {"role": "agent"}, follow=True)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    assert "needs at least one admin" in response.text


def test_the_last_admin_cannot_be_removed(client, alice, team_a):
    client.force_login(alice)
    membership = team_a.memberships.get(user=alice)
    client.post(_membership_url(membership, remove=True))
    assert team_a.memberships.filter(user=alice).exists()


def test_an_admin_removes_a_member(client, alice, bob, team_a):
    client.force_login(alice)
    client.post(_membership_url(team_a.memberships.get(user=bob), remove=True))
    assert not team_a.memberships.filter(user=bob).exists()


def test_a_teammate_cannot_change_memberships(client, alice, bob, team_a):
    client.force_login(bob)
    membership = team_a.memberships.get(user=alice)
    assert client.post(_membership_url(membership), {"role": "agent"}).status_code == 403
    assert client.post(_membership_url(membership, remove=True)).status_code == 403


def test_a_membership_of_another_team_is_a_404(client, alice, charlie, team_a, team_b):
    client.force_login(alice)
    foreign = team_b.memberships.get(user=charlie)
    url = reverse("web:settings_membership_remove", args=[team_a.pk, foreign.pk])
    assert client.post(url).status_code == 404
    assert team_b.memberships.filter(user=charlie).exists()
