"""Real mail written by others goes through ingest without loss (../shared/corpus).

The shared corpus (``PARLEY_CORPUS`` names another folder) may be absent: its test then
skips and says so. ``PARLEY_CORPUS_LIMIT`` bounds its cost (default 2,000 messages spread
over the files; ``all`` for every message). The locator and the checks themselves run
always, on a corpus built here from CPython's e-mail test data and deliberately broken files
in every layout the locator reads (.eml, bare files, mbox, Maildir, .gz).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import mailbox as stdlib_mailbox
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import transaction

from parley.accounts.models import Team
from parley.conversations.models import Conversation
from parley.mail import blobs
from parley.mail.export import ExportConversation, ExportMessage, export_jsonl
from parley.mail.ingest import IMPORT_BATCH, BatchItem, IngestResult, ingest_batch
from parley.mail.models import Attachment, Mailbox, Message, MessageSource
from parley.mail.testing.corpus import (
    CorpusMessage,
    Kind,
    corpus_root,
    find_sources,
    limit_from_env,
    shares,
    walk,
)
from parley.mail.tests.support import make_mailbox, use_tmp_storage

pytestmark = pytest.mark.django_db

CPYTHON_DATA = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
# A message body without a header block (a digest part): not recognisable as mail on its own.
CPYTHON_HEADERLESS = "msg_19.txt"


@pytest.fixture(autouse=True)
def _blob_storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


@dataclass
class Outcome:
    messages: int = 0
    stored: int = 0
    quarantined: dict[str, str] = field(default_factory=dict)  # source -> parse_error
    failures: list[str] = field(default_factory=list)


def _ingest_batch(items: list[BatchItem], mailbox: Mailbox) -> list[IngestResult]:
    # A savepoint: a batch that raises leaves the test's transaction usable for the rest.
    with transaction.atomic():
        return ingest_batch(items, source=MessageSource.IMPORT, mailbox=mailbox)


def _ingest(
    messages: list[CorpusMessage], mailbox: Mailbox
) -> tuple[list[IngestResult], list[str]]:
    """Ingest as `parley import` does (batches of IMPORT_BATCH); failures by source."""
    results: list[IngestResult] = []
    failures: list[str] = []
    for start in range(0, len(messages), IMPORT_BATCH):
        chunk = messages[start : start + IMPORT_BATCH]
        items = [BatchItem(raw=m.raw) for m in chunk]
        try:
            results += _ingest_batch(items, mailbox)
        except Exception as exc:  # pragma: no cover - what the test is there to catch
            # Find the message(s) that raise, one by one, and go on with the rest.
            for message, item in zip(chunk, items, strict=True):
                try:
                    results += _ingest_batch([item], mailbox)
                except Exception as single:
                    failures.append(f"{message.source}: {type(single).__name__}: {single}")
            if not failures:
                failures.append(f"batch at {chunk[0].source}: {type(exc).__name__}: {exc}")
    return results, failures


def check_corpus(messages: list[CorpusMessage], team: Team) -> Outcome:
    """Assert the ingest guarantees for ``messages``; returns what happened to them."""
    assert messages, "no message found in the corpus"
    outcome = Outcome(messages=len(messages))
    mailbox = make_mailbox(team)
    results, outcome.failures = _ingest(messages, mailbox)
    assert outcome.failures == []
    assert len(results) == len(messages)

    lost = []
    for message, result in zip(messages, results, strict=True):
        sha = blobs.sha256_hex(message.raw)
        # The raw bytes are in the blob store byte for byte, duplicate or not...
        if blobs.read_raw(sha) != message.raw:
            lost.append(f"{message.source}: raw bytes differ in the blob store")
        # ...and a row holds the message: its own, or the one with the same identity.
        if not Message.objects.filter(pk=result.message.pk).exists():
            lost.append(f"{message.source}: no message row")
        if result.created and result.message.raw_sha256 != sha:
            lost.append(f"{message.source}: stored under another hash")
        if result.message.parse_error:
            outcome.quarantined[message.source] = result.message.parse_error
    assert lost == []
    outcome.stored = sum(r.created for r in results)
    assert Message.objects.count() == outcome.stored
    # Quarantined = stored with the reason parsing failed, in a conversation of its own.
    for row in Message.objects.exclude(parse_error=""):
        assert row.conversation_id is not None
        assert row.parse_error.strip()

    # The JSONL export: one valid JSON line per conversation, every contract key, every
    # stored message once.
    out = io.StringIO()
    lines = export_jsonl(mailbox=mailbox, out=out)
    exported: list[str] = []
    # Split on "\n" only, as JSONL readers do: a text may hold U+0085 or U+2028 unescaped.
    for line in out.getvalue().removesuffix("\n").split("\n"):
        record = json.loads(line)
        assert set(record) == set(ExportConversation.__required_keys__)
        for entry in record["messages"]:
            assert set(entry) == set(ExportMessage.__required_keys__)
            exported.append(entry["raw_sha256"])
    assert lines == Conversation.objects.count()
    assert sorted(exported) == sorted(Message.objects.values_list("raw_sha256", flat=True))

    # The same set again creates nothing: every message is found by its identity.
    before = (Message.objects.count(), Conversation.objects.count(), Attachment.objects.count())
    again, failures = _ingest(messages, mailbox)
    assert failures == []
    assert [r.created for r in again] == [False] * len(messages)
    assert [r.message.pk for r in again] == [r.message.pk for r in results]
    after = (Message.objects.count(), Conversation.objects.count(), Attachment.objects.count())
    assert after == before
    return outcome


def test_the_shared_corpus_ingests_without_loss(team_a, record_property):
    root = corpus_root()
    if not root.is_dir():
        pytest.skip(f"The shared mail corpus is absent ({root}); set PARLEY_CORPUS to run it.")
    messages = list(walk(root, limit=limit_from_env()))
    if not messages:
        pytest.skip(f"No mail found in {root} (mbox, Maildir, .eml or raw message files).")

    outcome = check_corpus(messages, team_a)

    # bench/corpus.py prints the figures (throughput, failures and defects by kind).
    record_property("corpus", f"{outcome.messages} read, {outcome.stored} stored")
    record_property("quarantined", sorted(outcome.quarantined))


# A corpus built here: the checks above and the locator on every layout --------------------

GOOD = (
    b"From: Ann <ann@example.com>\r\nTo: help@parley.test\r\nSubject: {n}\r\n"
    b"Message-ID: <{n}@example.com>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\nHi {n}\r\n"
)
BROKEN = {
    "empty.eml": b"",
    "nul.eml": b"From: nul@example.com\nSubject: a\x00b\n\nbody\x00with NUL\n",
    "8bit-headers.eml": (
        "From: Zażółć Gęślą <jazn@example.pl>\nSubject: Faktura źdźbło\nTo: x@example.pl\n\nTreść\n"
    ).encode()
    + "Cc: Łukasz <l@example.pl>\n".encode("iso-8859-2"),
    "bad-base64.eml": (
        b"From: b@example.com\nSubject: b64\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        b"!!!not*base64===\nSGVsbG8=garbage\n"
    ),
    "truncated-mime.eml": (
        b"From: t@example.com\nSubject: cut\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XX"\n\n--XX\nContent-Type: text/plain\n\n'
        b"first part\n--XX\nContent-Type: application/pdf; name=a.pdf\n"
        b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(b"%PDF" * 100)[:77]
    ),
    "binary-garbage.eml": bytes(range(256)) * 4,
    "no-headers.eml": b"\n\njust a body, no header at all\n",
}


def _build_corpus(root: Path) -> int:
    """A corpus in every layout; returns how many messages it holds."""
    count = 0
    loose = root / "loose"
    loose.mkdir(parents=True)
    for name, raw in BROKEN.items():
        (loose / name).write_bytes(raw)
        count += 1
    cpython = sorted(CPYTHON_DATA.glob("msg_*.txt"))
    for path in cpython:  # bare files, suffix .txt: found by their header block
        (loose / path.name).write_bytes(path.read_bytes())
        count += path.name != CPYTHON_HEADERLESS
    (loose / "README.md").write_text("From: not mail, a README\n")
    (loose / "a.reply.txt").write_text("Subject: a label of the reply corpora\n")
    (loose / "notes.txt").write_text("plain notes, no header\n")

    box = stdlib_mailbox.mbox(root / "list.mbox")
    for n in range(5):
        body = GOOD.replace(b"{n}", f"mbox-{n}".encode())
        box.add(body + b"From the start of a line\n")  # mboxrd-quoted on the way in
    box.flush()
    box.close()
    count += 5
    with (root / "list.mbox").open("rb") as plain, gzip.open(root / "old.mbox.gz", "wb") as gz:
        gz.write(plain.read().replace(b"mbox-", b"gz-"))
    count += 5
    (root / "single.eml.gz").write_bytes(gzip.compress(GOOD.replace(b"{n}", b"gz-single")))
    count += 1
    # A download cut short: what decompresses is kept (the rest of the message is gone).
    cut = gzip.compress(GOOD.replace(b"{n}", b"gz-cut") + bytes(range(256)) * 64)
    (root / "cut.eml.gz").write_bytes(cut[: len(cut) // 2])
    count += 1

    maildir = stdlib_mailbox.Maildir(root / "Maildir", create=True)
    for n in range(3):
        maildir.add(GOOD.replace(b"{n}", f"maildir-{n}".encode()))
    maildir.close()
    count += 3
    (loose / "loop").symlink_to(root)  # walked once, not forever
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.eml").write_bytes(GOOD)
    return count


def test_the_locator_reads_every_layout(tmp_path):
    expected = _build_corpus(tmp_path)

    listing = find_sources(tmp_path)
    messages = list(walk(tmp_path))

    kinds = {str(s.path.relative_to(tmp_path)): s.kind for s in listing.sources}
    assert kinds["list.mbox"] == Kind.MBOX
    assert kinds["old.mbox.gz"] == Kind.MBOX
    assert kinds["single.eml.gz"] == Kind.MESSAGE
    assert kinds["Maildir"] == Kind.MAILDIR
    assert kinds["loose/empty.eml"] == Kind.MESSAGE
    skipped = {p.name for p in listing.skipped} - {CPYTHON_HEADERLESS}
    assert skipped == {"README.md", "a.reply.txt", "notes.txt"}
    assert len(messages) == expected
    by_source = dict(messages)
    assert by_source["loose/empty.eml"] == b""
    assert by_source["loose/nul.eml"] == BROKEN["nul.eml"]
    # mboxrd: the ">From " quoting added on the way in is gone again.
    assert by_source["list.mbox#2"].endswith(b"Hi mbox-2\r\nFrom the start of a line\n")
    assert b"Hi gz-4" in by_source["old.mbox.gz#4"]
    assert by_source["single.eml.gz"] == GOOD.replace(b"{n}", b"gz-single")
    assert by_source["cut.eml.gz"].startswith(GOOD.replace(b"{n}", b"gz-cut"))
    assert sorted(s for s in by_source if s.startswith("Maildir")) == [
        "Maildir#0",
        "Maildir#1",
        "Maildir#2",
    ]
    assert not any(".hidden" in s for s in by_source)


def test_the_sample_is_bounded_spread_and_stable(tmp_path):
    _build_corpus(tmp_path)
    listed = [str(s.path.relative_to(tmp_path)) for s in find_sources(tmp_path).sources]

    few = [m.source for m in walk(tmp_path, limit=12)]
    many = [m.source for m in walk(tmp_path, limit=len(listed) + 6)]

    # Fewer than the sources: one message from each of 12 evenly spaced sources.
    assert few == [m.source for m in walk(tmp_path, limit=12)]
    assert len(few) == len({s.split("#")[0] for s in few}) == 12
    assert few[0].startswith(listed[0])
    assert few[-1].split("#")[0] in listed[-len(listed) // 6 :]
    # More: every source, and what the single files leave goes to the mailboxes.
    assert len(many) == len(listed) + 6
    assert {s.split("#")[0] for s in many} == set(listed)
    assert sum(s.startswith("old.mbox.gz#") for s in many) > 1
    assert shares([1, 5, 100, 1, 100], 50) == [1, 5, 22, 1, 21]
    assert shares([1, 2], 50) == [1, 2]


def test_the_root_is_found_by_env_or_beside_the_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv("PARLEY_CORPUS", raising=False)
    monkeypatch.delenv("PARLEY_QUOTE_CORPUS", raising=False)
    assert corpus_root() == Path(__file__).resolve().parents[4] / "shared" / "corpus"
    monkeypatch.setenv("PARLEY_CORPUS", str(tmp_path))
    assert corpus_root() == tmp_path
    assert corpus_root("PARLEY_QUOTE_CORPUS") == tmp_path
    monkeypatch.setenv("PARLEY_QUOTE_CORPUS", str(tmp_path / "q"))
    assert corpus_root("PARLEY_QUOTE_CORPUS") == tmp_path / "q"


def test_a_subject_longer_than_sqlite_allows_in_a_like_threads(team_a):
    """Found by bench/corpus.py: the subject fallback's LIKE raised on a 200 kB subject."""
    mailbox = make_mailbox(team_a)
    subject = b"x" * 60_000 + b" "
    results = [
        ingest_batch(
            [BatchItem(raw=GOOD.replace(b"Subject: {n}", b"Subject: " + s).replace(b"{n}", n))],
            source=MessageSource.IMPORT,
            mailbox=mailbox,
        )[0]
        for n, s in ((b"long-1", subject), (b"long-2", b"Re: " + subject))
    ]

    assert results[1].message.conversation_id == results[0].message.conversation_id


def test_broken_and_real_mail_in_every_layout_ingests_without_loss(team_a, tmp_path):
    corpus = tmp_path / "corpus"
    _build_corpus(corpus)
    messages = list(walk(corpus))

    outcome = check_corpus(messages, team_a)

    # The .gz copies of the mbox carry other Message-IDs: nothing in this corpus is a
    # duplicate but CPython's own identical pairs.
    assert outcome.stored >= len(messages) - 5
    assert outcome.quarantined == {}  # every broken file still parses to something
