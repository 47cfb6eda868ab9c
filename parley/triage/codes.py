"""Record codes in subjects (AS2): `[L-42]` lead, `[C-17]` contact, `[O-5]` organization,
`[#1234]` conversation (the ticket prefix of PARLEY_TICKET_PREFIX). Pure: no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from django.conf import settings

Kind = Literal["lead", "contact", "organization", "conversation"]

_RECORD_RE = re.compile(r"\[\s*([LCO])-(\d{1,18})\s*\]", re.IGNORECASE)
_KINDS: dict[str, Kind] = {"L": "lead", "C": "contact", "O": "organization"}


@dataclass(frozen=True, slots=True)
class RecordCode:
    kind: Kind
    number: int

    @property
    def text(self) -> str:
        if self.kind == "conversation":
            return f"[{settings.PARLEY_TICKET_PREFIX}{self.number}]"
        letter = {v: k for k, v in _KINDS.items()}[self.kind]
        return f"[{letter}-{self.number}]"


def _ticket_re() -> re.Pattern[str]:
    return re.compile(r"\[\s*" + re.escape(settings.PARLEY_TICKET_PREFIX) + r"(\d{1,18})\s*\]")


def record_codes(subject: str) -> list[RecordCode]:
    """Every record code in `subject`, in order of appearance, without repeats."""
    found: list[tuple[int, RecordCode]] = [
        (m.start(), RecordCode(_KINDS[m.group(1).upper()], int(m.group(2))))
        for m in _RECORD_RE.finditer(subject)
    ]
    found += [
        (m.start(), RecordCode("conversation", int(m.group(1))))
        for m in _ticket_re().finditer(subject)
    ]
    codes: list[RecordCode] = []
    for _position, code in sorted(found, key=lambda pair: pair[0]):
        if code not in codes:
            codes.append(code)
    return codes
