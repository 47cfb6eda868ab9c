from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from conftest import PASSWORD
from parley.accounts.models import LoginAttempt
from parley.accounts.services import set_user_active

LOGIN = reverse("accounts:login")


def _login(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def test_it_shows_the_login_page(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'type="email"' in response.content


def test_it_signs_in_by_email_and_password(client, bob):
    response = _login(client, "BOB@example.com", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).context["user"] == bob


def test_it_rejects_a_wrong_password(client, bob):
    response = _login(client, "bob@example.com", "wrong")
    assert response.status_code == 200
    assert "The e-mail or the password is not correct." in response.text
    assert LoginAttempt.objects.count() == 1


def test_it_answers_a_deactivated_user_like_a_wrong_password(client, alice, bob):
    set_user_active(user=bob, active=False, by=alice)
    response = _login(client, "bob@example.com", PASSWORD)
    assert "The e-mail or the password is not correct." in response.text
    assert "_auth_user_id" not in client.session


def test_it_forgets_failures_after_a_success(client, bob):
    _login(client, "bob@example.com", "wrong")
    _login(client, "bob@example.com", PASSWORD)
    assert LoginAttempt.objects.count() == 0


@override_settings(LOGIN_THROTTLE_ATTEMPTS=3, LOGIN_THROTTLE_WINDOW_SECONDS=600)
def test_it_throttles_after_repeated_failures_even_with_the_right_password(client, bob):
    for _ in range(3):
        _login(client, "bob@example.com", "wrong")
    response = _login(client, "bob@example.com", PASSWORD)
    assert "Too many failed sign-ins, try again in 10 minutes." in response.text
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_THROTTLE_ATTEMPTS=3, LOGIN_THROTTLE_WINDOW_SECONDS=600)
def test_it_throttles_unknown_emails_with_the_same_message(client, bob):
    for _ in range(3):
        _login(client, "bob@example.com", "wrong")
        _login(client, "nobody@example.com", "wrong")
    known = _login(client, "bob@example.com", "wrong").text
    unknown = _login(client, "nobody@example.com", "wrong").text
    message = "Too many failed sign-ins, try again in 10 minutes."
    assert message in known
    assert message in unknown
    assert _page_without_tokens(known, "bob@example.com") == _page_without_tokens(
        unknown, "nobody@example.com"
    )


def _page_without_tokens(page: str, email: str) -> str:
    """The page with the per-request secrets (CSRF token, CSP nonce) and the e-mail blanked."""
    page = re.sub(r'(nonce|value|hx-headers)=(["\']).*?\2', r"\1=", page)
    return page.replace(email, "")


@override_settings(LOGIN_THROTTLE_ATTEMPTS=2)
def test_it_throttles_per_client_address(bob):
    first, second = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(2):
        _login(first, "bob@example.com", "wrong")
    assert "Too many" in _login(first, "bob@example.com", PASSWORD).text
    assert _login(second, "bob@example.com", PASSWORD).status_code == 302


@pytest.mark.parametrize("method", ["get", "post"])
def test_logout_needs_a_post(client, bob, method):
    client.force_login(bob)
    response = getattr(client, method)(reverse("accounts:logout"))
    if method == "get":
        assert response.status_code == 405
        assert "_auth_user_id" in client.session
    else:
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
