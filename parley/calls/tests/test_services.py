from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.utils import timezone

from parley.calls.exceptions import CallsError
from parley.calls.models import Call, Direction, Origin, Phase, Result, Triage
from parley.calls.services.calls import (
    CallReport,
    create_contact_from_call,
    ignore_call,
    link_call,
    log_call,
    record_call,
    restore_call,
    unlink_call,
)
from parley.calls.services.setup import set_agent_extension
from parley.contacts.services import NewPhone, create_contact

pytestmark = pytest.mark.django_db


def _report(**overrides):
    base = CallReport(
        direction=Direction.INBOUND,
        from_number="0048 601 234 567",
        to_number="100",
        duration=30,
        external_id="abc-1",
    )
    return dataclasses.replace(base, **overrides)


def test_the_same_external_id_twice_makes_one_call(team_a):
    first, created = record_call(team=team_a, report=_report(), origin=Origin.API)
    again, created_again = record_call(team=team_a, report=_report(), origin=Origin.API)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Call.objects.count() == 1


def test_the_same_external_id_in_another_team_is_another_call(team_a, team_b):
    record_call(team=team_a, report=_report(), origin=Origin.API)
    _call, created = record_call(team=team_b, report=_report(), origin=Origin.API)
    assert created
    assert Call.objects.count() == 2


def test_calls_without_an_external_id_are_never_merged(team_a):
    record_call(team=team_a, report=_report(external_id=""), origin=Origin.API)
    record_call(team=team_a, report=_report(external_id=""), origin=Origin.API)
    assert Call.objects.count() == 2


def test_one_matching_contact_links_the_call(team_a, jan):
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    assert call.contact == jan
    assert call.triage == Triage.LINKED
    assert call.from_e164 == "+48601234567"


def test_several_matching_contacts_leave_the_call_ready_with_candidates(team_a, jan):
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"}, phones=[NewPhone("601234567")])
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    assert call.contact is None
    assert call.triage == Triage.READY
    assert set(call.candidates.all()) == {jan, ewa}


def test_no_matching_contact_leaves_the_call_ready(team_a):
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    assert call.triage == Triage.READY
    assert not call.candidates.exists()


def test_a_contact_of_another_team_does_not_match(team_b, jan):
    call, _ = record_call(team=team_b, report=_report(), origin=Origin.API)
    assert call.contact is None


def test_an_outbound_call_matches_the_called_number(team_a, jan):
    report = _report(direction=Direction.OUTBOUND, from_number="100", to_number="+48601234567")
    call, _ = record_call(team=team_a, report=report, origin=Origin.API)
    assert call.contact == jan


def test_an_anonymous_caller_is_kept_and_matches_nothing(team_a, jan):
    call, _ = record_call(team=team_a, report=_report(from_number="anonymous"), origin=Origin.API)
    assert call.from_raw == "anonymous"
    assert call.from_e164 == ""
    assert call.triage == Triage.READY


def test_the_agent_is_found_by_extension_or_e_mail(team_a, bob, charlie):
    set_agent_extension(team=team_a, user=bob, extension="101")
    by_extension, _ = record_call(team=team_a, report=_report(agent="101"), origin=Origin.API)
    by_email, _ = record_call(
        team=team_a, report=_report(external_id="2", agent="BOB@example.com"), origin=Origin.API
    )
    outsider, _ = record_call(
        team=team_a, report=_report(external_id="3", agent=charlie.email), origin=Origin.API
    )
    assert by_extension.agent == bob
    assert by_email.agent == bob
    assert outsider.agent is None
    assert outsider.agent_ref == charlie.email


def test_a_later_event_advances_the_call_and_an_older_one_does_not(team_a):
    ringing, _ = record_call(team=team_a, report=_report(phase=Phase.RINGING), origin=Origin.API)
    assert (ringing.phase, ringing.result) == (Phase.RINGING, "")
    ended, created = record_call(team=team_a, report=_report(duration=95), origin=Origin.API)
    assert not created
    assert (ended.phase, ended.duration, ended.result) == (Phase.ENDED, 95, Result.ANSWERED)
    late, _ = record_call(team=team_a, report=_report(phase=Phase.RINGING), origin=Origin.API)
    assert late.phase == Phase.ENDED


