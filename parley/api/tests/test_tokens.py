from __future__ import annotations

import hashlib

import pytest

from parley.accounts.models import ApiToken
from parley.accounts.services import create_api_token, revoke_api_token, set_user_active

pytestmark = pytest.mark.django_db


def _me(client, plain: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})


def test_a_token_is_stored_only_as_a_digest(bob):
    token, plain = create_api_token(user=bob, name="script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert plain not in (stored.digest, stored.prefix, stored.name)
    assert stored.digest == hashlib.sha256(plain.encode()).hexdigest()
    assert plain.startswith(stored.prefix)


def test_a_token_records_when_it_was_last_used(client, bob):
    token, plain = create_api_token(user=bob, name="script")
    assert _me(client, plain).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(client, bob):
    token, plain = create_api_token(user=bob, name="script")
    revoke_api_token(token=token)
    assert _me(client, plain).status_code == 401


def test_a_deactivated_users_token_is_refused(client, alice, bob):
    _token, plain = create_api_token(user=bob, name="script")
    set_user_active(user=bob, active=False, by=alice)
    assert _me(client, plain).status_code == 401


def test_a_session_alone_does_not_open_the_api(client, bob):
    client.force_login(bob)
    assert client.get("/api/v1/me").status_code == 401


def test_each_user_sees_only_their_own_teams(client, bob, charlie, team_a, team_b):
    _token, plain = create_api_token(user=charlie, name="script")
    teams = client.get("/api/v1/teams", headers={"Authorization": f"Bearer {plain}"}).json()
    assert [team["name"] for team in teams] == ["Team B"]


def test_a_reader_reads_their_teams(client, dave, team_a):
    _token, plain = create_api_token(user=dave, name="script")
    assert _me(client, plain).json()["teams"][0]["role"] == "reader"
