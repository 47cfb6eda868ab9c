"""Find and read the real e-mail written by others in ``../shared/corpus`` (tests, bench).

The folder's layout is not ours to choose, so it is walked by what the files are, not by
where they are: a directory with ``cur/`` or ``new/`` is a Maildir; a file whose first
bytes are ``From `` is an mbox (read as mboxrd, exactly as ``parley import`` reads it); an
``.eml`` file is one message whatever it holds (an empty or garbled one included: those
are the cases ingest must survive); any other file is one message when it starts with a
header field (CPython's ``msg_01.txt``, a bare RFC 5322 file without suffix). A ``.gz``
file is read as the file it compresses. Everything else (READMEs, code, the expected
replies of the reply corpora) is listed as skipped. Hidden files and folders are ignored.

``corpus_root()`` is where the corpora are: ``PARLEY_CORPUS`` (or a more specific variable
a caller names first) overrides ``../shared/corpus`` beside the checkout.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import BinaryIO, NamedTuple

REPO = Path(__file__).resolve().parents[3]
ENV = "PARLEY_CORPUS"
DEFAULT_LIMIT = 2000
# A header field at the very start: name (printable ASCII but ":"), colon.
_HEADER_START_RE = re.compile(rb"^[!-9;-~]+:")
# The labels of the reply corpora (parley/conversations/tests/reply_corpus.py), not mail.
_LABEL_SUFFIXES = (".reply.txt", "_reply_text")
_NOT_MAIL_SUFFIXES = frozenset(
    {".py", ".pyc", ".md", ".rst", ".json", ".yml", ".yaml", ".toml", ".cfg", ".html", ".js"}
)
_SNIFF = 4096


def corpus_root(*env: str) -> Path:
    """The corpus folder: the first set of ``env`` + ``PARLEY_CORPUS``, else ../shared/corpus."""
    for name in (*env, ENV):
        if value := os.environ.get(name):
            return Path(value)
    return REPO.parent / "shared" / "corpus"


class Kind(StrEnum):
    MESSAGE = "message"
    MBOX = "mbox"
    MAILDIR = "maildir"


@dataclass(frozen=True, slots=True)
class Source:
    """One file or Maildir of the corpus and what it holds."""

    path: Path
    kind: Kind
    gzipped: bool = False


class CorpusMessage(NamedTuple):
    """One message: where it came from (``file``, ``file#3`` for an mbox entry) and its bytes."""

    source: str
    raw: bytes


@dataclass(slots=True)
class Listing:
    sources: list[Source] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def _head(path: Path, gzipped: bool) -> bytes:
    opener = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as handle:
            return handle.read(_SNIFF)
    except (OSError, EOFError):  # a broken .gz: listed as skipped
        return b""


def classify(path: Path) -> Source | None:
    """What the file at ``path`` holds, or None when it is not mail."""
    name = path.name
    gzipped = name.endswith(".gz")
    inner = Path(name.removesuffix(".gz")) if gzipped else Path(name)
    if name.endswith(_LABEL_SUFFIXES) or inner.suffix.lower() in _NOT_MAIL_SUFFIXES:
        return None
    head = _head(path, gzipped)
    if head.startswith(b"From "):
        return Source(path, Kind.MBOX, gzipped)
    if inner.suffix.lower() == ".eml" or _HEADER_START_RE.match(head):
        return Source(path, Kind.MESSAGE, gzipped)
    return None


def find_sources(root: Path) -> Listing:
    """Every mail source under ``root``, in a stable (sorted) order."""
    listing = Listing()
    seen: set[Path] = set()  # resolved folders: a symlink loop is walked once

    def visit(folder: Path) -> None:
        if folder.resolve() in seen:
            return
        seen.add(folder.resolve())
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            if path.is_dir():
                if _is_maildir(path):
                    listing.sources.append(Source(path, Kind.MAILDIR))
                else:
                    visit(path)
            elif path.is_file():
                source = classify(path)
                if source is None:
                    listing.skipped.append(path)
                else:
                    listing.sources.append(source)

    if _is_maildir(root):
        listing.sources.append(Source(root, Kind.MAILDIR))
    elif root.is_dir():
        visit(root)
    return listing


def _gunzip(path: Path, out: BinaryIO) -> None:
    """Decompress ``path`` into ``out``; a truncated or corrupt end keeps what came before."""
    with gzip.open(path, "rb") as packed:
        while True:
            try:
                chunk = packed.read1(1 << 16)
            except (OSError, EOFError):
                return
            if not chunk:
                return
            out.write(chunk)


def read_source(source: Source) -> Iterator[bytes]:
    """The raw bytes of each message of ``source``, one at a time."""
    # Imported here: the locator itself needs no Django (bench/quotes.py, reply_corpus.py).
    from parley.mail.importer import raw_messages

    if source.kind == Kind.MESSAGE:
        if not source.gzipped:
            yield source.path.read_bytes()
            return
        buffer = io.BytesIO()
        _gunzip(source.path, buffer)
        yield buffer.getvalue()
        return
    if not source.gzipped:
        yield from raw_messages(source.path)
        return
    # mailbox.mbox wants a file: decompress to a temporary one.
    with tempfile.TemporaryDirectory(prefix="parley-corpus-") as tmp:
        plain = Path(tmp) / "mbox"
        with plain.open("wb") as out:
            _gunzip(source.path, out)
        yield from raw_messages(plain)


def count_messages(source: Source) -> int:
    """How many messages ``source`` holds, without parsing them (for sharing out a limit)."""
    if source.kind == Kind.MESSAGE:
        return 1
    if source.kind == Kind.MAILDIR:
        return sum(
            1
            for sub in ("cur", "new")
            if (source.path / sub).is_dir()
            for entry in (source.path / sub).iterdir()
            if entry.is_file() and not entry.name.startswith(".")
        )
    # mboxrd: a message starts at each line beginning with "From " (as mailbox.mbox splits).
    count = 0
    opener = gzip.open if source.gzipped else open
    with opener(source.path, "rb") as handle:
        try:
            for line in handle:
                count += line.startswith(b"From ")
        except (OSError, EOFError):
            pass  # a cut .gz: what decompresses is all _gunzip gives too
    return count


def shares(counts: list[int], limit: int) -> list[int]:
    """At most ``limit`` messages shared out fairly: small sources give all they have, the
    big ones split the rest evenly (max-min fairness)."""
    result = [0] * len(counts)
    left = limit
    order = sorted(range(len(counts)), key=lambda i: (counts[i], i))
    for position, index in enumerate(order):
        share = min(counts[index], math.ceil(left / (len(counts) - position)))
        result[index] = share
        left -= share
    return result


def walk(root: Path, *, limit: int | None = None) -> Iterator[CorpusMessage]:
    """The messages under ``root``; with ``limit``, at most that many, spread over the files.

    The sample is deterministic. With fewer messages allowed than there are sources, evenly
    spaced sources of the sorted list give one message each; otherwise each source's
    messages are counted (cheap: no parse) and the limit is shared out fairly (``shares``),
    each source giving its share from its start. Without a limit, every message.
    """
    sources = find_sources(root).sources
    quotas: list[int | None] = [None] * len(sources)
    if limit is not None and limit < len(sources):
        sources = [sources[i * len(sources) // limit] for i in range(limit)]
        quotas = [1] * len(sources)
    elif limit is not None:
        quotas = list(shares([count_messages(s) for s in sources], limit))
    for source, quota in zip(sources, quotas, strict=True):
        rel = source.path.relative_to(root) if source.path != root else Path(source.path.name)
        for index, raw in enumerate(islice(read_source(source), quota)):
            label = str(rel) if source.kind == Kind.MESSAGE else f"{rel}#{index}"
            yield CorpusMessage(label, raw)


def limit_from_env(default: int = DEFAULT_LIMIT) -> int | None:
    """``PARLEY_CORPUS_LIMIT`` (0 or "all": no limit), else ``default``."""
    value = os.environ.get("PARLEY_CORPUS_LIMIT", "").strip().lower()
    if not value:
        return default
    if value in {"all", "0"}:
        return None
    return int(value)
