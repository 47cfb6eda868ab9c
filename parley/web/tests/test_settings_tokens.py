from __future__ import annotations

from django.urls import reverse

from parley.accounts.models import ApiToken
from parley.accounts.services import create_api_token

TOKENS = reverse("web:settings_tokens")


def _revoke_url(token: ApiToken) -> str:
    return reverse("web:settings_token_revoke", args=[token.pk])


def test_it_creates_a_token_shown_once_that_works_with_the_api(client, bob):
    client.force_login(bob)
    response = client.post(TOKENS, {"name": "script"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plain = response.context["new_token"]
    assert plain.startswith("prl_")
    assert plain in response.text
    assert plain not in client.get(TOKENS).text
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert api.json()["email"] == "bob@example.com"


def test_it_lists_only_the_users_own_tokens(client, bob, charlie):
    create_api_token(user=bob, name="bobs")
    create_api_token(user=charlie, name="charlies")
    client.force_login(bob)
    page = client.get(TOKENS).text
    assert "bobs" in page
    assert "charlies" not in page


def test_the_owner_revokes_a_token(client, bob):
    token, plain = create_api_token(user=bob, name="old")
    client.force_login(bob)
    assert client.post(_revoke_url(token))["Location"] == TOKENS
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_a_teammate_cannot_revoke_someone_elses_token(client, alice, bob):
    token, _plain = create_api_token(user=bob, name="bobs")
    client.force_login(alice)
    assert client.post(_revoke_url(token)).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_an_outsider_cannot_revoke_someone_elses_token(client, bob, charlie):
    token, _plain = create_api_token(user=bob, name="bobs")
    client.force_login(charlie)
    assert client.post(_revoke_url(token)).status_code == 404


def test_a_reader_manages_their_own_tokens(client, dave):
    client.force_login(dave)
    client.post(TOKENS, {"name": "readonly"})
    token = dave.api_tokens.get()
    client.post(_revoke_url(token))
    assert not dave.api_tokens.exists()


def test_revoking_needs_a_post(client, bob):
    token, _plain = create_api_token(user=bob, name="x")
    client.force_login(bob)
    assert client.get(_revoke_url(token)).status_code == 405


def test_tokens_need_a_sign_in(client, db):
    assert client.get(TOKENS).status_code == 302
