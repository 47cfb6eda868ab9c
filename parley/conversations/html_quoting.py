"""Fold quoted history and signatures in a message's sanitized HTML.

The conversation page shows an HTML message as its sanitized HTML (``Message.html``, cleaned
by nh3 at ingest in ``parley.mail.parsing.sanitize_html``). This module splits that
*already sanitized* HTML into the new text and the rest, which the page folds under "Show
quoted text": the two parts put together are the whole message again.

nh3 drops ``class``, ``id``, ``style`` and ``type`` attributes, so the markers mail clients
leave (Gmail's ``gmail_quote`` / ``gmail_signature``, Outlook's ``divRplyFwdMsg`` and its
``border-top`` header block, Thunderbird's ``moz-cite-prefix`` / ``moz-signature``, Apple
Mail's and Thunderbird's ``<blockquote type="cite">``, Yahoo's ``yahoo_quoted``) are gone
by the time we look. What survives is what they wrap: the ``<blockquote>`` element, the
``<hr>`` above an Outlook header block, and the text itself ("On … wrote:", "W dniu …
pisze:", "From: … Sent: …", "-----Original Message-----", "-- "). So the HTML is read as
lines — one per block or ``<br>``, prefixed with "> " per enclosing blockquote — and the
plain-text rules of ``parley.conversations.quoting`` (``reply_cut``) choose the line where
the fold starts; the HTML is then cut just before the outermost element that starts that
line (Gmail's whole quote block, Outlook's ``<hr>`` with the header block under it). One
set of rules for text and HTML, working on rows stored before this module existed too.

Cost: this runs when the page renders, so the HTML is read as a stream and reading stops
three lines after a separator that settles the cut ("On … wrote:", an Outlook header
block…): a long thread costs what its new text costs, not what its history costs. Only a
trailing blockquote, or no quote at all, needs the whole message read.

Safety: the HTML is read with one regular expression that matches the way nh3 writes it
(every tag, every run of escaped text); anything else — a stray "<", a comment — and the
message is shown whole, unfolded. Each part is made only of the sanitizer's own tokens,
copied verbatim (text stays escaped as nh3 escaped it) and cut between two tokens, plus
the start and end tags of the elements the cut passes through, so neither part can hold
markup that was not in the sanitized input; when nothing is folded the input is returned
unchanged. (A first version built a tree with Python's ``html.parser`` and re-serialized
it; it read every message whole and was several times slower.)
docs/decisions/0008-quoted-text.md has the measurements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Literal, NamedTuple

from parley.conversations.quoting import reply_cut, separator_at

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
# Elements that start and end a line of text.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
# Left at the end of the new text, these only add blank space.
_EMPTY_VOID = frozenset({"br", "hr", "wbr"})
# nh3 (html5ever's serializer) writes every tag as <name attr="value"> with double-quoted
# values, escapes "<" in text and strips comments: a tag or a run of text is exactly one of
# these tokens.
_TOKEN_RE = re.compile(
    r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"]*")?)*)\s*/?>|[^<]+'
)
_WS_RE = re.compile(r"\s+")
# How many lines past a separator ``separator_at`` may look at.
_LOOKAHEAD = 3


@dataclass(eq=False, slots=True)
class _Element:
    tag: str
    start: str  # the start tag exactly as the sanitizer wrote it


class _Token(NamedTuple):
    kind: Literal["text", "start", "end", "void"]
    text: str  # verbatim: text stays escaped
    pos: int  # offset in the HTML
    tag: str = ""
    # The element a start or end tag opens or closes (None: an end tag closing nothing).
    element: _Element | None = None


class _Line(NamedTuple):
    text: str  # unescaped, spaces collapsed, "> " per enclosing blockquote
    token: int  # index of the line's first token
    stack: tuple[_Element, ...]  # the elements open before that token


class _Reader:
    """Reads sanitized HTML token by token, as lines (``lines()``), keeping the tokens read
    so far and the open elements."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.tokens: list[_Token] = []
        self.valid = True
        self._stack: list[_Element] = []
        self._quotes = 0
        self._pre = 0
        self._parts: list[str] = []
        self._start: tuple[int, tuple[_Element, ...], int] | None = None

    def _content(self, text: str) -> None:
        if self._start is None:
            if not text.strip():
                return
            self._start = (len(self.tokens), tuple(self._stack), self._quotes)
        self._parts.append(text)

    def _break(self) -> Iterator[_Line]:
        if self._start is not None:
            token, stack, quotes = self._start
            text = _WS_RE.sub(" ", unescape("".join(self._parts))).strip()
            if text:
                yield _Line("> " * quotes + text, token, stack)
        self._parts, self._start = [], None

    def _text(self, text: str, pos: int) -> Iterator[_Line]:
        pieces = text.splitlines(keepends=True) if self._pre else [text]
        for piece in pieces:
            self._content(piece)
            self.tokens.append(_Token("text", piece, pos))
            pos += len(piece)
            if self._pre and piece.endswith("\n"):
                yield from self._break()

    def _open(self, tag: str, text: str, pos: int) -> Iterator[_Line]:
        if tag in _BLOCKS:
            yield from self._break()
        if tag in _VOID:
            if tag == "img":
                # An image is content: a line that starts with a logo starts there.
                self._content("[image]")
            self.tokens.append(_Token("void", text, pos, tag))
            if tag == "br" or tag in _BLOCKS:
                yield from self._break()
            return
        element = _Element(tag, text)
        self.tokens.append(_Token("start", text, pos, tag, element))
        self._stack.append(element)
        self._quotes += tag == "blockquote"
        self._pre += tag == "pre"

    def _close(self, tag: str, text: str, pos: int) -> Iterator[_Line]:
        depth = next(
            (d for d in range(len(self._stack) - 1, -1, -1) if self._stack[d].tag == tag), None
        )
        closed = self._stack[depth:] if depth is not None else []
        del self._stack[len(self._stack) - len(closed) :]
        self._quotes -= sum(element.tag == "blockquote" for element in closed)
        self._pre -= sum(element.tag == "pre" for element in closed)
        # Only an end tag that closes exactly one element can be taken back (_trim_end).
        element = closed[0] if len(closed) == 1 else None
        self.tokens.append(_Token("end", text, pos, tag, element))
        if tag in _BLOCKS:
            yield from self._break()

    def lines(self) -> Iterator[_Line]:
        position = 0
        for match in _TOKEN_RE.finditer(self.html):
            if match.start() != position:
                self.valid = False
                return
            start, position = match.span()
            closing, tag, _ = match.groups()
            if tag is None:
                yield from self._text(match[0], start)
            elif closing:
                yield from self._close(tag.lower(), match[0], start)
            else:
                yield from self._open(tag.lower(), match[0], start)
        self.valid = position == len(self.html)
        yield from self._break()


