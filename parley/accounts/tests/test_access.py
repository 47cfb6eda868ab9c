from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from parley.accounts.access import (
    can_manage_team,
    get_team_for_user,
    is_site_admin,
    team_ids_for_user,
)


def test_it_lets_a_member_read_their_team(bob, team_a):
    assert get_team_for_user(bob, team_a.pk) == team_a


def test_it_hides_a_team_from_an_outsider(charlie, team_a):
    with pytest.raises(Http404):
        get_team_for_user(charlie, team_a.pk)


def test_it_refuses_writes_to_a_reader(dave, team_a):
    assert get_team_for_user(dave, team_a.pk) == team_a
    with pytest.raises(PermissionDenied):
        get_team_for_user(dave, team_a.pk, write=True)


def test_it_lists_writable_teams_only_for_write(dave, bob, team_a):
    assert team_ids_for_user(dave) == {team_a.pk}
    assert team_ids_for_user(dave, write=True) == set()
    assert team_ids_for_user(bob, write=True) == {team_a.pk}


def test_only_admins_manage(alice, bob, team_a):
    assert can_manage_team(alice, team_a.pk)
    assert not can_manage_team(bob, team_a.pk)
    assert is_site_admin(alice)
    assert not is_site_admin(bob)
