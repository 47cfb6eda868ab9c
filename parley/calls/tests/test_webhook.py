from __future__ import annotations

import json
import time

import pytest

from parley.calls.models import Call, Origin, Phase
from parley.calls.services.setup import rotate_webhook_secret
from parley.calls.signing import TOLERANCE_SECONDS, signature

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "call_id": "1700000000.42",
    "event": "ended",
    "direction": "in",
    "from_number": "+48601234567",
    "to_number": "100",
    "started_at": "2026-03-02T10:15:00+01:00",
    "duration": 73,
    "result": "answered",
    "agent": "101",
}


def _post(client, settings, body: bytes, *, timestamp=None, secret=None, sig=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "X-Parley-Timestamp": str(timestamp),
        "X-Parley-Signature": sig or signature(secret or settings.webhook_secret, timestamp, body),
    }
    return client.post(
        f"/hooks/calls/{settings.webhook_id}",
        data=body,
        content_type="application/json",
        headers=headers,
    )


def test_a_signed_call_is_recorded_and_matched(client, call_settings, jan):
    response = _post(client, call_settings, json.dumps(PAYLOAD).encode())
    assert response.status_code == 201
    call = Call.objects.get()
    assert (call.contact, call.origin, call.duration) == (jan, Origin.WEBHOOK, 73)
    assert call.started_at.isoformat() == "2026-03-02T09:15:00+00:00"


def test_a_retried_delivery_answers_200_with_the_same_call(client, call_settings):
    body = json.dumps(PAYLOAD).encode()
    first = _post(client, call_settings, body)
    second = _post(client, call_settings, body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Call.objects.count() == 1


def test_ringing_then_ended_updates_one_call(client, call_settings):
    _post(client, call_settings, json.dumps(PAYLOAD | {"event": "ringing"}).encode())
    assert Call.objects.get().phase == Phase.RINGING
    _post(client, call_settings, json.dumps(PAYLOAD).encode())
    assert Call.objects.get().phase == Phase.ENDED


def test_a_bad_signature_is_rejected(client, call_settings):
    response = _post(client, call_settings, json.dumps(PAYLOAD).encode(), secret="wrong")
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_a_signature_of_another_body_is_rejected(client, call_settings):
    now = int(time.time())
    sig = signature(call_settings.webhook_secret, now, b"{}")
    response = _post(client, call_settings, json.dumps(PAYLOAD).encode(), timestamp=now, sig=sig)
    assert response.status_code == 403


def test_an_old_timestamp_is_rejected_even_when_signed(client, call_settings):
    old = int(time.time()) - TOLERANCE_SECONDS - 5
    response = _post(client, call_settings, json.dumps(PAYLOAD).encode(), timestamp=old)
    assert response.status_code == 403
    assert "too old" in response.json()["detail"]


def test_a_replayed_signature_with_a_fresh_timestamp_is_rejected(client, call_settings):
    body = json.dumps(PAYLOAD).encode()
    old = int(time.time()) - TOLERANCE_SECONDS - 5
    sig = signature(call_settings.webhook_secret, old, body)
    assert _post(client, call_settings, body, sig=sig).status_code == 403


def test_missing_headers_are_rejected(client, call_settings):
    response = client.post(
        f"/hooks/calls/{call_settings.webhook_id}",
        data=json.dumps(PAYLOAD),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_rotated_secret_invalidates_the_old_one(client, call_settings, team_a):
    old_secret = call_settings.webhook_secret
    rotate_webhook_secret(team=team_a)
    body = json.dumps(PAYLOAD).encode()
    assert _post(client, call_settings, body, secret=old_secret).status_code == 403


def test_an_unknown_webhook_id_is_404(client, call_settings):
    response = client.post(
        "/hooks/calls/00000000-0000-0000-0000-000000000000",
        data="{}",
        content_type="application/json",
    )
    assert response.status_code == 404


def test_an_invalid_payload_is_400(client, call_settings):
    body = json.dumps(PAYLOAD | {"direction": "sideways"}).encode()
    response = _post(client, call_settings, body)
    assert response.status_code == 400
    assert not Call.objects.exists()


def test_get_is_not_allowed(client, call_settings):
    assert client.get(f"/hooks/calls/{call_settings.webhook_id}").status_code == 405


def test_the_call_goes_to_the_webhook_team_only(client, call_settings, team_a, team_b):
    _post(client, call_settings, json.dumps(PAYLOAD).encode())
    assert Call.objects.get().team == team_a


def test_a_blank_result_on_a_ringing_event_is_accepted(client, call_settings):
    body = json.dumps(PAYLOAD | {"event": "ringing", "result": ""}).encode()
    assert _post(client, call_settings, body).status_code == 201
    assert Call.objects.get().result == ""
