from __future__ import annotations

import io
import json
import mailbox as stdlib_mailbox
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parley.mail.export import export_mbox
from parley.mail.models import Message, MessageSource
from parley.mail.tests.support import (
    FIXTURES,
    fixture,
    ingest_at,
    make_folder,
    make_mailbox,
    use_tmp_storage,
)

pytestmark = pytest.mark.django_db

NAMES = [
    "plain.eml",
    "html_only.eml",
    "multipart_attachments.eml",
    "iso_8859_2.eml",
    "no_message_id.eml",
]


@pytest.fixture(autouse=True)
def _blob_storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


@pytest.fixture
def mailbox(team_a):
    return make_mailbox(team_a)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write_mbox(path):
    box = stdlib_mailbox.mbox(path)
    for name in NAMES:
        box.add(fixture(name))
    box.close()


def write_maildir(path):
    box = stdlib_mailbox.Maildir(path)
    for name in NAMES:
        box.add(fixture(name))
    box.close()


def write_eml_folder(path):
    path.mkdir()
    for name in NAMES:
        shutil.copy(FIXTURES / name, path / name)


@pytest.mark.parametrize("writer", [write_mbox, write_maildir, write_eml_folder])
def test_importing_twice_adds_nothing(mailbox, tmp_path, writer):
    source = tmp_path / "source"
    writer(source)

    first = run("import", str(source), "--mailbox", mailbox.name)
    second = run("import", str(source), "--mailbox", mailbox.name)

    assert first.strip() == "read 5, new 5, duplicates 0, parse errors 0"
    assert second.strip() == "read 5, new 0, duplicates 5, parse errors 0"
    assert Message.objects.count() == 5
    assert set(Message.objects.values_list("source", flat=True)) == {MessageSource.IMPORT}


def test_a_single_eml_file_imports(mailbox):
    output = run("import", str(FIXTURES / "plain.eml"), "--mailbox", mailbox.name)

    assert output.strip() == "read 1, new 1, duplicates 0, parse errors 0"


def test_import_rejects_an_unknown_mailbox(tmp_path):
    with pytest.raises(CommandError, match="No mailbox named"):
        run("import", str(FIXTURES / "plain.eml"), "--mailbox", "nope")


def test_mbox_export_reimports_as_the_same_messages(mailbox, tmp_path, team_b):
    inbox = make_folder(mailbox)
    from_line = fixture("plain.eml").replace(b"Jan\r\n", b"From here on\r\n>From there\r\n")
    for uid, raw in enumerate([*(fixture(n) for n in NAMES), from_line], start=1):
        ingest_at(raw, inbox, uid=uid)
    target = tmp_path / "out.mbox"

    run("export", "--mailbox", mailbox.name, "--format", "mbox", str(target))
    other = make_mailbox(team_b, name="copy", email="copy@parley.test")
    output = run("import", str(target), "--mailbox", other.name)

    # Identity dedupe is global, so every message is found again.
    assert output.strip() == "read 6, new 0, duplicates 6, parse errors 0"
    box = stdlib_mailbox.mbox(target)
    assert len(box) == 6
    box.close()


def test_mbox_export_quotes_from_lines(mailbox):
    inbox = make_folder(mailbox)
    ingest_at(fixture("plain.eml").replace(b"Jan\r\n", b"From here\r\n"), inbox, uid=1)
    out = io.BytesIO()

    assert export_mbox(mailbox=mailbox, out=out) == 1

    data = out.getvalue()
    assert data.startswith(b"From MAILER-DAEMON ")
    assert b"\n>From here\n" in data
    assert b"\r\n" not in data


