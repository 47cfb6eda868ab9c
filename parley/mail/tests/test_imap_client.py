from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from imapclient import imap_utf7  # type: ignore[import-untyped]  # imapclient ships no type information

from parley.mail.exceptions import (
    AuthenticationError,
    FolderMissingError,
    HostUnreachableError,
    TLSError,
)
from parley.mail.providers.imap.client import (
    ImapClient,
    ImapSettings,
    PasswordAuthenticator,
    uid_set,
)
from parley.mail.testing.servers import DovecotServer, free_port

pytestmark = pytest.mark.integration


def _message(n: int) -> bytes:
    return (
        f"From: Customer <c{n}@example.org>\r\nTo: support@example.com\r\n"
        f"Subject: Question {n}\r\nMessage-ID: <q{n}@example.org>\r\n\r\nBody {n}\r\n"
    ).encode()


def _settings(server: DovecotServer, user: str, **overrides) -> ImapSettings:
    settings = ImapSettings(
        host="127.0.0.1",
        port=server.port,
        security="none",
        username=user,
        authenticator=PasswordAuthenticator(server.password(user)),
        timeout=10.0,
    )
    return dataclasses.replace(settings, **overrides)


def test_uid_set_compresses_runs():
    assert uid_set([5, 1, 2, 3, 7, 8, 10]) == "1:3,5,7:8,10"
    assert uid_set([]) == ""


def test_it_logs_in_and_reads_capabilities_after_login(dovecot, imap_user):
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        assert client.has_idle
        assert client.has_condstore


def test_it_reports_a_wrong_password(dovecot, imap_user):
    settings = _settings(dovecot, imap_user, authenticator=PasswordAuthenticator("wrong"))
    with pytest.raises(AuthenticationError, match="rejected the login"):
        ImapClient.connect(settings)


def test_it_reports_an_unreachable_host(dovecot, imap_user):
    with pytest.raises(HostUnreachableError, match="Cannot connect"):
        ImapClient.connect(_settings(dovecot, imap_user, port=free_port()))


def test_it_reports_tls_failure_when_implicit_tls_meets_a_plain_port(dovecot, imap_user):
    with pytest.raises(TLSError):
        ImapClient.connect(_settings(dovecot, imap_user, security="ssl"))


def test_it_reports_tls_failure_when_starttls_is_not_offered(dovecot, imap_user):
    with pytest.raises(TLSError, match="STARTTLS"):
        ImapClient.connect(_settings(dovecot, imap_user, security="starttls"))


def test_it_finds_sent_through_special_use(dovecot, imap_user):
    dovecot.create_folder(imap_user, "Archive/2024")
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        names = {folder.name for folder in client.list_folders()}
        sent = client.find_sent()
    assert {"INBOX", "Sent", "Archive/2024"} <= names
    assert sent is not None
    assert sent.name == "Sent"
    assert "\\sent" in sent.flags


def test_it_decodes_non_ascii_folder_names(dovecot, imap_user):
    wire_name = imap_utf7.encode("Świąteczne").decode()
    assert wire_name.startswith("&")
    dovecot.append(imap_user, wire_name, [_message(1)])
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        assert "Świąteczne" in {folder.name for folder in client.list_folders()}
        assert client.examine("Świąteczne").exists == 1


def test_it_finds_sent_by_name_without_special_use(dovecot_plain):
    user = dovecot_plain.add_user()
    with ImapClient.connect(_settings(dovecot_plain, user)) as client:
        assert not client.has_idle
        assert not client.has_condstore
        sent = client.find_sent()
    assert sent is not None
    assert sent.name == "Sent"


def test_it_reports_a_missing_folder(dovecot, imap_user):
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        with pytest.raises(FolderMissingError, match="Nope"):
            client.examine("Nope")
        with pytest.raises(FolderMissingError):
            client.status("Nope")


def test_it_searches_only_uids_after_the_last_one(dovecot, imap_user):
    dovecot.append(imap_user, "INBOX", [_message(n) for n in range(3)])
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        state = client.examine("INBOX")
        assert state.exists == 3
        assert state.uidnext == 4
        assert state.highestmodseq is not None
        assert client.uids_after(0) == [1, 2, 3]
        assert client.uids_after(1) == [2, 3]
        # The quirk: "UID 4:*" matches UID 3 on the server.
        assert client.uids_after(3) == []
        assert client.uids_after(100) == []


def test_it_fetches_sizes_and_dates_before_the_messages(dovecot, imap_user):
    dated = (
        b"From: a@example.org\r\nDate: Mon, 2 Mar 2026 10:15:00\r\n +0100\r\n"
        b"Subject: folded date\r\n\r\nbody\r\n"
    )
    undated = b"From: a@example.org\r\nSubject: no date\r\n\r\nbody\r\n"
    dovecot.append(imap_user, "INBOX", [dated, undated])
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        client.examine("INBOX")
        envelopes = client.envelopes([1, 2])
    assert [envelopes[uid].size for uid in (1, 2)] == [len(dated), len(undated)]
    assert envelopes[1].date == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert envelopes[2].date is None
    # APPEND without a date: the server's receiving time.
    received = [envelopes[uid].internaldate for uid in (1, 2)]
    now = datetime.now(UTC)
    assert all(when is not None and abs(when - now) < timedelta(minutes=5) for when in received)


def test_it_fetches_exact_bytes_without_setting_seen(dovecot, imap_user):
    raws = [_message(n) for n in range(5)]
    dovecot.append(imap_user, "INBOX", raws)
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        client.examine("INBOX")
        sizes = client.sizes([1, 2, 3, 4, 5])
        fetched = client.fetch([5, 1, 3])
    assert [m.uid for m in fetched] == [1, 3, 5]
    assert [m.raw for m in fetched] == [raws[0], raws[2], raws[4]]
    assert sizes == {uid: len(raws[uid - 1]) for uid in range(1, 6)}
    assert all(b"\\Seen" not in line for line in dovecot.flags(imap_user))


def test_status_reports_uidnext_and_modseq(dovecot, imap_user):
    dovecot.append(imap_user, "INBOX", [_message(1)])
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        before = client.status("INBOX")
        dovecot.append(imap_user, "INBOX", [_message(2)])
        after = client.status("INBOX")
    assert before.uidvalidity == after.uidvalidity
    assert (before.uidnext, after.uidnext) == (2, 3)
    assert before.highestmodseq is not None
    assert after.highestmodseq is not None
    assert after.highestmodseq > before.highestmodseq


def test_idle_returns_when_new_mail_arrives(dovecot, imap_user):
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        client.examine("INBOX")
        timer = threading.Timer(0.3, dovecot.append, (imap_user, "INBOX", [_message(1)]))
        timer.start()
        started = time.monotonic()
        changed = client.idle(timeout=10, should_stop=lambda: False, tick=0.2)
        timer.join()
        assert changed
        assert time.monotonic() - started < 5
        assert client.uids_after(0) == [1]


def test_idle_stops_when_asked(dovecot, imap_user):
    with ImapClient.connect(_settings(dovecot, imap_user)) as client:
        client.examine("INBOX")
        started = time.monotonic()
        changed = client.idle(timeout=30, should_stop=lambda: time.monotonic() - started > 0.3)
        assert not changed
        assert time.monotonic() - started < 3
        client.noop()
