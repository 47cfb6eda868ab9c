from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from parley.contacts.exceptions import ContactsError
from parley.contacts.models import ActivityKind
from parley.contacts.services import (
    create_contact,
    create_organization,
    update_contact_profile,
    update_organization_profile,
)
from parley.contacts.services.timeline import log_event
from parley.contacts.timeline import PAGE_SIZE, timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan(team_a):
    return create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@example.pl"])


def test_a_field_change_lands_on_the_timeline_with_old_and_new(jan, bob):
    update_contact_profile(contact=jan, fields={"last_name": "Nowak"}, tags=["VIP"], actor=bob)
    entries, _next = timeline(jan, kinds=frozenset({ActivityKind.FIELD_CHANGE}))
    changes = [(c.field, c.old, c.new) for entry in entries for c in entry.changes]
    assert ("last_name", "", "Nowak") in changes
    assert ("tags", "", "VIP") in changes


def test_a_logged_event_shows_in_time_order(jan, bob):
    now = datetime.now(UTC)
    log_event(record=jan, kind="call", text="Oddzwonić", actor=bob, occurred_at=now)
    log_event(record=jan, kind="sms", text="SMS", actor=bob, occurred_at=now - timedelta(days=1))
    entries, _next = timeline(jan, kinds=frozenset({"call", "sms"}))
    assert [entry.kind for entry in entries] == ["call", "sms"]


def test_the_kind_filter_hides_other_kinds(jan, bob):
    log_event(record=jan, kind="fax", text="Fax", actor=bob)
    entries, _next = timeline(jan, kinds=frozenset({"meeting"}))
    assert entries == []


def test_it_refuses_to_log_a_field_change_by_hand(jan, bob):
    with pytest.raises(ContactsError):
        log_event(record=jan, kind=ActivityKind.FIELD_CHANGE, text="x", actor=bob)


def test_it_refuses_an_empty_event(jan, bob):
    with pytest.raises(ContactsError):
        log_event(record=jan, kind="note", text=" ", actor=bob)


def test_pages_follow_each_other_without_overlap(jan, bob):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for minute in range(PAGE_SIZE + 5):
        log_event(
            record=jan,
            kind="note",
            text=f"n{minute}",
            actor=bob,
            occurred_at=start + timedelta(minutes=minute),
        )
    first, before = timeline(jan, kinds=frozenset({"note"}))
    assert len(first) == PAGE_SIZE
    assert before is not None
    second, after = timeline(jan, kinds=frozenset({"note"}), before=before)
    assert [entry.text for entry in second] == [f"n{m}" for m in range(4, -1, -1)]
    assert after is None


def test_an_organization_shows_its_contacts_events(team_a, bob):
    acme = create_organization(team=team_a, fields={"name": "Acme"})
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"}, organization=acme)
    log_event(record=ewa, kind="meeting", text="Spotkanie", actor=bob)
    update_organization_profile(organization=acme, fields={"city": "Gdańsk"}, actor=bob)
    entries, _next = timeline(acme)
    assert {"meeting", "field_change"} <= {entry.kind for entry in entries}


def test_a_contact_timeline_shows_mail_from_and_to_its_addresses(team_a, settings, tmp_path):
    from parley.mail.tests.support import ingest_at, make_folder, make_mailbox, use_tmp_storage

    use_tmp_storage(settings, tmp_path)
    jan = create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@example.pl"])
    folder = make_folder(make_mailbox(team_a))
    inbound = (
        b"From: Jan <JAN@example.pl>\r\nTo: support@parley.test\r\nSubject: Pytanie o meble\r\n"
        b"Message-ID: <a1@example.pl>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\nDzien dobry\r\n"
    )
    outbound = (
        b"From: support@parley.test\r\nTo: Jan <jan@example.pl>\r\nSubject: Re: Pytanie o meble\r\n"
        b"Message-ID: <a2@parley.test>\r\nDate: Mon, 2 Mar 2026 11:00:00 +0100\r\n\r\nOdpowiedz\r\n"
    )
    other = (
        b"From: ewa@example.pl\r\nTo: support@parley.test\r\nSubject: Inna sprawa\r\n"
        b"Message-ID: <a3@example.pl>\r\nDate: Mon, 2 Mar 2026 12:00:00 +0100\r\n\r\nx\r\n"
    )
    for uid, raw in enumerate((inbound, outbound, other), start=1):
        ingest_at(raw, folder, uid)
    entries, _next = timeline(jan, kinds=frozenset({"email"}))
    assert [entry.text for entry in entries] == ["Re: Pytanie o meble", "Pytanie o meble"]


def test_calls_linked_to_the_contact_or_lead_show(team_a, jan, bob):
    from parley.calls.models import Call, Direction
    from parley.contacts.services.leads import create_lead

    lead = create_lead(team=team_a, name="Zapytanie", phone="601234567")
    Call.objects.create(
        team=team_a, direction=Direction.INBOUND, from_raw="601234567", to_raw="100", contact=jan
    )
    Call.objects.create(
        team=team_a, direction=Direction.OUTBOUND, from_raw="100", to_raw="601234567", lead=lead
    )
    contact_calls, _next = timeline(jan, kinds=frozenset({"call"}))
    assert [entry.text for entry in contact_calls] == ["Incoming: 601234567 → 100"]
    assert contact_calls[0].url.startswith("/calls/")
    lead_calls, _next = timeline(lead, kinds=frozenset({"call"}))
    assert [entry.text for entry in lead_calls] == ["Outgoing: 100 → 601234567"]
