from __future__ import annotations

import pytest

from parley.accounts.services import create_api_token

pytestmark = pytest.mark.django_db


def test_me_needs_a_token(client):
    assert client.get("/api/v1/me").status_code == 401


def test_me_rejects_a_wrong_token(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer prl_nope"})
    assert response.status_code == 401


def test_me_answers_with_the_users_teams(client, bob, team_a):
    _token, plain = create_api_token(user=bob, name="test")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "bob@example.com"
    assert body["teams"] == [
        {"id": team_a.pk, "name": "Team A", "role": "agent", "can_delete": False}
    ]


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Parley API"
