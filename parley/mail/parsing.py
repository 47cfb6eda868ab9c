"""Turn the raw bytes of an e-mail into the fields Parley stores (issue 3 part 3).

Entry points:

- ``identity_of(raw)`` — the Message-ID and content hash used for dedupe, from the header
  block only (cheap: no MIME structure is built).
- ``parse_message(raw)`` — everything else: participants, date, text, sanitized HTML,
  snippet, attachments and the loop flags.
- ``parse_for_ingest(raw)`` — what ingest needs from one parse: the identity and the parsed
  message, or the parse error; never raises. It touches no Django state, so it runs as well
  in a worker process (``parley.mail.parsepool``) as in-process.

Both parse with ``email.policy.compat32`` and decode headers themselves: it is about four
times faster than ``policy.default`` (see /work/shared/recipes/measured-limits.md), and
``policy.default`` replaces raw 8-bit header bytes (common in Polish mail) with U+FFFD, which
loses the text we are asked to keep. docs/decisions/0005-mime-parsing-policy.md has the
measurements and the reasoning. Every decoder here has a fallback chain, so a malformed
message yields the best text we can get instead of an exception; ``parse_message`` can still
raise on pathological input, and ingest stores such a message raw with ``parse_error`` set.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import Message as EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import TypedDict, override

import nh3

from parley.mail.loops import LoopFlags, detect_loop_flags

logger = logging.getLogger(__name__)
SNIPPET_LENGTH = 200
# Charsets that mailers put on text they did not really label: when such a part decodes as
# UTF-8 it almost certainly is UTF-8.
_WEAK_CHARSETS = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252"})
_MSGID_RE = re.compile(r"<([^<>]+)>")
_WS_RE = re.compile(r"\s+")


class AddressDict(TypedDict):
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class Identity:
    message_id: str | None
    content_hash: str


@dataclass(slots=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    is_inline: bool
    content_id: str


@dataclass(slots=True)
class ParsedMessage:
    identity: Identity
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_: list[AddressDict] = field(default_factory=list)
    sender: list[AddressDict] = field(default_factory=list)
    reply_to: list[AddressDict] = field(default_factory=list)
    to: list[AddressDict] = field(default_factory=list)
    cc: list[AddressDict] = field(default_factory=list)
    bcc: list[AddressDict] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    html: str = ""
    snippet: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    flags: LoopFlags = field(default_factory=LoopFlags)


# Decoding ---------------------------------------------------------------------------------


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip('"').lower()).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode text of any (or a wrong) charset; never raises.

    Chain: the declared charset → UTF-8 → Windows-1250 → Latin-1 with replacement. A part
    labelled ASCII/Latin-1/Windows-1252 that is valid UTF-8 is read as UTF-8 (mislabeled).
    """
    declared = _codec(charset)
    chain: list[str] = []
    if declared in _WEAK_CHARSETS:
        chain.append("utf-8")
    if declared:
        chain.append(declared)
    chain += ["utf-8", "cp1250"]
    for name in chain:
        try:
            return clean_text(data.decode(name))
        except (UnicodeDecodeError, LookupError):
            continue
    return clean_text(data.decode("latin-1", errors="replace"))


