from __future__ import annotations

from django.test import Client
from django.urls import reverse

LANGUAGE = reverse("accounts:language")


def test_it_stores_the_language_on_the_user_and_uses_it(client, bob):
    client.force_login(bob)
    response = client.post(LANGUAGE, {"language": "pl", "next": "/settings/profile/"})
    assert response["Location"] == "/settings/profile/"
    bob.refresh_from_db()
    assert bob.language == "pl"
    page = client.get(reverse("web:home"), headers={"Accept-Language": "en"})
    assert '<html lang="pl">' in page.text
    assert "Skrzynka" in page.text


def test_the_users_language_follows_them_to_another_browser(bob):
    first = Client()
    first.force_login(bob)
    first.post(LANGUAGE, {"language": "pl"})
    second = Client()
    second.force_login(bob)
    assert '<html lang="pl">' in second.get(reverse("web:home")).text


def test_an_anonymous_visitor_gets_a_cookie(client, db):
    response = client.post(LANGUAGE, {"language": "pl", "next": reverse("accounts:login")})
    assert response.cookies["django_language"].value == "pl"
    assert '<html lang="pl">' in client.get(reverse("accounts:login")).text


def test_it_refuses_an_unknown_language(client, bob):
    client.force_login(bob)
    client.post(LANGUAGE, {"language": "xx"})
    bob.refresh_from_db()
    assert bob.language == ""


def test_it_ignores_a_foreign_next_url(client, bob):
    client.force_login(bob)
    response = client.post(LANGUAGE, {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == reverse("web:home")


def test_it_needs_a_post(client, bob):
    client.force_login(bob)
    assert client.get(LANGUAGE).status_code == 405