def test_an_ended_call_without_duration_or_result_is_missed(team_a):
    call, _ = record_call(team=team_a, report=_report(duration=0), origin=Origin.API)
    assert call.result == Result.MISSED


def test_creating_a_contact_puts_the_number_in_its_phone_field(team_a, bob):
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    contact = create_contact_from_call(call=call, actor=bob, first_name="Nowy")
    assert [p.e164 for p in contact.phones.all()] == ["+48601234567"]
    call.refresh_from_db()
    assert (call.contact, call.triage, call.triaged_by) == (contact, Triage.LINKED, bob)


def test_a_contact_created_without_a_name_is_named_after_the_number(team_a, bob):
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    contact = create_contact_from_call(call=call, actor=bob)
    assert contact.first_name == "0048 601 234 567"


def test_choosing_a_candidate_links_and_clears_the_candidates(team_a, bob, jan):
    create_contact(team=team_a, fields={"first_name": "Ewa"}, phones=[NewPhone("601234567")])
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    link_call(call=call, contact=jan, actor=bob)
    call.refresh_from_db()
    assert call.contact == jan
    assert not call.candidates.exists()


def test_linking_to_a_contact_of_another_team_is_refused(team_a, team_b, bob):
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    other = create_contact(team=team_b, fields={"first_name": "Obcy"})
    with pytest.raises(CallsError):
        link_call(call=call, contact=other, actor=bob)


def test_ignore_keeps_the_reason_and_restore_undoes_it(team_a, bob, jan):
    call, _ = record_call(
        team=team_a, report=_report(from_number="+48 22 628 12 34"), origin=Origin.API
    )
    ignore_call(call=call, actor=bob, reason="Spam")
    call.refresh_from_db()
    assert (call.triage, call.ignore_reason, call.triaged_by) == (Triage.IGNORED, "Spam", bob)
    restore_call(call=call, actor=bob)
    call.refresh_from_db()
    assert (call.triage, call.ignore_reason) == (Triage.READY, "")


def test_restoring_a_linked_call_keeps_it_linked(team_a, bob, jan):
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    ignore_call(call=call, actor=bob)
    restore_call(call=call, actor=bob)
    assert call.triage == Triage.LINKED


def test_unlinking_returns_the_call_to_ready(team_a, bob, jan):
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    unlink_call(call=call, actor=bob)
    call.refresh_from_db()
    assert (call.contact, call.triage) == (None, Triage.READY)


def test_a_call_logged_by_hand_belongs_to_the_agent_and_is_matched(team_a, bob, jan):
    started = timezone.now() - timedelta(minutes=5)
    call = log_call(
        team=team_a,
        actor=bob,
        direction=Direction.OUTBOUND,
        number="601 234 567",
        started_at=started,
        duration=60,
        result=Result.ANSWERED,
        note="Asked for an offer",
    )
    assert (call.agent, call.origin, call.contact) == (bob, Origin.MANUAL, jan)
    assert call.to_e164 == "+48601234567"


def test_logging_a_call_with_a_bad_number_is_refused(team_a, bob):
    with pytest.raises(CallsError):
        log_call(
            team=team_a,
            actor=bob,
            direction=Direction.INBOUND,
            number="12",
            started_at=timezone.now(),
            duration=0,
            result=Result.MISSED,
        )


def test_an_extension_belongs_to_one_user_per_team(team_a, alice, bob):
    set_agent_extension(team=team_a, user=bob, extension="101")
    with pytest.raises(CallsError):
        set_agent_extension(team=team_a, user=alice, extension="101")


def test_one_open_lead_with_the_number_links_the_call(team_a, bob):
    from parley.contacts.services.leads import create_lead

    lead = create_lead(team=team_a, name="Offer request", phone="601 234 567")
    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    assert (call.lead, call.contact, call.triage) == (lead, None, Triage.LINKED)


def test_create_lead_puts_the_number_in_its_phone_field(team_a, bob):
    from parley.calls.services.calls import create_lead_from_call

    call, _ = record_call(team=team_a, report=_report(), origin=Origin.API)
    lead = create_lead_from_call(call=call, actor=bob)
    assert (lead.phone_e164, lead.salesperson) == ("+48601234567", bob)
    call.refresh_from_db()
    assert (call.lead, call.triage) == (lead, Triage.LINKED)
