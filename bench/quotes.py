"""Quote and signature detection: accuracy on labelled replies and cost per message.

    .venv/bin/python bench/quotes.py                    # everything, 20,000 generated messages
    .venv/bin/python bench/quotes.py --messages 2000    # quicker cost figure
    PYTHONPATH=/path/to/site-packages .venv/bin/python bench/quotes.py   # with the libraries

1. **Accuracy**: exact-match of the visible (new) text on our labelled replies
   (`parley/conversations/tests/fixtures/replies`, written by hand) and, when present, on the
   open corpora in `../shared/corpus` (talon, email-reply-parser; `PARLEY_QUOTE_CORPUS`
   names another folder; layouts in `parley/conversations/tests/reply_corpus.py`). Our rules
   (`parley.conversations.quoting.split_reply`) are compared with `mail-parser-reply` and
   `quotequail` when they can be imported (they are not dependencies of Parley).
2. **Cost**: the bodies of the generated support mailbox (`bench/mailgen.py`, seed 1) are
   parsed once as ingest parses them (`parse_for_ingest`), then `split_reply` is timed over
   all of them (median of 3 passes): microseconds per message, next to the ingest rate that
   bench/README.md records, so that the share of ingest time is visible.
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

from parley.conversations.quoting import split_reply  # noqa: E402
from parley.conversations.tests.reply_corpus import (  # noqa: E402
    FIXTURES,
    Case,
    corpus_root,
    failures,
    load_cases,
    normalize,
)
from parley.mail.parsing import parse_for_ingest  # noqa: E402

# The ingest rate bench/README.md records for `parley sync --once` on SQLite (msg/s).
INGEST_RATE = 130

Splitter = Callable[[str], str]


def _ours(text: str) -> str:
    return split_reply(text).visible


def _libraries() -> dict[str, Splitter]:
    found: dict[str, Splitter] = {}
    try:
        from mailparser_reply import EmailReplyParser  # type: ignore[import-not-found]  # optional
    except ImportError:
        print("mail-parser-reply: not installed, skipped", file=sys.stderr)
    else:
        parser = EmailReplyParser(languages=["en", "pl", "de"])
        found["mail-parser-reply"] = lambda text: parser.parse_reply(text) or ""
    try:
        import quotequail  # type: ignore[import-not-found]  # optional
    except ImportError:
        print("quotequail: not installed, skipped", file=sys.stderr)
    else:

        def _quotequail(text: str) -> str:
            parts = quotequail.quote(text)
            return "\n".join(part for shown, part in parts if shown)

        found["quotequail"] = _quotequail
    return found


def _lenient(split: Splitter, case: Case) -> bool:
    """Exact, or the expected text plus one more line (quotequail keeps "On … wrote:")."""
    found, expected = normalize(split(case.text)), normalize(case.expected)
    rest = found[len(expected) :].strip()
    return found.startswith(expected) and "\n" not in rest


def _score(title: str, cases: list[Case], splitters: dict[str, Splitter]) -> None:
    print(f"\n{title}: {len(cases)} labelled replies")
    for name, split in splitters.items():
        failed = failures(split, cases)
        ok = len(cases) - len(failed)
        share = ok / len(cases) if cases else 0.0
        lenient = sum(_lenient(split, c) for c in cases)
        print(
            f"  {name:18} {ok:4} / {len(cases)} exact = {share:6.1%}"
            f"   ({lenient} with the attribution line allowed to stay)"
        )
        for case in failed:
            print(f"      miss: {case}")


def accuracy(splitters: dict[str, Splitter]) -> None:
    cases, _ = load_cases(FIXTURES)
    _score(f"Our fixtures ({FIXTURES.relative_to(REPO)})", cases, splitters)
    root = corpus_root()
    if not root.is_dir():
        print(f"\nOpen corpora: {root} is absent on this machine, skipped.")
        return
    for readme in sorted(root.glob("README*")):
        print(f"\n{readme}:\n" + readme.read_text(errors="replace")[:2000])
    corpus, unlabelled = load_cases(root)
    _score(f"Open corpora ({root})", corpus, splitters)
    print(f"  {len(unlabelled)} files without a known expected reply were left out")


def cost(messages: int, splitters: dict[str, Splitter]) -> None:
    started = time.perf_counter()
    texts = []
    for _folder, raw in mailgen.generate(messages, seed=1):
        parsed = parse_for_ingest(raw).parsed
        texts.append(parsed.text if parsed is not None else "")
    print(
        f"\nCost on {len(texts)} generated messages (parsed in {time.perf_counter() - started:.1f} s,"
    )
    print(f"mean text {statistics.fmean(len(t) for t in texts):.0f} characters):")
    folded = sum(1 for t in texts if split_reply(t).quoted)
    print(f"  our rules fold quoted text or a signature in {folded} of {len(texts)} messages")
    ingest_us = 1e6 / INGEST_RATE
    for name, split in splitters.items():
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            for text in texts:
                split(text)
            runs.append(time.perf_counter() - t0)
        total = statistics.median(runs)
        per = total / len(texts) * 1e6
        print(
            f"  {name:18} {total:7.3f} s in all = {per:7.1f} µs per message"
            f" = {per / ingest_us:6.2%} of ingest time at {INGEST_RATE} msg/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--skip-cost", action="store_true")
    args = parser.parse_args()
    splitters: dict[str, Splitter] = {"parley rules": _ours, **_libraries()}
    accuracy(splitters)
    if not args.skip_cost:
        cost(args.messages, splitters)


if __name__ == "__main__":
    main()