@dataclass(frozen=True)
class HtmlParts:
    visible: str
    quoted: str


def _find_cut(reader: _Reader) -> _Line | None:
    """The line the fold starts at, reading no further than the rules need."""
    lines: list[_Line] = []
    texts: list[str] = []
    scan = 0
    for line in reader.lines():
        lines.append(line)
        texts.append(line.text)
        while scan + _LOOKAHEAD < len(texts):
            found = separator_at(texts, scan)
            if found is None:
                return None
            # A separator outside a quote settles it: the trailing-quote rule can only cut
            # earlier when every line from there on is quoted (docs in quoting.reply_cut).
            if found and not texts[scan].startswith(">"):
                cut = reply_cut(texts)
                return None if cut is None else lines[cut]
            scan += 1
    if not reader.valid:
        return None
    cut = reply_cut(texts)
    return None if cut is None else lines[cut]


def _lift(tokens: list[_Token], index: int, stack: list[_Element]) -> int:
    """Move the cut before the start tags, spaces and <hr> just above it, so that the
    element wrapping the history (Gmail's quote block, Outlook's rule and header) is
    folded whole. Pops the elements it moves before from ``stack``."""
    while index > 0:
        before = tokens[index - 1]
        if before.kind == "start" and stack and stack[-1] is before.element:
            stack.pop()
        elif not (
            (before.kind == "text" and not before.text.strip())
            or (before.kind == "void" and before.tag == "hr")
        ):
            break
        index -= 1
    return index


def _trim_end(tokens: list[_Token], stack: list[_Element]) -> list[_Token]:
    """Drop the blank lines, line breaks and empty elements left at the end of the new
    text; an end tag taken back reopens its element in ``stack``, closed again later."""
    tokens = list(tokens)
    while tokens:
        last = tokens[-1]
        if (last.kind == "text" and not unescape(last.text).strip()) or (
            last.kind == "void" and last.tag in _EMPTY_VOID
        ):
            tokens.pop()
        elif last.kind == "start" and stack and stack[-1] is last.element:
            tokens.pop()
            stack.pop()
        elif last.kind == "end" and last.element is not None:
            tokens.pop()
            stack.append(last.element)
        else:
            break
    return tokens


def split_html(html: str) -> HtmlParts:
    """Split sanitized HTML into the new text and the folded rest (``quoted`` is "" when
    nothing is folded, and ``visible`` is then ``html`` itself). Forwards stay whole."""
    reader = _Reader(html)
    line = _find_cut(reader)
    if line is None:
        return HtmlParts(visible=html, quoted="")
    stack = list(line.stack)
    index = _lift(reader.tokens, line.token, stack)
    reopen = "".join(element.start for element in stack)
    visible = _trim_end(reader.tokens[:index], stack)
    if not any(
        (token.kind == "text" and unescape(token.text).strip()) or token.tag == "img"
        for token in visible
    ):
        return HtmlParts(visible=html, quoted="")
    close = "".join(f"</{element.tag}>" for element in reversed(stack))
    return HtmlParts(
        visible="".join(token.text for token in visible) + close,
        quoted=reopen + html[reader.tokens[index].pos :],
    )
