"""Recognise mail that must never trigger an automatic answer (issue 3 part 5, MB6).

Three flags: ``auto_reply`` (vacation replies and other machine-generated answers),
``bounce`` (delivery status notifications) and ``bulk`` (newsletters, mailing lists). Flagged
mail never triggers an automatic reply, and bulk mail is never threaded by the subject
fallback; a mailbox may route bulk mail to "Ignored".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message as EmailMessage
from typing import Protocol

_BOUNCE_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE
)
_AUTO_SUBJECT = re.compile(
    r"^(auto(matic)? ?(reply|response|answer)|autoreply|out of (the )?office|"
    r"odpowied[zź] automatyczna|automatische antwort|abwesenheitsnotiz)\b",
    re.IGNORECASE,
)


class HeaderSource(Protocol):
    def __contains__(self, name: str) -> bool: ...

    def get(self, name: str) -> str: ...

    def raw(self, name: str) -> str: ...


@dataclass(frozen=True, slots=True)
class LoopFlags:
    auto_reply: bool = False
    bounce: bool = False
    bulk: bool = False


def _is_bounce(headers: HeaderSource, content_type: str, msg: EmailMessage | None) -> bool:
    if content_type == "multipart/report":
        report_type = str(msg.get_param("report-type", "") if msg is not None else "")
        if report_type.lower() == "delivery-status" or msg is None:
            return True
    if "x-failed-recipients" in headers:
        return True
    return bool(_BOUNCE_SENDERS.search(_from_address(headers)))


def _from_address(headers: HeaderSource) -> str:
    value = headers.raw("from")
    match = re.search(r"<([^<>]*)>", value)
    return (match.group(1) if match else value).strip()


def _is_auto_reply(headers: HeaderSource) -> bool:
    auto_submitted = headers.get("auto-submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if any(name in headers for name in ("x-autoreply", "x-autorespond", "x-auto-response")):
        return True
    if "x-auto-response-suppress" in headers:
        return True
    if headers.get("precedence").lower() == "auto_reply":
        return True
    return bool(_AUTO_SUBJECT.search(headers.get("subject")))


def _is_bulk(headers: HeaderSource) -> bool:
    if headers.get("precedence").lower() in ("bulk", "junk", "list"):
        return True
    return any(name in headers for name in ("list-id", "list-unsubscribe"))


def detect_loop_flags(
    headers: HeaderSource, content_type: str, msg: EmailMessage | None = None
) -> LoopFlags:
    """Flags from the top-level headers (and the top-level content type of the message)."""
    bounce = _is_bounce(headers, content_type, msg)
    return LoopFlags(
        auto_reply=not bounce and _is_auto_reply(headers),
        bounce=bounce,
        bulk=_is_bulk(headers),
    )
