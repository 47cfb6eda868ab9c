"""Bulk triage of calls from the list, with a result per call, and choosing among several
leads that share a number (the seed: one number can fit several leads)."""

from __future__ import annotations

import pytest

from parley.accounts.models import Role
from parley.accounts.services import set_membership
from parley.calls.models import Direction, Origin, Phase, Triage
from parley.calls.services.calls import CallReport, ignore_call, record_call
from parley.calls.tests.factories import CallFactory
from parley.contacts.models import Lead
from parley.contacts.services import NewPhone, create_contact
from parley.contacts.services.leads import create_lead
from parley.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(team_a):
    return [
        CallFactory.create(team=team_a, from_raw=raw, from_e164=e164)
        for raw, e164 in [("22 628 12 34", "+48226281234"), ("22 628 55 55", "+48226285555")]
    ]


def _bulk(client, ids, **data):
    return client.post("/calls/bulk/", {"ids": ids, **data})


def test_the_ready_list_offers_bulk_actions_and_keys(client, bob, calls):
    response = signed_in(client, bob).get("/calls/")
    assert 'action="/calls/bulk/"' in response.text
    assert f'name="ids" value="{calls[0].pk}"' in response.text
    assert 'data-key="i"' in response.text
    assert "parley/triage.js" in response.text


def test_a_reader_gets_no_bulk_bar(client, dave, calls):
    response = signed_in(client, dave).get("/calls/")
    assert 'data-testid="bulk-bar"' not in response.text


def test_bulk_ignore_reports_each_call(client, bob, calls, team_b):
    outsider = CallFactory.create(team=team_b, from_raw="+48 500 000 000")
    ids = [calls[0].pk, calls[1].pk, outsider.pk]
    response = _bulk(signed_in(client, bob), ids, action="ignore", reason="Spam")
    assert response.status_code == 200
    results = response.context["results"]
    assert [result.ok for result in results] == [True, True, False]
    assert results[2].label == f"#{outsider.pk}"
    assert "2 calls done." in response.text
    assert "1 call failed." in response.text
    for call in calls:
        call.refresh_from_db()
        assert (call.triage, call.ignore_reason) == (Triage.IGNORED, "Spam")
    outsider.refresh_from_db()
    assert outsider.triage == Triage.READY


def test_bulk_restore_brings_calls_back(client, bob, calls):
    for call in calls:
        ignore_call(call=call, actor=bob)
    _bulk(signed_in(client, bob), [call.pk for call in calls], action="restore", view="ignored")
    assert {call.triage for call in type(calls[0]).objects.all()} == {Triage.READY}


def test_bulk_create_makes_one_lead_per_call_with_its_number(client, bob, calls):
    _bulk(signed_in(client, bob), [call.pk for call in calls], action="lead")
    assert sorted(Lead.objects.values_list("phone_e164", flat=True)) == [
        "+48226281234",
        "+48226285555",
    ]
    for call in calls:
        call.refresh_from_db()
        assert call.triage == Triage.LINKED
        assert call.lead is not None


def test_bulk_attach_links_every_call_to_the_chosen_contact(client, bob, team_a, calls):
    jan = create_contact(team=team_a, fields={"first_name": "Jan"})
    ids = [call.pk for call in calls]
    _bulk(signed_in(client, bob), ids, action="attach", record=f"contact:{jan.pk}")
    for call in calls:
        call.refresh_from_db()
        assert (call.contact, call.triage) == (jan, Triage.LINKED)


def test_bulk_attach_to_a_lead(client, bob, team_a, calls):
    lead = create_lead(team=team_a, name="Dach", actor=bob)
    _bulk(signed_in(client, bob), [calls[0].pk], action="attach", record=f"lead:{lead.pk}")
    calls[0].refresh_from_db()
    assert calls[0].lead == lead


def test_bulk_attach_reports_a_call_of_another_team_than_the_record(
    client, alice, team_a, team_b, calls
):
    set_membership(user=alice, team=team_b, role=Role.AGENT)
    other = CallFactory.create(team=team_b, from_raw="+48 500 000 000")
    jan = create_contact(team=team_a, fields={"first_name": "Jan"})
    response = _bulk(
        signed_in(client, alice),
        [calls[0].pk, other.pk],
        action="attach",
        record=f"contact:{jan.pk}",
    )
    results = response.context["results"]
    assert [result.ok for result in results] == [True, False]
    assert "another team" in results[1].message


def test_bulk_attach_without_a_record_changes_nothing(client, bob, calls):
    response = _bulk(signed_in(client, bob), [calls[0].pk], action="attach", record="")
    assert response.status_code == 302
    calls[0].refresh_from_db()
    assert calls[0].triage == Triage.READY


def test_bulk_attach_to_an_outsiders_record_is_404(client, bob, team_b, calls):
    other = create_contact(team=team_b, fields={"first_name": "Obcy"})
    response = _bulk(
        signed_in(client, bob), [calls[0].pk], action="attach", record=f"contact:{other.pk}"
    )
    assert response.status_code == 404


def test_the_reader_bulk_changes_nothing(client, dave, calls):
    response = _bulk(signed_in(client, dave), [calls[0].pk], action="ignore")
    assert [result.ok for result in response.context["results"]] == [False]
    calls[0].refresh_from_db()
    assert calls[0].triage == Triage.READY


def test_bulk_needs_a_sign_in(client, calls):
    assert (
        client.post("/calls/bulk/", {"ids": [calls[0].pk], "action": "ignore"}).status_code == 302
    )
    calls[0].refresh_from_db()
    assert calls[0].triage == Triage.READY


# Several leads with the caller's number


