from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db
TEMPLATES = sorted(Path(__file__).resolve().parents[2].glob("**/templates/**/*.html"))


def test_the_csp_allows_no_inline_script_or_style(client):
    response = client.get(reverse("accounts:login"))
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
        if " " in directive.strip()
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_it_sends_the_security_headers(client):
    response = client.get(reverse("accounts:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_session_cookie_is_http_only_and_same_site(client, bob):
    response = client.post(
        reverse("accounts:login"), {"username": "bob@example.com", "password": PASSWORD}
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_a_post_without_the_csrf_token_is_refused(bob):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": "bob@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_signed_in_post_without_the_csrf_token_is_refused(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post(reverse("web:settings_tokens"), {"name": "x"})
    assert response.status_code == 403
    assert not bob.api_tokens.exists()


def test_htmx_requests_carry_the_csrf_token_from_the_body(client, bob):
    client.force_login(bob)
    page = client.get(reverse("web:home")).text
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)
    assert token is not None
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(bob)
    csrf_client.cookies = client.cookies
    response = csrf_client.post(
        reverse("web:settings_tokens"), {"name": "htmx"}, headers={"X-CSRFToken": token[1]}
    )
    assert response.status_code == 200
    assert bob.api_tokens.filter(name="htmx").exists()


def test_templates_exist_to_be_checked():
    assert len(TEMPLATES) > 5


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_inline_script_or_style(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\sstyle=", text), "inline style attribute"
    assert "<style" not in text, "inline <style>"
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"