def clean_text(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and lone surrogates cannot be encoded at all.
    if "\x00" in value:
        value = value.replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8")


def _raw_header_text(value: str) -> str:
    """A header value as the parser stored it (8-bit bytes escaped) to readable text."""
    data = value.encode("utf-8", "surrogateescape")
    text = decode_bytes(data) if not data.isascii() else value
    return re.sub(r"\r?\n(?=[ \t])", "", text).replace("\r", "").replace("\n", "")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded-words in an unfolded header value; never raises."""
    if "=?" not in value:
        return value
    try:
        chunks = decode_header(value)
    except Exception:
        return value
    out: list[str] = []
    for chunk, charset in chunks:
        out.append(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset))
    return "".join(out)


class Headers:
    """The top-level headers of a message, decoded lazily and safely.

    Decoded values are remembered: the content hash and the parsed fields read the same
    headers, and decoding them is a good share of the cost of a parse.
    """

    def __init__(self, msg: EmailMessage) -> None:
        self._raw: dict[str, list[str]] = {}
        self._got: dict[str, str] = {}
        self._addresses: dict[str, list[AddressDict]] = {}
        for name, value in msg.raw_items():
            self._raw.setdefault(name.lower(), []).append(str(value))

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._raw

    def raw(self, name: str) -> str:
        values = self._raw.get(name.lower())
        return _raw_header_text(values[0]) if values else ""

    def get(self, name: str) -> str:
        """The first value of a header, RFC 2047 decoded, whitespace collapsed."""
        key = name.lower()
        if key not in self._got:
            self._got[key] = _WS_RE.sub(" ", decode_words(self.raw(key))).strip()
        return self._got[key]

    def get_all(self, name: str) -> list[str]:
        return [_raw_header_text(value) for value in self._raw.get(name.lower(), [])]

    def addresses(self, name: str) -> list[AddressDict]:
        key = name.lower()
        if key not in self._addresses:
            self._addresses[key] = self._decode_addresses(key)
        return self._addresses[key]

    def _decode_addresses(self, name: str) -> list[AddressDict]:
        result: list[AddressDict] = []
        for display, addr in getaddresses(self.get_all(name)):
            address = addr.strip().lower()
            if not address:
                continue
            result.append(
                {
                    "name": clean_text(_WS_RE.sub(" ", decode_words(display)).strip()),
                    "address": clean_text(address),
                }
            )
        return result


def normalize_message_id(value: str) -> str | None:
    match = _MSGID_RE.search(value)
    found = match.group(1) if match else value
    found = _WS_RE.sub("", found)
    return found[:998] or None


def message_ids(value: str) -> list[str]:
    found = [_WS_RE.sub("", m) for m in _MSGID_RE.findall(value)]
    if not found and value.strip():
        found = value.split()
    return [item[:998] for item in found if item]


def parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


# Identity ---------------------------------------------------------------------------------


def _split_body(raw: bytes) -> bytes:
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    if not ends:
        return b""
    end = min(ends)
    return raw[end:].lstrip(b"\r\n")


def _content_hash(headers: Headers, raw: bytes) -> str:
    """Hash of what the author wrote, blind to headers servers add on the way.

    The copy in INBOX, in Sent and in another mailbox differ in Received, Delivered-To,
    Return-Path, X-* headers and sometimes line endings; they agree on these fields and the
    body bytes. Content-Type and Content-Transfer-Encoding are included because the same
    body bytes under another MIME label are another message (CPython's test corpus has
    such pairs).
    """
    digest = hashlib.sha256()
    parts = [
        normalize_message_id(headers.raw("message-id")) or "",
        str(parse_date(headers.raw("date")) or headers.get("date")),
        *(",".join(a["address"] for a in headers.addresses(n)) for n in ("from", "to", "cc")),
        headers.get("subject"),
        # They decide how the body bytes read, and servers on the way leave them alone.
        headers.get("content-type"),
        headers.get("content-transfer-encoding"),
    ]
    for part in parts:
        digest.update(part.encode("utf-8", "replace") + b"\x00")
    body = _split_body(raw).replace(b"\r\n", b"\n").rstrip()
    digest.update(body)
    return digest.hexdigest()


def _identity(headers: Headers, raw: bytes) -> Identity:
    return Identity(
        message_id=normalize_message_id(headers.raw("message-id")),
        content_hash=_content_hash(headers, raw),
    )


def identity_of(raw: bytes) -> Identity:
    """Message-ID (without <>, None when absent) and content hash, from the headers only."""
    msg = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    return _identity(Headers(msg), raw)


# Body -------------------------------------------------------------------------------------


def _part_filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        return ""
    return clean_text(decode_words(_raw_header_text(str(name)))).strip()


def _part_bytes(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    # message/* parts hold parsed sub-messages; keep them as bytes.
    inner = part.get_payload()
    if isinstance(inner, list):
        return b"\n".join(m.as_bytes() for m in inner if isinstance(m, EmailMessage))
    return str(inner or "").encode("utf-8", "surrogateescape")


def _disposition(part: EmailMessage) -> str:
    raw = part.get("content-disposition")
    return str(raw or "").split(";")[0].strip().lower()


@dataclass(slots=True)
class _Bodies:
    text: str | None = None
    html: str | None = None
    attachments: list[ParsedAttachment] = field(default_factory=list)


def _walk(part: EmailMessage, bodies: _Bodies) -> None:
    ctype = part.get_content_type()
    if part.is_multipart() and not ctype.startswith("message/"):
        for sub in part.get_payload():
            if isinstance(sub, EmailMessage):
                _walk(sub, bodies)
        return
    disposition = _disposition(part)
    filename = _part_filename(part)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        slot = "text" if ctype == "text/plain" else "html"
        if getattr(bodies, slot) is None:
            body = decode_bytes(_part_bytes(part), part.get_content_charset())
            setattr(bodies, slot, body.replace("\r\n", "\n"))
            return
    content_id = normalize_message_id(str(part.get("content-id") or "")) or ""
    bodies.attachments.append(
        ParsedAttachment(
            filename=filename[:500],
            content_type=ctype[:255],
            content=_part_bytes(part),
            is_inline=disposition == "inline" or (not disposition and bool(content_id)),
            content_id=content_id[:500],
        )
    )


# HTML -------------------------------------------------------------------------------------

_IMG_TAG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_REMOTE_SRC_RE = re.compile(r'\ssrc="((?:https?:)?//[^"]*)"', re.IGNORECASE)
_BLOCKED_SRC_RE = re.compile(r'\sdata-remote-src="([^"]*)"')
# Present in stored HTML when a remote image was blocked.
REMOTE_IMAGE_MARK = "data-remote-src="
_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan", "align", "valign", "width"},
    "th": {"colspan", "rowspan", "align", "valign", "width"},
    "table": {"width", "border", "cellpadding", "cellspacing"},
    "font": {"color", "face", "size"},
}


def sanitize_html(html: str) -> str:
    """Sanitize mail HTML with nh3; remote images are blocked (see ``allow_remote_images``)."""
    cleaned = nh3.clean(
        html,
        tags=set(nh3.ALLOWED_TAGS) | {"font", "center"},
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel="noopener noreferrer nofollow",
    )
    return _IMG_TAG_RE.sub(lambda m: _REMOTE_SRC_RE.sub(r' data-remote-src="\1"', m[0]), cleaned)


def allow_remote_images(html: str) -> str:
    """Undo the blocking of remote images in HTML produced by ``sanitize_html``."""
    return _BLOCKED_SRC_RE.sub(r' src="\1"', html)


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    @override
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    @override
    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    @override
    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(_WS_RE.sub(" ", data))


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (line.strip() for line in "".join(extractor.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def make_snippet(text: str) -> str:
    lines = (line for line in text.splitlines() if not line.lstrip().startswith(">"))
    return _WS_RE.sub(" ", " ".join(lines)).strip()[:SNIPPET_LENGTH]


# Entry point ------------------------------------------------------------------------------


def parse_message(raw: bytes, *, identity: Identity | None = None) -> ParsedMessage:
    """Parse raw bytes into a ParsedMessage. May raise on pathological input (ingest copes).

    ``identity`` skips recomputing what ``identity_of(raw)`` already returned.
    """
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    headers = Headers(msg)
    bodies = _Bodies()
    _walk(msg, bodies)
    html = sanitize_html(bodies.html) if bodies.html else ""
    text = bodies.text if bodies.text is not None else html_to_text(bodies.html or "")
    in_reply_to = message_ids(headers.raw("in-reply-to"))
    return ParsedMessage(
        identity=identity or _identity(headers, raw),
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=message_ids(" ".join(headers.get_all("references"))),
        subject=clean_text(headers.get("subject")),
        from_=headers.addresses("from"),
        sender=headers.addresses("sender"),
        reply_to=headers.addresses("reply-to"),
        to=headers.addresses("to"),
        cc=headers.addresses("cc"),
        bcc=headers.addresses("bcc"),
        date=parse_date(headers.raw("date")),
        text=text,
        html=html,
        snippet=make_snippet(text),
        attachments=bodies.attachments,
        flags=detect_loop_flags(headers, msg.get_content_type(), msg),
    )


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """One message parsed for ingest: ``parsed`` is None when parsing failed (``error``)."""

    identity: Identity
    parsed: ParsedMessage | None
    error: str = ""


def parse_for_ingest(raw: bytes) -> ParseOutcome:
    """Parse ``raw`` once for ingest (identity from the same parse); never raises."""
    try:
        parsed = parse_message(raw)
    except Exception as exc:
        logger.warning("Cannot parse a raw message of %d bytes", len(raw), exc_info=True)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        try:
            identity = identity_of(raw)
        except Exception:
            # Headers so broken that even the header parser fails: the bytes are the identity.
            identity = Identity(message_id=None, content_hash=hashlib.sha256(raw).hexdigest())
        return ParseOutcome(identity=identity, parsed=None, error=error)
    return ParseOutcome(identity=parsed.identity, parsed=parsed)
