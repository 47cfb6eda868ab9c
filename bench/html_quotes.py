"""HTML quote folding (`parley.conversations.html_quoting.split_html`): accuracy on the
labelled HTML replies and what it costs per page view.

    .venv/bin/python bench/html_quotes.py                  # 5,000 generated messages
    .venv/bin/python bench/html_quotes.py --messages 500   # quicker

The conversation page splits each HTML message's stored (sanitized) HTML when it renders,
so the figure that matters is the time per message shown. Measured on the HTML parts of the
generated support mailbox (`bench/mailgen.py`, seed 1, sanitized as ingest does), on the
labelled HTML fixtures (`parley/conversations/tests/fixtures/html/`), and on one long
Outlook thread (the Outlook fixture's history repeated to about 200 kB, the worst case an
agent meets: every reply quoting the whole thread in Word's HTML). Median of 3 passes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import mailgen  # noqa: E402

from parley.conversations.html_quoting import split_html  # noqa: E402
from parley.conversations.quoting import split_reply  # noqa: E402
from parley.mail.parsing import html_to_text, parse_for_ingest, sanitize_html  # noqa: E402

FIXTURES = REPO / "parley/conversations/tests/fixtures/html"


def _per_message(function: Callable[[str], object], htmls: list[str]) -> float:
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        for html in htmls:
            function(html)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) / len(htmls) * 1e6


def _time(title: str, htmls: list[str]) -> None:
    per = _per_message(split_html, htmls)
    # The same messages through parsing.html_to_text, the one HTML pass ingest makes: a
    # yardstick that moves with the machine's load as the split does.
    yardstick = _per_message(html_to_text, htmls)
    size = statistics.fmean(len(h) for h in htmls)
    folded = sum(1 for h in htmls if split_html(h).quoted)
    print(
        f"  {title:32} {len(htmls):6} messages, mean {size:8.0f} chars:"
        f" {per:9.1f} µs per message ({per / yardstick:4.2f} times html_to_text),"
        f" folded in {folded}"
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def accuracy() -> None:
    """Exact match of the visible text on the labelled fixtures (as the test compares it)."""
    misses = []
    paths = sorted(FIXTURES.glob("*.html"))
    for path in paths:
        visible = split_html(sanitize_html(path.read_text())).visible
        expected = path.with_suffix(".visible.txt").read_text()
        if _lines(html_to_text(visible)) != _lines(expected):
            misses.append(path.stem)
    print(f"Labelled HTML replies: {len(paths) - len(misses)} / {len(paths)} exact")
    for name in misses:
        print(f"  miss: {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    accuracy()
    generated = []
    agree = both = 0
    for _folder, raw in mailgen.generate(args.messages, seed=1):
        parsed = parse_for_ingest(raw).parsed
        if parsed is not None and parsed.html:
            generated.append(parsed.html)
            if parsed.text:
                # Does the page's HTML fold show what reply_text (from the text part) stores?
                both += 1
                html_visible = html_to_text(split_html(parsed.html).visible)
                agree += _lines(html_visible) == _lines(split_reply(parsed.text).visible)
    print(f"Generated messages with both parts: HTML fold = text fold in {agree} / {both}")
    fixtures = [
        parse_for_ingest(
            b"Content-Type: text/html; charset=utf-8\n\n" + path.read_bytes()
        ).parsed.html  # type: ignore[union-attr]  # a one-part message always parses
        for path in sorted(FIXTURES.glob("*.html"))
    ]
    outlook = (FIXTURES / "outlook_desktop_en.html").read_text()
    head, history = outlook.split("<div><div style=", 1)
    long_thread = head + ("<div><div style=" + history.split("</body>")[0]) * 150 + "</body>"
    print(f"split_html cost (generated mailbox: {len(generated)} HTML parts of {args.messages}):")
    _time("generated mailbox", generated)
    _time("labelled fixtures", fixtures)
    long_sanitized = parse_for_ingest(
        b"Content-Type: text/html; charset=utf-8\n\n" + long_thread.encode()
    ).parsed.html  # type: ignore[union-attr]  # a one-part message always parses
    _time("long Outlook thread", [long_sanitized])


if __name__ == "__main__":
    main()
