from __future__ import annotations

import pytest
from django.urls import reverse

PROFILE = reverse("web:settings_profile")


def test_settings_opens_the_profile(client, bob):
    client.force_login(bob)
    assert client.get(reverse("web:settings"))["Location"] == PROFILE


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "dave"])
def test_every_user_edits_their_own_profile(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(
        PROFILE, {"name": "New Name", "language": "pl", "signature": "-- \nRegards"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.language, user.signature) == ("New Name", "pl", "-- \nRegards")


def test_the_profile_refuses_an_unknown_language(client, bob):
    client.force_login(bob)
    response = client.post(PROFILE, {"name": "B", "language": "xx", "signature": ""})
    assert response.status_code == 200
    bob.refresh_from_db()
    assert bob.name == "Bob Agent"


def test_the_profile_needs_a_sign_in(client, db):
    assert client.get(PROFILE).status_code == 302


def test_a_non_admin_sees_no_administration_links(client, bob):
    client.force_login(bob)
    page = client.get(PROFILE).text
    assert reverse("web:settings_users") not in page


def test_an_admin_sees_the_administration_links(client, alice):
    client.force_login(alice)
    page = client.get(PROFILE).text
    assert reverse("web:settings_users") in page
    assert reverse("web:settings_teams") in page


def test_the_notification_sound_is_on_until_turned_off(client, bob):
    client.force_login(bob)
    assert bob.notification_sound
    page = client.get(PROFILE).text
    assert 'name="notification_sound"' in page
    assert "checked" in page.split('name="notification_sound"')[1].split(">")[0]

    form = {"name": "Bob Agent", "language": "", "signature": ""}
    client.post(PROFILE, form)
    bob.refresh_from_db()
    assert not bob.notification_sound
    assert 'data-sound="off"' in client.get(PROFILE).text

    client.post(PROFILE, {**form, "notification_sound": "on"})
    bob.refresh_from_db()
    assert bob.notification_sound
    assert 'data-sound="on"' in client.get(PROFILE).text


def test_a_user_changes_only_their_own_sound(client, alice, bob):
    client.force_login(bob)
    client.post(PROFILE, {"name": "Bob Agent", "language": "", "signature": ""})
    alice.refresh_from_db()
    assert alice.notification_sound
