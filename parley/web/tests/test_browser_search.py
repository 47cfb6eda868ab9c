"""Drive a real Chromium through the header's instant search and the results page."""

from __future__ import annotations

import re

import pytest

from parley.search.backends import KIND_SPAN, index_backend
from parley.search.tests.factories import index, make_contact, make_message
from parley.testing.browser import browser, csp_violations, sign_in

pytestmark = browser


@pytest.fixture
def indexed(team_a):
    make_message(team=team_a, subject="Reklamacja z Łodzi", text="Paczka z Łodzi nie dotarła.")
    make_contact(team=team_a, first_name="Łucja", last_name="Łódzka", emails=["lucja@lodz.pl"])
    index()
    yield
    # The index is not a model: a live-server test's flush does not empty it.
    index_backend().clear(0, 8 * KIND_SPAN)


def _sign_in(page, live_server, user):
    from playwright.sync_api import expect

    sign_in(page, live_server.url, user)

    expect(page.get_by_test_id("user-name")).to_be_visible()


@pytest.mark.usefixtures("indexed")
def test_instant_results_follow_typing_and_the_keyboard(live_server, page, console_log, bob):
    from playwright.sync_api import expect

    _sign_in(page, live_server, bob)
    page.keyboard.press("/")
    box = page.get_by_role("combobox", name="Search")
    expect(box).to_be_focused()
    box.press_sequentially("lodz", delay=40)
    options = page.locator("#search-instant a[role='option']")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#search-instant mark").first).to_have_text(re.compile("Łodzi|Łódzka"))
    box.press("ArrowDown")
    expect(options.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).to_be_focused()
    expect(options).to_have_count(0)
    box.press("ArrowDown")  # nothing listed: stays in the box
    box.press_sequentially("k")
    expect(options.first).to_be_visible()
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/conversations/\d+/|/contacts/\d+/"))
    assert csp_violations(console_log) == []


@pytest.mark.usefixtures("indexed")
def test_the_results_page_updates_as_you_type(live_server, page, console_log, bob):
    from playwright.sync_api import expect

    _sign_in(page, live_server, bob)
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Search for").press_sequentially("paczka", delay=40)
    expect(page.get_by_role("heading", name=re.compile("Conversations"))).to_be_visible()
    expect(page.locator("#results mark").first).to_have_text("Paczka")
    expect(page).to_have_url(re.compile(r"q=paczka"))
    page.get_by_label("Contacts").check()
    expect(page.locator("#results")).to_contain_text("Nothing matches.")
    assert csp_violations(console_log) == []
