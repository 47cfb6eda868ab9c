from __future__ import annotations

import pytest

from parley.calls.models import Call, Direction, Origin, Triage
from parley.calls.services.calls import CallReport, ignore_call, record_call
from parley.calls.tests.factories import CallFactory
from parley.testing import api_headers

pytestmark = pytest.mark.django_db

BODY = {
    "external_id": "pbx-77",
    "direction": "in",
    "from_number": "601 234 567",
    "to_number": "100",
}


def _post(client, user, body):
    return client.post(
        "/api/v1/calls", data=body, content_type="application/json", headers=api_headers(user)
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/v1/calls"), ("post", "/api/v1/calls"), ("get", "/api/v1/calls/1")],
)
def test_every_endpoint_needs_a_token(client, method, url):
    assert getattr(client, method)(url).status_code == 401


def test_a_wrong_token_is_refused(client):
    response = client.get("/api/v1/calls", headers={"Authorization": "Bearer prl_nope"})
    assert response.status_code == 401


def test_posting_the_same_external_id_twice_answers_201_then_200(client, bob, jan):
    first = _post(client, bob, BODY)
    second = _post(client, bob, BODY)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["contact_id"] == jan.pk
    assert first.json()["triage"] == Triage.LINKED
    assert Call.objects.count() == 1


def test_a_later_event_updates_the_call(client, bob):
    _post(client, bob, BODY | {"event": "ringing"})
    response = _post(client, bob, BODY | {"event": "ended", "duration": 61})
    assert response.status_code == 200
    assert (response.json()["phase"], response.json()["duration"]) == ("ended", 61)


def test_a_reader_may_not_record_a_call(client, dave):
    assert _post(client, dave, BODY | {"team": dave.teams.get().pk}).status_code == 403


def test_a_reader_without_a_writable_team_must_name_one(client, dave):
    assert _post(client, dave, BODY).status_code == 422


def test_an_outsider_may_not_record_into_another_team(client, charlie, team_a):
    assert _post(client, charlie, BODY | {"team": team_a.pk}).status_code == 404


def test_the_candidates_are_listed(client, bob, team_a, jan):
    from parley.contacts.services import NewPhone, create_contact

    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"}, phones=[NewPhone("601234567")])
    body = _post(client, bob, BODY).json()
    assert body["contact_id"] is None
    assert sorted(body["candidate_ids"]) == sorted([jan.pk, ewa.pk])


def test_an_invalid_payload_is_422(client, bob):
    assert _post(client, bob, BODY | {"direction": "sideways"}).status_code == 422
    assert _post(client, bob, BODY | {"recording_url": "javascript:x"}).status_code == 422


def test_the_list_shows_the_team_calls_only(client, bob, team_a, team_b):
    mine = CallFactory.create(team=team_a)
    CallFactory.create(team=team_b)
    response = client.get("/api/v1/calls", headers=api_headers(bob))
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [mine.pk]


def test_a_reader_may_list_and_read(client, dave, team_a):
    call = CallFactory.create(team=team_a)
    assert client.get("/api/v1/calls", headers=api_headers(dave)).json()["count"] == 1
    assert client.get(f"/api/v1/calls/{call.pk}", headers=api_headers(dave)).status_code == 200


def test_the_list_filters_by_triage_direction_and_dates(client, bob, team_a):
    report = CallReport(direction=Direction.OUTBOUND, from_number="100", to_number="22 628 12 34")
    ignored, _ = record_call(team=team_a, report=report, origin=Origin.API)
    ignore_call(call=ignored, actor=bob, reason="test")
    ready = CallFactory.create(team=team_a)
    headers = api_headers(bob)

    def get(**q):
        return [c["id"] for c in client.get("/api/v1/calls", q, headers=headers).json()["items"]]

    assert get(triage="ready") == [ready.pk]
    assert get(triage="ignored") == [ignored.pk]
    assert get(direction="out") == [ignored.pk]
    assert get(since="2000-01-01T00:00:00Z", until="2001-01-01T00:00:00Z") == []


def test_an_outsider_gets_404_for_a_call(client, charlie, team_a):
    call = CallFactory.create(team=team_a)
    assert client.get(f"/api/v1/calls/{call.pk}", headers=api_headers(charlie)).status_code == 404


def test_a_teammate_reads_a_call(client, alice, team_a):
    call = CallFactory.create(team=team_a)
    response = client.get(f"/api/v1/calls/{call.pk}", headers=api_headers(alice))
    assert response.json()["from_number"] == "+48 601 234 567"


def test_a_number_of_several_leads_lists_them_to_choose_from(client, bob, team_a):
    from parley.contacts.services.leads import create_lead

    leads = [create_lead(team=team_a, name=n, phone="601 234 567", actor=bob) for n in "AB"]
    body = _post(client, bob, BODY).json()
    assert body["triage"] == Triage.READY
    assert sorted(body["lead_candidate_ids"]) == sorted(lead.pk for lead in leads)
    listed = client.get("/api/v1/calls", headers=api_headers(bob)).json()["items"]
    assert sorted(listed[0]["lead_candidate_ids"]) == sorted(lead.pk for lead in leads)


def test_a_readers_refusal_says_why(client, dave):
    response = _post(client, dave, BODY | {"team": dave.memberships.get().team_id})
    assert response.status_code == 403
    assert "may read but not change" in response.json()["detail"]
