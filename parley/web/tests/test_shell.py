from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from config import urls as project_urls
from conftest import PASSWORD
from parley.accounts.services import set_language
from parley.compose.services.drafts import start_new_conversation
from parley.contacts.services import create_contact
from parley.mail.models import Mailbox
from parley.mail.services import MailboxSettings, create_mailbox, pause_mailbox


def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


# This module doubles as a URLconf (pytest.mark.urls) that adds a crashing view to the
# project's URLs, with the project's error handlers.
urlpatterns = [path("crash/", _crash), *project_urls.urlpatterns]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


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


def _current_nav(page: str) -> list[str]:
    return re.findall(r'data-nav="(\w+)" aria-current="page"', page)


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("web:inbox", "inbox"),
        ("web:calls", "calls"),
        ("web:meetings", "calls"),
        ("web:settings_inbox", "settings"),
        ("web:call_settings", "settings"),
        ("web:settings_profile", "settings"),
    ],
)
def test_the_navigation_highlights_only_the_section_of_the_page(client, alice, url, section):
    client.force_login(alice)
    assert _current_nav(client.get(reverse(url)).text) == [section]


# Error pages (DEBUG is False in tests, as in production).


def test_a_reader_sees_what_they_may_not_open(client, dave, team_a):
    contact = create_contact(team=team_a, fields={"first_name": "Zofia", "last_name": "Nowak"})
    client.force_login(dave)

    response = client.get(reverse("web:contact_edit", args=[contact.pk]))

    assert response.status_code == 403
    page = response.text
    assert 'data-testid="error-403"' in page
    assert "You do not have access to this contact." in page
    assert "mainnav" in page  # in the application shell
    assert "Zofia" not in page


def _main(page: str) -> str:
    found = re.search(r"<main.*</main>", page, re.DOTALL)
    assert found is not None
    return found.group(0)


def test_another_teams_record_looks_like_a_missing_one(client, charlie, team_a):
    contact = create_contact(team=team_a, fields={"first_name": "Zofia", "last_name": "Nowak"})
    client.force_login(charlie)

    theirs = client.get(reverse("web:contact_edit", args=[contact.pk]))
    missing = client.get(reverse("web:contact_edit", args=[contact.pk + 1000]))

    assert theirs.status_code == missing.status_code == 404
    assert _main(theirs.text) == _main(missing.text)
    assert "This contact does not exist, or you do not have access to it." in theirs.text
    assert 'data-testid="error-404"' in theirs.text
    assert "Zofia" not in theirs.text


def test_an_unknown_address_is_a_styled_404(client, bob):
    client.force_login(bob)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "This page does not exist, or you do not have access to it." in response.text
    assert "mainnav" in response.text


