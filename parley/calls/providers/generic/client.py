"""The click-to-call request to a team's PBX: a signed JSON POST (the only network code here).

Called from the `send_outbound_call` task only. The transport is a `Protocol` so unit tests
swap it; the default one uses urllib with a short timeout.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Protocol, TypedDict

from parley.calls.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

TIMEOUT_SECONDS = 10


class OutboundCall(TypedDict):
    from_extension: str
    to_number: str


class Transport(Protocol):
    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...


def urllib_transport(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body`; the HTTP status, or raises OSError (urllib's HTTPError included)."""
    if not url.startswith(("https://", "http://")):
        raise OSError(f"Refusing a non-HTTP click-to-call URL: {url!r}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310  # scheme checked above
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # scheme checked above
        return int(response.status)


def post_outbound_call(
    *, url: str, secret: str, payload: OutboundCall, transport: Transport = urllib_transport
) -> int:
    """Send the signed request; returns the HTTP status the PBX answered."""
    body = json.dumps(payload).encode("utf-8")
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Parley click-to-call",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
    return transport(url, body, headers)
