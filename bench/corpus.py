"""Corpus benchmark: parse and ingest throughput on real mail written by others.

    .venv/bin/python bench/corpus.py [--corpus DIR] [--limit N] [--skip-ingest]

Reads the shared corpus (``../shared/corpus``; ``PARLEY_CORPUS`` or ``--corpus`` names
another folder) with ``parley.mail.testing.corpus`` (.eml and bare message files, mbox,
Maildir, .gz of those), then measures, in the same run:

(a) the parse alone: ``parse_for_ingest`` on every message, in this process — msg/s, MB/s,
    failures by exception type;
(b) the defects the stdlib parser (compat32, as ``parley.mail.parsing`` parses) records,
    counted by type over every part;
(c) ingest end to end into a fresh SQLite database (a temporary PARLEY_DATA_DIR):
    ``ingest_batch`` in batches of ``IMPORT_BATCH`` with a ``ParsePool``, as ``parley
    import`` does — msg/s, MB/s, stored / duplicates / quarantined (``parse_error``) and
    exceptions by type (a batch that raises is retried one message at a time);
(d) ingesting the same messages again: seconds, and how many were created (must be 0).

Prints "corpus absent" and exits 0 when there is no corpus. No targets: figures only.
"""

from __future__ import annotations

import argparse
import email
import os
import sys
import tempfile
import time
from collections import Counter
from email import policy
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from parley.mail.testing.corpus import (  # noqa: E402
    CorpusMessage,
    corpus_root,
    find_sources,
    limit_from_env,
    walk,
)


def _setup(data_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["PARLEY_DATA_DIR"] = str(data_dir)
    os.environ["PARLEY_LOG_LEVEL"] = "ERROR"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def _rate(count: int, size: int, seconds: float) -> str:
    seconds = max(seconds, 1e-9)
    return f"{count / seconds:,.0f} msg/s, {size / seconds / 1e6:,.2f} MB/s ({seconds:.2f} s)"


def _top(counter: Counter[str], indent: str = "    ") -> None:
    if not counter:
        print(f"{indent}none")
    for name, n in counter.most_common():
        print(f"{indent}{n:>7,}  {name}")


def parse_only(messages: list[CorpusMessage]) -> None:
    from parley.mail.parsing import parse_for_ingest

    size = sum(len(m.raw) for m in messages)
    failures: Counter[str] = Counter()
    began = time.perf_counter()
    for message in messages:
        outcome = parse_for_ingest(message.raw)
        if outcome.parsed is None:
            failures[outcome.error.split(":", 1)[0]] += 1
    seconds = time.perf_counter() - began
    print(f"(a) parse_for_ingest: {_rate(len(messages), size, seconds)}")
    print("    failures by type:")
    _top(failures, "      ")


def defects(messages: list[CorpusMessage]) -> None:
    found: Counter[str] = Counter()
    with_defects = 0
    for message in messages:
        parsed = email.message_from_bytes(message.raw, policy=policy.compat32)
        kinds = [type(d).__name__ for part in parsed.walk() for d in part.defects]
        found.update(kinds)
        with_defects += bool(kinds)
    print(f"(b) stdlib parser defects: {with_defects:,} of {len(messages):,} messages have some")
    _top(found, "      ")


def ingest(messages: list[CorpusMessage]) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from parley.accounts.models import Team
    from parley.mail.ingest import IMPORT_BATCH, BatchItem, IngestResult, ingest_batch
    from parley.mail.models import Mailbox, MessageSource
    from parley.mail.parsepool import ParsePool

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Corpus")
    mailbox = Mailbox.objects.create(
        team=team, name="corpus", email="corpus@parley.test", imap_host="127.0.0.1"
    )
    size = sum(len(m.raw) for m in messages)

    def run(pool: ParsePool) -> tuple[float, list[IngestResult], Counter[str]]:
        def once(items: list[BatchItem]) -> list[IngestResult]:
            with transaction.atomic():  # a batch that raises leaves the rest writable
                return ingest_batch(items, source=MessageSource.IMPORT, mailbox=mailbox, pool=pool)

        results: list[IngestResult] = []
        errors: Counter[str] = Counter()
        began = time.perf_counter()
        for start in range(0, len(messages), IMPORT_BATCH):
            chunk = [BatchItem(raw=m.raw) for m in messages[start : start + IMPORT_BATCH]]
            try:
                results += once(chunk)
            except Exception:  # find the message(s) that raise, one at a time
                for item in chunk:
                    try:
                        results += once([item])
                    except Exception as exc:
                        errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
        return time.perf_counter() - began, results, errors

    with ParsePool() as pool:
        seconds, results, errors = run(pool)
        created = [r for r in results if r.created]
        quarantined = sum(bool(r.message.parse_error) for r in created)
        print(f"(c) ingest (SQLite, ParsePool, batches of {IMPORT_BATCH}): ")
        print(f"    {_rate(len(messages), size, seconds)}")
        print(
            f"    {len(created):,} stored, {len(results) - len(created):,} duplicates, "
            f"{quarantined:,} quarantined (parse_error), {sum(errors.values()):,} raised"
        )
        print("    exceptions by type:")
        _top(errors, "      ")
        again_seconds, again, again_errors = run(pool)
    print(
        f"(d) the same again: {again_seconds:.2f} s, "
        f"{sum(r.created for r in again):,} created (must be 0), "
        f"{sum(again_errors.values()):,} raised"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: PARLEY_CORPUS)")
    parser.add_argument(
        "--limit", type=int, help="at most N messages (0: all; default PARLEY_CORPUS_LIMIT/all)"
    )
    parser.add_argument("--skip-ingest", action="store_true", help="parse and defects only")
    args = parser.parse_args()
    root = args.corpus or corpus_root()
    if not root.is_dir():
        print(f"corpus absent ({root}): nothing to measure")
        return 0
    limit = (args.limit if args.limit is not None else limit_from_env(default=0)) or None
    with tempfile.TemporaryDirectory(prefix="parley-corpus-bench-") as tmp:
        _setup(Path(tmp))
        listing = find_sources(root)
        began = time.perf_counter()
        messages = list(walk(root, limit=limit))
        read_seconds = time.perf_counter() - began
        size = sum(len(m.raw) for m in messages)
        kinds = Counter(s.kind.value + (".gz" if s.gzipped else "") for s in listing.sources)
        print(f"Corpus {root}: {len(messages):,} messages, {size / 1e6:,.1f} MB")
        print(f"    sources: {dict(sorted(kinds.items()))}; {len(listing.skipped):,} skipped")
        print(f"    read: {_rate(len(messages), size, read_seconds)}")
        if not messages:
            return 0
        parse_only(messages)
        defects(messages)
        if not args.skip_ingest:
            ingest(messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