@pytest.fixture
def shared_number_call(team_a, bob):
    for name in ("Dach", "Okna"):
        create_lead(team=team_a, name=name, phone="601 234 567", actor=bob)
    report = CallReport(direction=Direction.INBOUND, from_number="601234567", to_number="100")
    call, _ = record_call(team=team_a, report=report, origin=Origin.API)
    return call


def test_several_leads_with_the_number_are_offered_to_choose(client, bob, shared_number_call):
    call = shared_number_call
    assert call.triage == Triage.READY
    assert sorted(lead.name for lead in call.lead_candidates.all()) == ["Dach", "Okna"]
    card = signed_in(client, bob).get(f"/calls/{call.pk}/")
    assert "Several leads have this number" in card.text
    listing = client.get("/calls/")
    assert "Several leads:" in listing.text


def test_choosing_a_lead_links_the_call_and_clears_the_candidates(client, bob, shared_number_call):
    call = shared_number_call
    okna = Lead.objects.get(name="Okna")
    signed_in(client, bob).post(f"/calls/{call.pk}/link/", {"lead": okna.pk})
    call.refresh_from_db()
    assert (call.lead, call.triage) == (okna, Triage.LINKED)
    assert not call.lead_candidates.exists()


def test_the_card_search_finds_leads_too(client, bob, shared_number_call):
    call = shared_number_call
    found = signed_in(client, bob).get(
        f"/calls/{call.pk}/", {"q": "Okna"}, headers={"HX-Request": "true"}
    )
    assert 'data-testid="attach-lead"' in found.text


def test_a_lead_of_another_team_is_404(client, bob, team_b, charlie, shared_number_call):
    other = create_lead(team=team_b, name="Obcy", actor=charlie)
    response = signed_in(client, bob).post(
        f"/calls/{shared_number_call.pk}/link/", {"lead": other.pk}
    )
    assert response.status_code == 404


# The counter of the navigation


def test_the_navigation_loads_the_calls_counter(client, bob, calls):
    response = signed_in(client, bob).get("/calls/")
    assert 'hx-get="/calls/count/"' in response.text


def test_the_counter_counts_ready_calls_of_my_teams(client, bob, charlie, calls):
    ignore_call(call=calls[0], actor=bob)
    response = signed_in(client, bob).get("/calls/count/")
    assert 'data-testid="nav-call-count"' in response.text
    assert response.context["count"] == 1
    assert signed_in(client, charlie).get("/calls/count/").context["count"] == 0


def test_the_counter_needs_a_sign_in(client):
    assert client.get("/calls/count/").status_code == 302


# The live notice for a caller who is a lead, or one of several contacts


def _ringing(team, number, external_id):
    report = CallReport(
        direction=Direction.INBOUND,
        from_number=number,
        to_number="100",
        phase=Phase.RINGING,
        external_id=external_id,
    )
    call, _ = record_call(team=team, report=report, origin=Origin.WEBHOOK)
    return call


def test_the_live_notice_names_a_lead_caller(client, bob, team_a):
    lead = create_lead(team=team_a, name="Dach", phone="601 234 567", actor=bob)
    call = _ringing(team_a, "601234567", "r1")
    response = signed_in(client, bob).get("/calls/live")
    assert f"/leads/{lead.pk}/" in response.text
    assert f"/calls/{call.pk}/" in response.text


def test_the_live_notice_lists_the_candidates_of_a_shared_number(client, bob, team_a):
    people = [
        create_contact(team=team_a, fields={"first_name": n}, phones=[NewPhone("601234567")])
        for n in ("Jan", "Ewa")
    ]
    _ringing(team_a, "601234567", "r2")
    response = signed_in(client, bob).get("/calls/live")
    for person in people:
        assert f"/contacts/{person.pk}/" in response.text


# Linking a call to a conversation from the card's autocomplete


def test_the_card_links_the_conversation_chosen_in_the_autocomplete(client, bob, team_a, calls):
    from parley.conversations.tests.factories import make_conversation

    conversation = make_conversation(team_a, subject="Roof offer")
    client.force_login(bob)
    card = client.get(f"/calls/{calls[0].pk}/")
    assert 'data-testid="call-conversation"' in card.text
    client.post(f"/calls/{calls[0].pk}/conversation/", {"conversation": conversation.pk})
    calls[0].refresh_from_db()
    assert calls[0].conversation == conversation
    card = client.get(f"/calls/{calls[0].pk}/")
    assert f'value="#{conversation.number} Roof offer"' in card.text


def test_a_typed_number_links_without_choosing(client, bob, team_a, calls):
    from parley.conversations.tests.factories import make_conversation

    conversation = make_conversation(team_a)
    signed_in(client, bob).post(
        f"/calls/{calls[0].pk}/conversation/", {"conversation": "", "q": f"#{conversation.number}"}
    )
    calls[0].refresh_from_db()
    assert calls[0].conversation == conversation


def test_another_teams_conversation_is_refused(client, bob, team_b, calls):
    from parley.conversations.tests.factories import make_conversation

    other = make_conversation(team_b)
    response = signed_in(client, bob).post(
        f"/calls/{calls[0].pk}/conversation/", {"conversation": other.pk}, follow=True
    )
    assert "No such conversation in this team." in response.text
    calls[0].refresh_from_db()
    assert calls[0].conversation is None


# The query count of the list does not grow with the rows


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_calls_list_costs_the_same_queries_for_more_rows(client, bob, team_a, calls):
    client.force_login(bob)
    few = _queries(client, "/calls/")
    for n in range(5):
        create_lead(team=team_a, name=f"L{n}", phone="601 234 567", actor=bob)
        _ringing(team_a, "601234567", f"q{n}")
    assert _queries(client, "/calls/") == few
