from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from conftest import PASSWORD
from parley.accounts.models import Role, User
from parley.accounts.services import create_user

USERS = reverse("web:settings_users")


def _active_url(user: User) -> str:
    return reverse("web:settings_user_active", args=[user.pk])


@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_only_admins_see_the_users(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(USERS).status_code == 403
    assert client.post(USERS, {"email": "x@example.com"}).status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()


def test_an_admin_lists_users_with_their_teams(
    client, alice, bob, charlie, django_assert_max_num_queries
):
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        page = client.get(USERS).text
    assert "bob@example.com" in page
    assert "Team A (Agent)" in page
    assert "charlie@example.com" in page


def test_an_admin_creates_a_user_with_a_password_in_their_team(client, alice, team_a):
    client.force_login(alice)
    response = client.post(
        USERS,
        {
            "email": "Eve@Example.com",
            "name": "Eve",
            "password": "a-long-pass-99",
            "team": team_a.pk,
            "role": "manager",
        },
    )
    assert response["Location"] == USERS
    eve = User.objects.get(email="eve@example.com")
    assert eve.check_password("a-long-pass-99")
    assert eve.memberships.get().role == Role.MANAGER
    assert mail.outbox == []


def test_an_admin_invites_a_user_who_then_chooses_a_password(
    client, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            USERS, {"email": "frank@example.com", "name": "Frank", "password": "", "role": "agent"}
        )
    frank = User.objects.get(email="frank@example.com")
    assert not frank.has_usable_password()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    client.logout()
    form_url = client.get(link[1], follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "franks-pass-123", "new_password2": "franks-pass-123"})
    frank.refresh_from_db()
    assert frank.check_password("franks-pass-123")


def test_it_refuses_a_duplicate_email(client, alice, bob):
    client.force_login(alice)
    response = client.post(USERS, {"email": "BOB@example.com", "password": "", "role": "agent"})
    assert response.status_code == 200
    assert "A user with this e-mail already exists." in response.text


def test_an_admin_cannot_put_a_user_in_a_team_they_do_not_administer(client, alice, team_b):
    client.force_login(alice)
    response = client.post(
        USERS, {"email": "g@example.com", "password": "", "team": team_b.pk, "role": "agent"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="g@example.com").exists()


def test_an_admin_deactivates_and_reactivates_a_user(client, alice, bob):
    client.force_login(alice)
    client.post(_active_url(bob), {"active": "false"})
    bob.refresh_from_db()
    assert not bob.is_active
    assert client.login(email="bob@example.com", password=PASSWORD) is False
    client.force_login(alice)
    client.post(_active_url(bob), {"active": "true"})
    bob.refresh_from_db()
    assert bob.is_active


def test_an_admin_cannot_deactivate_themselves(client, alice):
    client.force_login(alice)
    response = client.post(_active_url(alice), {"active": "false"}, follow=True)
    alice.refresh_from_db()
    assert alice.is_active
    assert "You cannot deactivate your own account." in response.text


def test_a_team_admin_cannot_deactivate_an_installation_admin(client, alice):
    root = create_user(email="root@example.com", password=PASSWORD, is_superuser=True)
    client.force_login(alice)
    client.post(_active_url(root), {"active": "false"})
    root.refresh_from_db()
    assert root.is_active


@pytest.mark.parametrize("persona", ["bob", "charlie", "dave"])
def test_non_admins_cannot_deactivate(client, persona, request, alice):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(_active_url(alice), {"active": "false"}).status_code == 403
    alice.refresh_from_db()
    assert alice.is_active


def test_deactivating_an_unknown_user_is_a_404(client, alice):
    client.force_login(alice)
    assert (
        client.post(
            reverse("web:settings_user_active", args=[999999]), {"active": "false"}
        ).status_code
        == 404
    )
