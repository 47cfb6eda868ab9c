from __future__ import annotations

from django.urls import reverse

from parley.accounts.services import set_language


def test_the_shell_shows_navigation_and_the_user(client, bob):
    client.force_login(bob)
    page = client.get(reverse("web:home")).text
    for label in ("Inbox", "Contacts", "Organizations", "Leads", "Calls", "Settings"):
        assert label in page
    assert 'data-testid="user-name">Bob Agent<' in page
    assert 'href="#main"' in page
    assert "django_htmx/htmx-2" in page
    assert "parley/parley.js" in page


def test_the_shell_is_in_polish_for_a_polish_user(client, bob):
    set_language(user=bob, language="pl")
    client.force_login(bob)
    page = client.get(reverse("web:home")).text
    assert "Kontakty" in page
    assert "Ustawienia" in page


def test_the_login_page_shows_no_navigation(client, db):
    page = client.get(reverse("accounts:login")).text
    assert "mainnav" not in page