def test_an_unknown_address_offers_sign_in_to_visitors(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert reverse("accounts:login") in response.text
    assert "mainnav" not in response.text


def test_the_error_pages_are_in_polish_for_a_polish_user(client, dave, team_a):
    set_language(user=dave, language="pl")
    contact = create_contact(team=team_a, fields={"first_name": "Jan", "last_name": "Nowak"})
    client.force_login(dave)

    page = client.get(reverse("web:contact_edit", args=[contact.pk])).text

    assert 'lang="pl"' in page


@pytest.mark.urls("parley.web.tests.test_shell")
def test_a_server_error_is_a_styled_500_without_details(bob):
    client = Client(raise_request_exception=False)
    client.force_login(bob)

    response = client.get("/crash/")

    assert response.status_code == 500
    assert 'data-testid="error-500"' in response.text
    assert "Something went wrong on our side." in response.text
    assert "boom" not in response.text


# "New conversation" without a mailbox to send from.


def _mailbox(team: object, name: str = "support") -> Mailbox:
    settings = MailboxSettings(
        name=name,
        email=f"{name}@example.com",
        imap_host="127.0.0.1",
        imap_port=993,
        imap_security="ssl",
        username=name,
        smtp_host="127.0.0.1",
        smtp_port=465,
        smtp_security="ssl",
    )
    return create_mailbox(team=team, settings=settings, secret="secret")  # type: ignore[arg-type]  # a Team from the fixture


def test_new_conversation_explains_a_paused_mailbox_to_an_admin(client, alice, team_a):
    pause_mailbox(mailbox=_mailbox(team_a))
    client.force_login(alice)

    response = client.post(reverse("web:compose_new"))

    assert response.status_code == 403
    page = response.text
    assert 'data-testid="compose-unavailable"' in page
    assert "mailbox you send from is paused" in page
    assert "<strong>support</strong>" in page
    assert f'href="{reverse("web:mailboxes")}" data-testid="mailboxes-link"' in page


def test_new_conversation_tells_an_agent_whom_to_ask(client, alice, bob, team_a):
    pause_mailbox(mailbox=_mailbox(team_a))
    client.force_login(bob)

    page = client.post(reverse("web:compose_new")).text

    assert "mailboxes-link" not in page
    assert "Ask a manager of your team to resume the mailbox: Alice Admin." in page


def test_new_conversation_without_any_mailbox_asks_for_one(client, alice, bob):
    client.force_login(bob)

    page = client.post(reverse("web:compose_new")).text

    assert "has no mailbox to send from yet" in page
    assert "Ask a manager of your team to add a mailbox: Alice Admin." in page


def test_new_conversation_tells_a_reader_they_may_not_write(client, alice, dave, team_a):
    _mailbox(team_a)
    client.force_login(dave)

    response = client.post(reverse("web:compose_new"))

    assert response.status_code == 403
    assert "lets you read conversations but not write them" in response.text
    assert "Ask a manager of your team for a role that may write: Alice Admin." in response.text


def test_new_conversation_with_a_paused_mailbox_chosen_explains_too(client, bob, team_a):
    mailbox = pause_mailbox(mailbox=_mailbox(team_a))
    client.force_login(bob)

    response = client.post(reverse("web:compose_new"), {"mailbox": mailbox.pk})

    assert response.status_code == 403
    assert "mailbox you send from is paused" in response.text


def test_new_conversation_with_another_teams_mailbox_is_still_a_404(client, charlie, team_a):
    mailbox = _mailbox(team_a)
    client.force_login(charlie)

    response = client.post(reverse("web:compose_new"), {"mailbox": mailbox.pk})

    assert response.status_code == 404
    assert "support" not in response.text


def test_new_conversation_opens_the_composer_when_a_mailbox_is_active(client, bob, team_a):
    _mailbox(team_a)
    client.force_login(bob)

    response = client.post(reverse("web:compose_new"))

    assert response.status_code == 302
    assert "/compose/" in response["Location"]


# The composer's Trix toolbar speaks the page's language.


def test_the_composer_gives_the_editor_toolbar_translated_labels(client, bob, team_a):
    _mailbox(team_a)
    client.force_login(bob)

    page = client.get(client.post(reverse("web:compose_new"))["Location"]).text

    assert 'data-trix-lang-bold="Bold"' in page
    assert 'data-trix-lang-url-placeholder="Enter a URL…"' in page
    # compose.js sets the labels on an event Trix fires when it starts: it is loaded first.
    assert page.index("compose/compose.js") < page.index("trix.umd.min.js")


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")
def test_the_editor_toolbar_shows_the_labels_the_page_gives_it(live_server, bob, team_a):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import Route, expect, sync_playwright

    draft = start_new_conversation(user=bob, mailbox=_mailbox(team_a))
    url = f"{live_server.url}{reverse('web:compose', args=[draft.pk])}"

    def in_polish(route: Route) -> None:
        # Stands for the Polish catalog, which the translator fills in later.
        response = route.fetch()
        body = response.text().replace(
            'data-trix-lang-bold="Bold"', 'data-trix-lang-bold="Pogrubienie"'
        )
        route.fulfill(response=response, body=body)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = browser.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{live_server.url}{reverse('accounts:login')}")
        page.get_by_label("E-mail").fill(bob.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/(inbox/)?$"))
        page.route(url, in_polish)
        page.goto(url)
        bold = page.locator("trix-toolbar [data-trix-attribute=bold]")
        expect(bold).to_have_attribute("title", "Pogrubienie")
        expect(page.locator("trix-toolbar [data-trix-attribute=italic]")).to_have_attribute(
            "title", "Italic"
        )
        browser.close()


def test_inbox_folders_have_labels_of_their_own_not_the_status_labels(client, bob):
    set_language(user=bob, language="pl")
    client.force_login(bob)

    page = client.get(reverse("web:inbox")).text

    folders = dict(re.findall(r'data-testid="folder-(\w+)">([^<]+)<', page))
    # "Otwarta", "Zamknięta" name a conversation's status; a folder holds many.
    assert not folders["open"].startswith("Otwarta")
    assert not folders["closed"].startswith("Zamknięta")
