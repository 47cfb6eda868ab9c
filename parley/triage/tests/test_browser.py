"""Triage three e-mails in a real Chromium: create a lead, attach to a lead, ignore."""

from __future__ import annotations

from parley.contacts.models import Lead
from parley.contacts.services.leads import create_lead
from parley.testing.browser import browser, sign_in
from parley.triage.models import EmailTriage, State
from parley.triage.tests.support import email, receive

pytestmark = browser


def test_an_agent_triages_three_emails(live_server, page, bob, mailbox, team_a):
    from playwright.sync_api import expect

    existing = create_lead(team=team_a, name="Dach Kowalskich")
    first = receive(mailbox, email(sender="Ola Kot <ola@kot.pl>", subject="Wycena okien"))
    second = receive(mailbox, email(sender="jan@kowalski.pl", subject="Dach raz jeszcze"))
    third = receive(mailbox, email(sender="news@sklep.pl", subject="Promocja tygodnia"))

    sign_in(page, live_server.url, bob, path="/triage/")
    expect(page.get_by_test_id("nav-triage-count")).to_have_text("3")
    expect(page.get_by_test_id("triage-row")).to_have_count(3)

    # Create: a lead from the first e-mail, straight from the list.
    page.get_by_test_id("triage-row").filter(has_text="Wycena okien").get_by_role(
        "button", name="Create"
    ).click()
    expect(page.get_by_test_id("triage-row")).to_have_count(2)

    # Attach: open the second e-mail, search the existing lead, attach.
    page.get_by_role("link", name="Dach raz jeszcze").click()
    page.get_by_test_id("record-search").fill("Kowalskich")
    page.get_by_test_id("attach-lead").click()
    expect(page.get_by_test_id("triage-record")).to_contain_text("Dach Kowalskich")

    # Ignore: back in the list, with the keyboard (j selects the row, i ignores it).
    page.goto(f"{live_server.url}/triage/")
    expect(page.get_by_test_id("triage-row")).to_have_count(1)
    page.keyboard.press("j")
    page.keyboard.press("i")
    expect(page.get_by_text("Nothing waits for a decision.")).to_be_visible()

    rows = {row.pk: row for row in EmailTriage.objects.all()}
    assert rows[first.pk].lead == Lead.objects.get(email="ola@kot.pl")
    assert (rows[second.pk].state, rows[second.pk].lead) == (State.LINKED, existing)
    assert rows[third.pk].state == State.IGNORED


def test_an_agent_creates_a_lead_from_a_ready_call(live_server, page, bob, team_a):
    from playwright.sync_api import expect

    from parley.calls.models import Direction, Origin, Result
    from parley.calls.services.calls import CallReport, record_call

    call, _created = record_call(
        team=team_a,
        report=CallReport(
            direction=Direction.INBOUND,
            from_number="+48 601 555 123",
            to_number="+48 22 100 20 30",
            result=Result.MISSED,
            external_id="pbx-1",
        ),
        origin=Origin.API,
    )

    sign_in(page, live_server.url, bob, path="/calls/")
    expect(page.get_by_test_id("call-row")).to_have_count(1)
    page.get_by_test_id("call-row").get_by_role("button", name="Create").click()
    expect(page.get_by_test_id("call-row")).to_have_count(0)

    lead = Lead.objects.get()
    assert lead.phone_e164 == "+48601555123"
    call.refresh_from_db()
    assert call.lead == lead


def test_an_agent_attaches_two_calls_in_bulk_by_autocomplete(live_server, page, bob, team_a):
    from playwright.sync_api import expect

    from parley.calls.tests.factories import CallFactory
    from parley.contacts.services import create_contact

    jan = create_contact(team=team_a, fields={"first_name": "Jan", "last_name": "Kowalski"})
    calls = [
        CallFactory.create(team=team_a, from_raw=raw, from_e164=e164)
        for raw, e164 in [("22 628 12 34", "+48226281234"), ("22 628 55 55", "+48226285555")]
    ]

    sign_in(page, live_server.url, bob, path="/calls/")
    expect(page.get_by_test_id("nav-call-count")).to_have_text("2")
    expect(page.get_by_test_id("call-row")).to_have_count(2)

    # Tick both rows with the keyboard, then choose the contact in the autocomplete.
    for key in ("j", "x", "j", "x"):
        page.keyboard.press(key)
    page.get_by_test_id("bulk-action").select_option("attach")
    page.get_by_test_id("bulk-record").fill("Kowal")
    page.get_by_test_id("lookup-option").filter(has_text="Jan Kowalski").click()
    expect(page.get_by_test_id("bulk-record")).to_have_value("Jan Kowalski")
    page.get_by_test_id("bulk-apply").click()

    expect(page.get_by_test_id("bulk-result")).to_have_count(2)
    expect(page.get_by_text("2 calls done.")).to_be_visible()
    for call in calls:
        call.refresh_from_db()
        assert call.contact == jan


def test_an_agent_picks_the_contact_of_a_meeting(live_server, page, bob, team_a):
    from playwright.sync_api import expect

    from parley.calls.models import Meeting
    from parley.contacts.services import NewPhone, create_contact

    jan = create_contact(
        team=team_a,
        fields={"first_name": "Jan", "last_name": "Kowalski"},
        phones=[NewPhone("601 234 567")],
    )

    sign_in(page, live_server.url, bob, path="/meetings/new/")
    page.get_by_test_id("meeting-contact").fill("Kowal")
    page.get_by_test_id("lookup-option").filter(has_text="Jan Kowalski").click()
    # The empty name and number are taken from the chosen contact.
    expect(page.get_by_label("Name")).to_have_value("Jan Kowalski")
    expect(page.get_by_label("Phone number")).to_have_value("601 234 567")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The meeting has been planned.")).to_be_visible()
    meeting = Meeting.objects.get()
    assert (meeting.contact, meeting.phone_e164) == (jan, "+48601234567")


def test_a_ringing_call_opens_the_callers_card_when_asked(live_server, page, bob, team_a):
    import re

    from playwright.sync_api import expect

    from parley.calls.models import Direction, Origin, Phase
    from parley.calls.services.calls import CallReport, record_call
    from parley.contacts.services import NewPhone, create_contact

    jan = create_contact(
        team=team_a, fields={"first_name": "Jan"}, phones=[NewPhone("+48 601 555 123")]
    )
    sign_in(page, live_server.url, bob, path="/meetings/")
    report = CallReport(
        direction=Direction.INBOUND,
        from_number="+48 601 555 123",
        to_number="100",
        phase=Phase.RINGING,
        external_id="ring-1",
    )
    record_call(team=team_a, report=report, origin=Origin.WEBHOOK)

    # The notice names the caller; ticking the box opens the card on the next poll.
    expect(page.get_by_test_id("live-call")).to_contain_text("Jan")
    page.get_by_test_id("live-auto-open").check()
    expect(page).to_have_url(re.compile(rf"/contacts/{jan.pk}/$"), timeout=15_000)
    # Once only: back on another page, the same call does not pull the agent away again.
    page.goto(f"{live_server.url}/meetings/")
    expect(page.get_by_test_id("live-auto-open")).to_be_checked()
    page.wait_for_timeout(6_000)
    expect(page).to_have_url(re.compile(r"/meetings/$"))
