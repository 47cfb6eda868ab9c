from __future__ import annotations

import re

from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from conftest import PASSWORD

RESET = reverse("accounts:password_reset")


def _reset_link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", body)
    assert match is not None, body
    return match[1]


def test_it_mails_a_reset_link_that_sets_a_new_password(client, bob):
    response = client.post(RESET, {"email": "bob@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob@example.com"]
    link = _reset_link(str(mail.outbox[0].body))
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "a-new-long-secret-7", "new_password2": "a-new-long-secret-7"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("a-new-long-secret-7")


def test_it_answers_an_unknown_address_like_a_known_one(client, bob):
    known = client.post(RESET, {"email": "bob@example.com"})
    unknown = client.post(RESET, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1


@override_settings(LOGIN_THROTTLE_ATTEMPTS=2, LOGIN_THROTTLE_WINDOW_SECONDS=300)
def test_it_throttles_reset_requests_alike_for_known_and_unknown_addresses(bob):
    for email in ("bob@example.com", "nobody@example.com"):
        client = Client()
        for _ in range(2):
            client.post(RESET, {"email": email})
        response = client.post(RESET, {"email": email})
        assert response.status_code == 200
        assert "Too many password reset requests, try again in 5 minutes." in response.text
    assert len(mail.outbox) == 2


def test_it_changes_the_password_and_keeps_the_session(client, bob):
    client.force_login(bob)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-secret-8",
            "new_password2": "another-long-secret-8",
        },
    )
    assert response["Location"] == reverse("accounts:password_change_done")
    bob.refresh_from_db()
    assert bob.check_password("another-long-secret-8")
    assert client.get(reverse("web:home")).status_code == 200


def test_it_refuses_a_password_change_with_a_wrong_old_password(client, bob):
    client.force_login(bob)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "nope",
            "new_password1": "x-long-one-9a",
            "new_password2": "x-long-one-9a",
        },
    )
    assert response.status_code == 200
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)


def test_password_change_needs_a_sign_in(client, db):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
