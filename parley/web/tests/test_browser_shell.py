"""Drive a real Chromium through the sign-in page and the application shell."""

from __future__ import annotations

import re

from django.urls import reverse

from conftest import PASSWORD
from parley.testing.browser import browser, csp_violations, sign_in

pytestmark = browser


def test_it_signs_in_sees_the_shell_and_switches_to_polish(live_server, page, console_log, bob):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("E-mail").fill("bob@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Inbox")).to_be_visible()
    expect(nav.get_by_role("link", name="Settings")).to_be_visible()
    expect(nav.get_by_text("Contacts")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Bob Agent")
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    # htmx loaded from our static files, not blocked by the policy.
    assert page.evaluate("typeof window.htmx") == "object"

    page.get_by_label("Language").select_option("pl")
    nav = page.get_by_role("navigation", name="Nawigacja główna")
    expect(nav.get_by_role("link", name="Ustawienia")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    bob.refresh_from_db()
    assert bob.language == "pl"

    assert csp_violations(console_log) == []


def test_g_then_i_opens_the_inbox(live_server, page, console_log, bob):
    from playwright.sync_api import expect

    sign_in(page, live_server.url, bob)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    page.wait_for_load_state()  # the shortcuts script is deferred
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("g")
    page.keyboard.press("i")
    expect(page).to_have_url(f"{live_server.url}{reverse('web:inbox')}")
    assert csp_violations(console_log) == []


def test_a_wrong_password_is_answered_on_the_page(live_server, page, console_log, bob):
    from playwright.sync_api import expect

    sign_in(page, live_server.url, bob, password="wrong")
    expect(page.get_by_text("The e-mail or the password is not correct.")).to_be_visible()
    assert csp_violations(console_log) == []
