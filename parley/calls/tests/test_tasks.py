from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import override

import pytest

from parley.calls.services.setup import (
    call_settings_for,
    request_outbound_call,
    set_agent_extension,
    set_outbound_url,
)
from parley.calls.signing import verify
from parley.calls.tasks import send_outbound_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx():
    """A real HTTP server on 127.0.0.1 standing in for the PBX's click-to-call endpoint."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(202)
            self.end_headers()

        @override
        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/dial", received
    server.shutdown()
    server.server_close()


def test_click_to_call_posts_a_signed_request_to_the_pbx(
    team_a, bob, pbx, django_capture_on_commit_callbacks
):
    url, received = pbx
    set_outbound_url(team=team_a, url=url)
    set_agent_extension(team=team_a, user=bob, extension="101")
    with django_capture_on_commit_callbacks(execute=True):
        request_outbound_call(team=team_a, user=bob, number="601 234 567")
    [(headers, body)] = received
    assert json.loads(body) == {"from_extension": "101", "to_number": "+48601234567"}
    verify(
        secret=call_settings_for(team_a).webhook_secret,
        body=body,
        header_signature=headers["X-Parley-Signature"],
        header_timestamp=headers["X-Parley-Timestamp"],
        now=time.time(),
    )


def test_an_unreachable_pbx_is_logged_not_raised(team_a, caplog):
    set_outbound_url(team=team_a, url="http://127.0.0.1:9/dial")
    result = send_outbound_call.call(
        team_id=team_a.pk, from_extension="1", to_number="+48601234567"
    )
    assert result is None
    assert "failed" in caplog.text


def test_a_team_without_an_outbound_url_sends_nothing(team_a):
    assert send_outbound_call.call(team_id=team_a.pk, from_extension="1", to_number="+1") is None
