"""Recipient lists: parse what the agent typed, validate every address with email-validator
and name each bad one in a single error (issue 5 part 1)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses

from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from parley.compose.exceptions import InvalidAddressError

MAX_CC = 30
_SPLIT_RE = re.compile(r"[,;\n]+")


def split_addresses(text: str | Iterable[str]) -> list[str]:
    """Addresses from "a@x, B <b@y>; c@z" (or a list of such strings), names dropped."""
    items = [text] if isinstance(text, str) else list(text)
    pieces = [piece for item in items for piece in _SPLIT_RE.split(item) if piece.strip()]
    found = []
    for piece in pieces:
        # "Name <address>" keeps the address; anything else is taken as typed.
        parsed = getaddresses([piece]) if "<" in piece else []
        address = parsed[0][1] if parsed and parsed[0][1] else piece
        found.append(address.strip())
    return found


def validate_addresses(
    text: str | Iterable[str], *, field: str, limit: int | None = None
) -> list[str]:
    """Normalized, de-duplicated addresses; InvalidAddressError naming every bad one."""
    good: list[str] = []
    bad: list[str] = []
    for address in split_addresses(text):
        try:
            normalized = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            bad.append(address)
            continue
        if normalized.lower() not in {a.lower() for a in good}:
            good.append(normalized)
    if bad:
        raise InvalidAddressError(
            _("%(field)s: these addresses are not valid: %(bad)s")
            % {"field": field, "bad": ", ".join(bad)},
            bad,
        )
    if limit is not None and len(good) > limit:
        raise InvalidAddressError(
            _("%(field)s: at most %(limit)d addresses, not %(count)d.")
            % {"field": field, "limit": limit, "count": len(good)},
            [],
        )
    return good
