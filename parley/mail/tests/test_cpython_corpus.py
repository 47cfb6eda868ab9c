"""Every message of CPython's own e-mail test data must ingest without loss (issue 3 part 8)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from parley.mail import blobs
from parley.mail.ingest import ingest_raw
from parley.mail.models import Message, MessageSource
from parley.mail.tests.support import make_mailbox, use_tmp_storage

pytestmark = pytest.mark.django_db


def corpus() -> list[Path]:
    data = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    return sorted(data.glob("msg_*.txt"))


@pytest.fixture(autouse=True)
def _blob_storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


def test_every_cpython_test_message_ingests_without_loss(team_a):
    files = corpus()
    if not files:
        pytest.skip("This Python has no test/test_email/data (the test package is absent).")
    mailbox = make_mailbox(team_a)

    results = [
        ingest_raw(raw=path.read_bytes(), source=MessageSource.IMPORT, mailbox=mailbox)
        for path in files
    ]

    distinct = {blobs.sha256_hex(path.read_bytes()) for path in files}
    assert Message.objects.count() == len(distinct)
    for path, result in zip(files, results, strict=True):
        assert blobs.read_raw(result.message.raw_sha256) == path.read_bytes(), path.name
    assert not Message.objects.exclude(parse_error="").exists()
