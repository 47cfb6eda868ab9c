"""Split a plain-text e-mail body into the new text and the quoted history / signature.

Computed once at ingest and stored as ``Message.reply_text`` (parley.mail.ingest); the
conversation page folds the rest, the full original always one click away. Our own rules
(docs/decisions/0008-quoted-text.md has the measurements and why no library is used) cover
the separators agents meet most:

- attribution lines: Gmail/Apple "On … wrote:" (also wrapped over two lines, and quoted with
  "> " by Apple Mail), Polish clients "W dniu … pisze:" / "… napisał(a):", Apple Mail's
  "Wiadomość napisana przez … w dniu …:", German "Am … schrieb …:";
- Outlook: "-----Original Message-----" / "-----Wiadomość oryginalna-----", a line of
  underscores, and a header block "From:/Od: … Sent:/Wysłano:/Date:/To:/Subject:/Temat:";
- a trailing block of "> " lines (inline answers between quotes stay visible);
- signatures: the "-- " delimiter, mobile footers ("Sent from my iPhone", "Wysłane z
  iPhone'a", "Get Outlook for Android"), and a company block after a sign-off
  ("Pozdrawiam", "Z poważaniem", "Best regards") and a name: the sign-off and the name stay.

Forwarded messages are left whole: what a customer forwards is new to us.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# An attribution line ends the new text. Each pattern matches one line; _WRAPPED joins a
# line with the next one first, for clients that wrap long names and addresses.
_ATTRIBUTION = [
    re.compile(r"^>?\s*On\b.{1,250}\bwrote\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*W dniu .{1,250}(napisał|napisała|napisał\(a\)|pisze)\s*:?\s*$", re.IGNORECASE),
    re.compile(r"^>?\s*.{1,250}\bnapisał(a|\(a\))?\s*:\s*$", re.IGNORECASE),
    re.compile(r"^>?\s*Wiadomość napisana przez .{1,250}:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am .{1,250}schrieb .{0,250}:\s*$", re.IGNORECASE),
]
_WRAPPED_START = re.compile(r"^\s*(On|W dniu|Am)\s|^\s*\w{2,4}\.,? \d{1,2} \w{3,}", re.IGNORECASE)
_SEPARATORS = [
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Wiadomość oryginalna|Oryginalna wiadomość)\s*-{2,}",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),
]
_HEADER_START = re.compile(r"^\s*\**(From|Od|Von|De)\s*:\**\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**(Sent|Wysłano|Wysłane|Date|Data|Gesendet|To|Do|Subject|Temat)\s*:", re.IGNORECASE
)
_SIGNATURE = re.compile(r"^-- ?$")
_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(Forwarded message|Przekazana wiadomość|Wiadomość przekazana)\s*-{2,}|"
    r"Begin forwarded message:|Początek przekazywanej wiadomości:)",
    re.IGNORECASE,
)
_MOBILE = re.compile(
    r"^\s*(Sent from my \S.{0,40}|Sent from (Outlook|Mail|Yahoo Mail|Gmail|AOL)\b.{0,40}|"
    r"Get Outlook for \w+|(Wysłane|Wysłano) (z|ze) (mojego |mojej )?"
    r"(iPhone|iPad|smartfona|telefonu|urządzenia|aplikacji|tabletu|Outlook|Poczty|Galaxy)"
    r".{0,40})\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(pozdrawiam|pozdrowienia|serdecznie pozdrawiam|pozdrawiam serdecznie|"
    r"z poważaniem|z wyrazami szacunku|łączę pozdrowienia|"
    r"best|best regards|kind regards|warm regards|regards|best wishes|cheers|sincerely|"
    r"yours sincerely)"
    r"\s*[,.!]?\s*$",
    re.IGNORECASE,
)
# What makes a block after a sign-off a signature and not more text: contact details.
_CONTACT = re.compile(
    r"(\+?\d[\d ()-]{6,}\d|@|www\.|https?://|\b(tel|tel\.|mob|kom|phone|fax)\b)", re.IGNORECASE
)
_POSTSCRIPT = re.compile(r"^\s*P\.?\s?S\.?\b", re.IGNORECASE)
_SIGNATURE_BLOCK_MAX = 10


# A line that may start a cut: what every rule below begins with, or a trailing colon.
_CANDIDATE = re.compile(
    r"\s*([>_*-]|(from|od|von|de|sent|get|wysłane|wysłano|begin|początek|on|am|w dniu)\b)"
    r"|.*:\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReplyParts:
    visible: str
    quoted: str


def _is_attribution(line: str, nxt: str) -> bool:
    # Every attribution ends with a colon: a cheap test first (this runs for every line
    # of every message at ingest).
    if line.rstrip().endswith(":") and any(p.match(line) for p in _ATTRIBUTION):
        return True
    # Gmail wraps "On Tue, … Name <" / "address> wrote:" over two lines.
    if nxt.rstrip().endswith(":") and len(line) + len(nxt) < 300 and _WRAPPED_START.match(line):
        joined = f"{line.rstrip()} {nxt.strip()}"
        return any(p.match(joined) for p in _ATTRIBUTION)
    return False


def _quote_tail_start(lines: list[str]) -> int:
    """Index from which every line is a "> " quote or blank (len(lines) when none)."""
    start = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip() and not lines[i].lstrip().startswith(">"):
            break
        start = i
    return start


def separator_at(lines: Sequence[str], i: int) -> bool | None:
    """Whether a rule other than the trailing quote folds from line ``i`` (None: line ``i``
    starts a forward, so nothing is folded). Looks at most three lines ahead."""
    line = lines[i]
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    # Most lines are plain text: one cheap test skips them (this runs at ingest).
    if not _CANDIDATE.match(line) and not nxt.rstrip().endswith(":"):
        return False
    if _FORWARD.match(line):
        return None
    return bool(
        _is_attribution(line, nxt)
        or any(p.match(line) for p in _SEPARATORS)
        or _SIGNATURE.match(line)
        or (len(line) < 80 and _MOBILE.match(line))
        or (_HEADER_START.match(line) and any(_HEADER_NEXT.match(n) for n in lines[i + 1 : i + 4]))
    )


def _cut_index(lines: list[str]) -> int | None:
    tail = _quote_tail_start(lines)
    for i, line in enumerate(lines):
        found = separator_at(lines, i)
        if found is None:
            return None
        if found or (i >= tail and line.lstrip().startswith(">")):
            return i
    return None


def _signature_after_sign_off(lines: list[str]) -> int | None:
    """Where a company block starts after "Pozdrawiam / Jan Kowalski" (None: no block)."""
    for i, line in enumerate(lines):
        if len(line) > 40 or not _SIGN_OFF.match(line):
            continue
        name = i + 1
        if name >= len(lines) or not lines[name].strip() or len(lines[name]) > 40:
            return None
        block = [rest for rest in lines[name + 1 :] if rest.strip()]
        if (
            1 <= len(block) <= _SIGNATURE_BLOCK_MAX
            and all(len(rest) <= 80 for rest in block)
            and any(_CONTACT.search(rest) for rest in block)
            and not any(_POSTSCRIPT.match(rest) for rest in block)
        ):
            return name + 1
        return None
    return None


# An attribution in a language we have no pattern for ("Le … a écrit :"): a line ending
# with a colon, just above a trailing quote, naming a date or an address.
_ANY_ATTRIBUTION = re.compile(r"^[^>].*(\d|@).*:\s*$")


def _attribution_above(lines: list[str], cut: int) -> int:
    above = cut - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and len(lines[above]) < 300 and _ANY_ATTRIBUTION.match(lines[above]):
        return above
    return cut


def reply_cut(lines: list[str]) -> int | None:
    """Index of the first line to fold (quotes, signature), or None to keep all lines.

    Shared by the plain-text splitter below and the HTML one
    (``parley.conversations.html_quoting``), which feeds it the lines of the sanitized HTML
    with "> " for each enclosing blockquote.
    """
    cut = _cut_index(lines)
    if cut is not None and lines[cut].lstrip().startswith(">"):
        cut = _attribution_above(lines, cut)
    signature = _signature_after_sign_off(lines if cut is None else lines[:cut])
    if signature is not None:
        cut = signature
    if cut is None or not any(line.strip() for line in lines[:cut]):
        return None
    return cut


def split_reply(text: str) -> ReplyParts:
    """The new text of a reply and what follows it (quotes, signature), both stripped."""
    lines = text.splitlines()
    cut = reply_cut(lines)
    if cut is None:
        return ReplyParts(visible=text.strip(), quoted="")
    return ReplyParts(visible="\n".join(lines[:cut]).strip(), quoted="\n".join(lines[cut:]).strip())


def stored_reply_parts(text: str, reply_text: str | None) -> ReplyParts:
    """The parts of a message whose new text was stored at ingest (``Message.reply_text``).

    The stored text is what the page shows unfolded; the rest of ``text`` is folded. A row
    stored before the column existed (``None``), or whose text no longer starts with the
    stored part, is split now.
    """
    body = text.strip()
    if reply_text is None or not body.startswith(reply_text):
        return split_reply(text)
    return ReplyParts(visible=reply_text, quoted=body[len(reply_text) :].strip())
