"""Real mail servers for tests (registered for the whole suite by the root conftest.py):
one Dovecot per session (plus one announcing
only plain IMAP4rev1 capabilities), a fresh IMAP user per test so tests never share mail, and
an aiosmtpd server per test. Skipped cleanly where Dovecot is not installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from parley.mail.testing.servers import (
    PLAIN_CAPABILITIES,
    DovecotServer,
    SmtpServer,
    dovecot_available,
)


def _start(capabilities: str | None = None) -> DovecotServer:
    if not dovecot_available():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd).")
    return DovecotServer.start(capabilities=capabilities, lmtp=capabilities is None)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    server = _start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_plain() -> Iterator[DovecotServer]:
    """A Dovecot announcing no IDLE, CONDSTORE or SPECIAL-USE."""
    server = _start(PLAIN_CAPABILITIES)
    yield server
    server.stop()


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> str:
    return dovecot.add_user()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer.start()
    yield server
    server.stop()
