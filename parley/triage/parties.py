"""Who an assistant e-mail is about (AS1). Pure: parses bytes, reads no database.

Mail reaches the assistant address in two ways. BCC'd: an agent wrote to a customer and put
the assistant in Bcc, so the parties are the message's To and Cc (and its From when an
outsider wrote). Forwarded: an agent forwarded a customer's mail, so the parties are the
original's sender and recipients, taken from an attached `message/rfc822` part, else from
the header block quoted in the body (Gmail, Outlook, Thunderbird and Apple Mail styles),
never the forwarding agent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses

_FORWARD_MARKERS = (
    "forwarded message",
    "original message",
    "begin forwarded message",
    "wiadomość przekazana",
    "oryginalna wiadomość",
    "przekazana wiadomość",
)
# Header names of the quoted block, in English and Polish clients.
_FROM_NAMES = ("from", "od", "nadawca")
_TO_NAMES = ("to", "do", "adresat")
_CC_NAMES = ("cc", "dw", "kopia")
_HEADER_RE = re.compile(r"^\s*\**\s*([A-Za-zżźćńółęąśŻŹĆŃÓŁĘĄŚ]+)\s*\**\s*:\s*(.+)$")


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address: str


@dataclass(slots=True)
class Parties:
    """The external parties of an assistant e-mail; `forwarded` says how they were found."""

    forwarded: bool
    sender: list[Party] = field(default_factory=list)
    recipients: list[Party] = field(default_factory=list)

    @property
    def all(self) -> list[Party]:
        seen: set[str] = set()
        out: list[Party] = []
        for party in [*self.sender, *self.recipients]:
            if party.address not in seen:
                seen.add(party.address)
                out.append(party)
        return out


def _parse(values: list[str]) -> list[Party]:
    parties = []
    for name, raw_address in getaddresses(values):
        address = raw_address.strip().lower()
        if "@" in address:
            parties.append(Party(name.strip(), address))
    return parties


def _headers(message: EmailMessage, name: str) -> list[str]:
    return [str(value) for value in message.get_all(name, [])]


def _attached_original(message: EmailMessage) -> EmailMessage | None:
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                inner = payload[0]
                return inner if isinstance(inner, EmailMessage) else None
    return None


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):
        return ""
    return content if isinstance(content, str) else ""


def _quoted_block(text: str) -> dict[str, list[str]] | None:
    """The From/To/Cc lines after the first forward marker in `text`, or None."""
    lower = text.lower()
    starts = [lower.find(marker) for marker in _FORWARD_MARKERS if marker in lower]
    if not starts:
        return None
    found: dict[str, list[str]] = {}
    for line in text[min(starts) :].splitlines()[1:40]:
        match = _HEADER_RE.match(line.lstrip("> "))
        if match is None:
            if found and not line.strip():
                break
            continue
        name = match.group(1).lower()
        for key, names in (("from", _FROM_NAMES), ("to", _TO_NAMES), ("cc", _CC_NAMES)):
            if name in names:
                # Outlook separates addresses with semicolons.
                value = match.group(2).replace("mailto:", "").replace(";", ",")
                found.setdefault(key, []).append(value)
    return found if "from" in found else None


def find_parties(raw: bytes) -> Parties:
    """The parties of an assistant e-mail given as raw RFC 5322 bytes."""
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)  # noqa: S101  # policy.default builds EmailMessage
    original = _attached_original(parsed)
    if original is not None:
        return Parties(
            forwarded=True,
            sender=_parse(_headers(original, "from")),
            recipients=_parse(_headers(original, "to") + _headers(original, "cc")),
        )
    block = _quoted_block(_text(parsed))
    if block is not None:
        return Parties(
            forwarded=True,
            sender=_parse(block.get("from", [])),
            recipients=_parse(block.get("to", []) + block.get("cc", [])),
        )
    return Parties(
        forwarded=False,
        sender=_parse(_headers(parsed, "from")),
        recipients=_parse(_headers(parsed, "to") + _headers(parsed, "cc")),
    )
