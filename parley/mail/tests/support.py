"""Helpers shared by the ingest, threading, import and export tests."""

from __future__ import annotations

from pathlib import Path

from parley.accounts.models import Team
from parley.mail.ingest import IngestResult, Location, ingest_raw
from parley.mail.models import FolderRole, Mailbox, MailFolder, MessageSource

# The mail tests import it from here; "as" marks the re-export for mypy.
from parley.testing import use_tmp_storage as use_tmp_storage  # noqa: PLC0414

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_mailbox(
    team: Team, *, name: str = "support", email: str = "support@parley.test"
) -> Mailbox:
    return Mailbox.objects.create(
        team=team, name=name, email=email, imap_host="127.0.0.1", username=email
    )


def make_folder(
    mailbox: Mailbox, name: str = "INBOX", role: FolderRole = FolderRole.INBOX
) -> MailFolder:
    return MailFolder.objects.create(mailbox=mailbox, name=name, role=role, uidvalidity=1)


def ingest_at(raw: bytes, folder: MailFolder, uid: int, uidvalidity: int = 1) -> IngestResult:
    source = MessageSource.SENT if folder.role == FolderRole.SENT else MessageSource.INBOX
    return ingest_raw(
        raw=raw,
        source=source,
        location=Location(folder=folder, uidvalidity=uidvalidity, uid=uid),
    )