def test_jsonl_export_pins_every_key(mailbox, tmp_path):
    inbox = make_folder(mailbox)
    ingest_at(fixture("multipart_attachments.eml"), inbox, uid=1)
    reply = (
        fixture("plain.eml")
        .replace(b"Mon, 2 Mar 2026", b"Thu, 5 Mar 2026")
        .replace(
            b"Subject: Invoice question",
            b"Subject: Re: Contract attached\r\nIn-Reply-To: <multi-1@customer.example>",
        )
        .replace(
            b"> quoted older text\r\nJan", b"Jan\r\n\r\nOn Wed, 4 Mar 2026, Jan wrote:\r\n> old"
        )
    )
    ingest_at(reply, inbox, uid=2)
    target = tmp_path / "out.jsonl"

    run("export", "--mailbox", mailbox.name, "--format", "jsonl", str(target))

    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert list(record) == ["id", "number", "subject", "status", "mailbox", "messages"]
    assert record["mailbox"] == "support"
    assert record["subject"] == "Contract attached"
    assert record["status"] == "new"
    first, second = record["messages"]
    assert list(first) == [
        "message_id",
        "in_reply_to",
        "date",
        "from",
        "to",
        "cc",
        "subject",
        "direction",
        "source",
        "text",
        "attachments",
        "flags",
        "raw_sha256",
        "reply_text",
    ]
    assert first["message_id"] == "multi-1@customer.example"
    assert first["in_reply_to"] is None
    assert first["date"] == "2026-03-04T11:00:00+00:00"
    assert first["from"] == {"name": "Jan Kowalski", "address": "jan@customer.example"}
    assert first["to"] == [{"name": "", "address": "support@parley.test"}]
    assert first["cc"] == []
    assert first["direction"] == "in"
    assert first["source"] == "inbox"
    assert first["text"] == "Please see the contract."
    assert first["flags"] == []
    assert len(first["raw_sha256"]) == 64
    assert [list(a) for a in first["attachments"]] == [
        ["filename", "content_type", "size", "sha256"]
    ] * 2
    assert first["attachments"][1]["filename"] == "contract.pdf"
    assert second["in_reply_to"] == "multi-1@customer.example"
    assert first["reply_text"] == "Please see the contract."
    assert second["text"].endswith("> old\n")
    assert second["reply_text"] == "Hello,\n\nwhere is my invoice for February?\n\nJan"


def test_jsonl_export_computes_reply_text_for_rows_stored_before_it(mailbox, tmp_path):
    inbox = make_folder(mailbox)
    ingest_at(fixture("plain.eml").replace(b"> quoted", b"-- \r\nquoted"), inbox, uid=1)
    Message.objects.update(reply_text=None)
    out = io.StringIO()

    call_command("export", "--mailbox", mailbox.name, "--format", "jsonl", "-", stdout=out)

    [message] = json.loads(out.getvalue())["messages"]
    assert message["reply_text"] == "Hello,\n\nwhere is my invoice for February?"


def test_jsonl_export_to_stdout_marks_flags_and_missing_ids(mailbox, capsys):
    inbox = make_folder(mailbox)
    ingest_at(fixture("no_message_id.eml"), inbox, uid=1)
    ingest_at(fixture("list_mail.eml"), inbox, uid=2)
    out = io.StringIO()

    call_command(
        "export",
        "--mailbox",
        mailbox.name,
        "--format",
        "jsonl",
        "-",
        stdout=out,
        stderr=io.StringIO(),
    )

    records = [json.loads(line) for line in out.getvalue().splitlines()]
    messages = [r["messages"][0] for r in records]
    assert {m["message_id"] for m in messages} == {None, "news-1@lists.example"}
    assert [m["flags"] for m in messages if m["message_id"]] == [["bulk"]]


def test_jsonl_export_keeps_one_record_per_line_for_any_line_splitter(mailbox):
    inbox = make_folder(mailbox)
    odd = "Faktura\u2028nr\u20297\x85koniec"
    raw = fixture("plain.eml").replace(b"Hello,", odd.encode())
    ingest_at(raw, inbox, uid=1)
    out = io.StringIO()

    call_command("export", "--mailbox", mailbox.name, "--format", "jsonl", "-", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    [message] = json.loads(lines[0])["messages"]
    assert odd in message["text"]
