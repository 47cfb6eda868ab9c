"""HMAC-SHA256 signatures of webhook bodies, inbound (PBX → Parley) and outbound (click-to-call).

The signed text is `<timestamp>.<raw body>`: signing the timestamp too is what makes the
replay check meaningful, since an unsigned timestamp header could simply be rewritten. The
header format is `X-Parley-Signature: sha256=<hex>` with `X-Parley-Timestamp: <unix seconds>`.
Pure functions: no database access.
"""

from __future__ import annotations

import hashlib
import hmac

from django.utils.translation import gettext as _

from parley.calls.exceptions import InvalidSignatureError

SIGNATURE_HEADER = "X-Parley-Signature"
TIMESTAMP_HEADER = "X-Parley-Timestamp"
# How far a webhook's timestamp may be from our clock, either way, in seconds.
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for `body` sent at `timestamp`: `sha256=<hex>`."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    *, secret: str, body: bytes, header_signature: str, header_timestamp: str, now: float
) -> None:
    """Raise InvalidSignatureError unless the signature matches and the timestamp is fresh."""
    try:
        timestamp = int(header_timestamp.strip())
    except ValueError:
        raise InvalidSignatureError(_("The timestamp header is missing or invalid.")) from None
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignatureError(_("The request is too old (or the clocks disagree)."))
    expected = signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode("ascii"), header_signature.strip().encode()):
        raise InvalidSignatureError(_("The signature does not match."))
