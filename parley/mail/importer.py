"""Read mail from an mbox file, a Maildir, a folder of .eml files or one .eml file.

``import_path`` feeds the messages through ``ingest_batch`` (source "import", no location)
in batches of ``IMPORT_BATCH``, parsed on several cores (``ParsePool``), so importing twice
adds nothing: identity dedupe finds every message again. Messages are read one at a time
(``mailbox.mbox`` indexes the file without loading it) and at most one batch of raw bytes
is held; mbox entries are read as mboxrd, so an export re-imports byte for byte.
"""

from __future__ import annotations

import mailbox as stdlib_mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from parley.mail.ingest import IMPORT_BATCH, BatchItem, ingest_batch
from parley.mail.models import Mailbox, MessageSource
from parley.mail.parsepool import ParsePool

_QUOTED_FROM_RE = re.compile(rb"^>(>*From )", re.MULTILINE)


@dataclass(slots=True)
class ImportCounts:
    read: int = 0
    new: int = 0
    duplicates: int = 0
    parse_errors: int = 0


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def _mbox_messages(path: Path) -> Iterator[bytes]:
    box = stdlib_mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield _QUOTED_FROM_RE.sub(rb"\1", box.get_bytes(key))
    finally:
        box.close()


def _maildir_messages(path: Path) -> Iterator[bytes]:
    box = stdlib_mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):
        yield box.get_bytes(key)


def raw_messages(path: Path) -> Iterator[bytes]:
    """Raw bytes of every message under ``path``, one at a time."""
    if path.is_dir():
        if _is_maildir(path):
            yield from _maildir_messages(path)
            return
        for child in sorted(path.rglob("*.eml")):
            if child.is_file():
                yield child.read_bytes()
        return
    if _is_mbox(path):
        yield from _mbox_messages(path)
    else:
        yield path.read_bytes()


def _batches(raws: Iterator[bytes], size: int) -> Iterator[list[BatchItem]]:
    batch: list[BatchItem] = []
    for raw in raws:
        batch.append(BatchItem(raw=raw))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_path(*, path: Path, mailbox: Mailbox, batch_size: int = IMPORT_BATCH) -> ImportCounts:
    """Ingest every message under ``path`` into ``mailbox``; each batch is its own commit."""
    counts = ImportCounts()
    with ParsePool() as pool:
        for batch in _batches(raw_messages(path), batch_size):
            counts.read += len(batch)
            results = ingest_batch(batch, source=MessageSource.IMPORT, mailbox=mailbox, pool=pool)
            for result in results:
                if not result.created:
                    counts.duplicates += 1
                    continue
                counts.new += 1
                if result.message.parse_error:
                    counts.parse_errors += 1
    return counts
