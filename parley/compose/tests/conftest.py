"""Fixtures of the compose tests: real mail servers (Dovecot with LMTP, aiosmtpd delivering
into it), a support mailbox of team A wired to both, and a customer message to answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.mail.models import Mailbox
from parley.mail.services import MailboxSettings, create_mailbox
from parley.mail.testing.servers import (
    DEFAULT_PASSWORD,
    DovecotServer,
    SmtpServer,
    dovecot_available,
)
from parley.testing import use_tmp_storage


@pytest.fixture(autouse=True)
def _tmp_storage(settings, tmp_path: Path) -> None:
    use_tmp_storage(settings, tmp_path)
    settings.SITE_URL = "https://parley.test"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    if not dovecot_available():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd).")
    server = DovecotServer.start(lmtp=True)
    yield server
    server.stop()


@pytest.fixture
def smtp_server(dovecot: DovecotServer) -> Iterator[SmtpServer]:
    """aiosmtpd on loopback; what it accepts is delivered into Dovecot over LMTP."""
    server = SmtpServer.start(deliver_to=dovecot)
    yield server
    server.stop()


@pytest.fixture
def support_user(dovecot: DovecotServer) -> str:
    return dovecot.add_user()


def _mailbox(team, *, imap_port: int, smtp_port: int, user: str) -> Mailbox:
    settings = MailboxSettings(
        name=f"support-{user}",
        email=f"{user}@parley.test",
        display_name="Parley Support",
        imap_host="127.0.0.1",
        imap_port=imap_port,
        imap_security="none",
        username=user,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
    )
    return create_mailbox(team=team, settings=settings, secret=DEFAULT_PASSWORD)


@pytest.fixture
def mailbox(team_a, dovecot, smtp_server, support_user) -> Mailbox:
    """Team A's support mailbox on the real Dovecot and aiosmtpd."""
    return _mailbox(team_a, imap_port=dovecot.port, smtp_port=smtp_server.port, user=support_user)


@pytest.fixture
def offline_mailbox(team_a) -> Mailbox:
    """A mailbox whose servers are never contacted (unit tests of drafts)."""
    return _mailbox(team_a, imap_port=1, smtp_port=1, user="offline")
