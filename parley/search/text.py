"""Text folding, tokenizing and highlighting shared by the indexer and the query parser.

Both sides of a search must see the same tokens, whatever the database: text is folded
(lower case, Polish letters and every other diacritic removed, so "Łódź" and "lodz" meet) and
cut into runs of letters and digits here in Python, and the database only ever receives
space-separated tokens. Pure functions: no database access.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# `ł` has no Unicode decomposition, so NFKD alone leaves it (SQLite's remove_diacritics too).
_STROKES = (("ł", "l"), ("Ł", "L"), ("đ", "d"), ("Đ", "D"), ("ø", "o"), ("Ø", "O"))


def _combining_class() -> str:
    """A regex character class of every combining mark of the Basic Multilingual Plane."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if unicodedata.combining(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]"


# Removed after NFKD decomposition: "ó" becomes "o" + U+0301, and U+0301 goes.
_COMBINING = re.compile(_combining_class())
_TOKEN = re.compile(r"[^\W_]+")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
MAX_INDEXED_CHARS = 100_000


def fold(text: str) -> str:
    """`text` in lower case without diacritics: "Zażółć GĘŚLĄ" → "zazolc gesla"."""
    if text.isascii():
        return text.lower()
    # Chained str.replace: str.translate with non-ASCII tables is ten times slower.
    for letter, plain in _STROKES:
        text = text.replace(letter, plain)
    decomposed = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", decomposed).lower()


def tokens(text: str) -> list[str]:
    """The folded words and numbers of `text`, in order."""
    folded = fold(text)
    return (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)


def index_text(*parts: str) -> str:
    """Several fields as one space-separated token string, cut at MAX_INDEXED_CHARS."""
    joined = " ".join(part for part in parts if part)[:MAX_INDEXED_CHARS]
    return " ".join(tokens(joined))


@dataclass(frozen=True)
class Needle:
    """A query word to highlight: whole word, or a word prefix."""

    token: str
    prefix: bool


def highlight(text: str, needles: list[Needle], *, width: int = 180) -> list[tuple[str, bool]]:
    """A window of `text` around the first matching word, as (segment, is_match) pairs.

    Words are compared folded, so "lodz" highlights "Łódź". Without a match the start of the
    text is returned.
    """
    text = " ".join(text.split())
    spans = [m.span() for m in _TOKEN.finditer(text) if _matches(fold(m.group()), needles)]
    start = 0
    if spans and spans[0][0] > width // 3:
        start = text.rfind(" ", 0, spans[0][0] - width // 3) + 1
    end = min(len(text), start + width)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + width // 2)
    segments: list[tuple[str, bool]] = [("…", False)] if start else []
    position = start
    for low, high in spans:
        if low < start or high > end:
            continue
        if low > position:
            segments.append((text[position:low], False))
        segments.append((text[low:high], True))
        position = high
    if position < end:
        segments.append((text[position:end], False))
    if end < len(text):
        segments.append(("…", False))
    return segments


def _matches(word: str, needles: list[Needle]) -> bool:
    return any(word.startswith(n.token) if n.prefix else word == n.token for n in needles)
