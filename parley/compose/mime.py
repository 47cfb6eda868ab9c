"""Build the RFC 5322 bytes of an outgoing message, once, at the moment it is queued.

multipart/alternative (text + HTML), then multipart/mixed when there are attachments; UTF-8
throughout, headers encoded with RFC 2047 and file names with RFC 2231 by the standard
library's SMTP policy (CRLF line ends, lines ≤ 78 characters). The Message-ID is the one the
draft got when it was created, so the copy sent over SMTP, the copy APPENDed to the Sent
folder and the copy filed in Parley are one message to the sync's deduplication.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from html.parser import HTMLParser
from typing import override

_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "pre", "tr"}
)
_SPACES_RE = re.compile(r"[ \t]+")
_BLANKS_RE = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class FileToAttach:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class MimeSpec:
    from_address: str
    message_id: str  # without angle brackets
    date: datetime
    subject: str
    html: str
    to: Sequence[str]
    from_name: str = ""
    cc: Sequence[str] = ()
    in_reply_to: str = ""
    references: Sequence[str] = ()
    attachments: Sequence[FileToAttach] = ()
    auto_submitted: bool = False
    tracking_pixel_url: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)


def new_message_id(address: str) -> str:
    """A fresh Message-ID (without <>) on the domain of `address`."""
    domain = address.rpartition("@")[2].strip().lower() or "parley.invalid"
    return f"{secrets.token_hex(16)}@{domain}"


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.quote_depth = 0
        self._href: str | None = None
        self._skip = 0

    @override
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "script"}:
            self._skip += 1
        if tag == "blockquote":
            self.quote_depth += 1
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            self._href = dict(attrs).get("href")

    @override
    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"}:
            self._skip = max(0, self._skip - 1)
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        if tag == "a" and self._href and not self._href.startswith("mailto:"):
            self.parts.append(f" ({self._href})")
            self._href = None
        if tag in _BLOCKS and tag not in {"br", "li"}:
            self.parts.append("\n")

    @override
    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        text = _SPACES_RE.sub(" ", data.replace("\n", " "))
        if self.quote_depth:
            text = text.replace("\n", "\n" + "> " * self.quote_depth)
            if not self.parts or self.parts[-1].endswith("\n"):
                text = "> " * self.quote_depth + text.lstrip()
        self.parts.append(text)


def html_to_text(html: str) -> str:
    """A readable plain-text version of the editor's HTML (the text/plain alternative)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [
        line.strip() if not line.startswith(">") else line.rstrip()
        for line in "".join(parser.parts).split("\n")
    ]
    return _BLANKS_RE.sub("\n\n", "\n".join(lines)).strip() + "\n"


def _address(raw: str, name: str = "") -> Address:
    local, _, domain = raw.strip().rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def _wrap_html(html: str, pixel_url: str) -> str:
    pixel = f'<img src="{pixel_url}" width="1" height="1" alt="">' if pixel_url else ""
    return f'<!doctype html>\n<html><head><meta charset="utf-8"></head><body>{html}{pixel}</body></html>\n'


def build_message(spec: MimeSpec) -> bytes:
    """The message's bytes with CRLF line ends, ready for SMTP DATA and IMAP APPEND."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = _address(spec.from_address, spec.from_name)
    msg["To"] = [_address(a) for a in spec.to]
    if spec.cc:
        msg["Cc"] = [_address(a) for a in spec.cc]
    msg["Subject"] = spec.subject
    msg["Date"] = format_datetime(spec.date)
    msg["Message-ID"] = f"<{spec.message_id}>"
    if spec.in_reply_to:
        msg["In-Reply-To"] = f"<{spec.in_reply_to}>"
    if spec.references:
        msg["References"] = " ".join(f"<{ref}>" for ref in spec.references)
    if spec.auto_submitted:
        msg["Auto-Submitted"] = "auto-replied"
    for name, value in spec.extra_headers.items():
        msg[name] = value
    msg["MIME-Version"] = "1.0"
    msg.set_content(html_to_text(spec.html), charset="utf-8", cte="quoted-printable")
    msg.add_alternative(
        _wrap_html(spec.html, spec.tracking_pixel_url),
        subtype="html",
        charset="utf-8",
        cte="quoted-printable",
    )
    for item in spec.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.filename)
    return msg.as_bytes()
