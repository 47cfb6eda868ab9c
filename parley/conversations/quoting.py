"""Split a plain-text e-mail body into the new text and the quoted history / signature.

Computed at render time (messages are immutable and owned by parley.mail). Our own rules
cover the separators agents meet most: Gmail/Apple "On … wrote:", Polish clients
"W dniu … napisał(a):" / "… pisze:", Outlook "-----Original Message-----",
"-----Wiadomość oryginalna-----", header blocks "From:/Od: … Sent:/Wysłano:", "> " quoting,
and the "-- " signature delimiter. The full original is always shown one click away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATORS = [
    re.compile(r"^\s*On .{1,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*W dniu .{1,200}(napisał|napisała|napisał\(a\)|pisze)\s*:?\s*$", re.IGNORECASE),
    re.compile(r"^\s*.{1,200}\bnapisał(a|\(a\))?:\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Wiadomość oryginalna|Oryginalna wiadomość)\s*-{2,}",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*Am .{1,200}schrieb .{0,200}:\s*$", re.IGNORECASE),
]
_HEADER_START = re.compile(r"^\s*\**(From|Od|Von|De)\s*:\**\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**(Sent|Wysłano|Date|Data|Gesendet|To|Do|Subject|Temat)\s*:", re.IGNORECASE
)
_SIGNATURE = re.compile(r"^-- ?$")


@dataclass(frozen=True)
class ReplyParts:
    visible: str
    quoted: str


def _cut_index(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if any(p.match(line) for p in _SEPARATORS):
            return i
        if _HEADER_START.match(line) and any(
            _HEADER_NEXT.match(nxt) for nxt in lines[i + 1 : i + 4]
        ):
            return i
        if _SIGNATURE.match(line):
            return i
        if line.startswith(">") and all(
            not rest.strip() or rest.startswith(">") for rest in lines[i:]
        ):
            return i
    return None


def split_reply(text: str) -> ReplyParts:
    """The new text of a reply and what follows it (quotes, signature), both stripped."""
    lines = text.splitlines()
    cut = _cut_index(lines)
    if cut is None or not "\n".join(lines[:cut]).strip():
        return ReplyParts(visible=text.strip(), quoted="")
    return ReplyParts(visible="\n".join(lines[:cut]).strip(), quoted="\n".join(lines[cut:]).strip())
