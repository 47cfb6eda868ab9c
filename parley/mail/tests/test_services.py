from __future__ import annotations

import pytest

from parley.accounts.models import Team
from parley.mail.exceptions import (
    AuthenticationError,
    FolderMissingError,
    HostUnreachableError,
    MailboxInvalidError,
)
from parley.mail.models import FolderRole, Mailbox, MailFolder
from parley.mail.providers.imap.client import PasswordAuthenticator, XOAuth2Authenticator
from parley.mail.secrets import decrypt_secret
from parley.mail.services import (
    MailboxSettings,
    authenticator_for,
    check_connection,
    create_mailbox,
    default_team,
    is_loopback,
    pause_mailbox,
    remove_mailbox,
    resume_mailbox,
    update_mailbox,
)
from parley.mail.testing.servers import DEFAULT_PASSWORD, free_port


def settings_for(port: int = 993, **overrides) -> MailboxSettings:
    values = {
        "name": "support",
        "email": "support@example.com",
        "imap_host": "127.0.0.1",
        "imap_port": port,
        "imap_security": "none",
        "username": "support",
    }
    values.update(overrides)
    return MailboxSettings(**values)  # type: ignore[arg-type]  # test helper


def test_it_creates_a_mailbox_with_an_encrypted_secret(team_a):
    mailbox = create_mailbox(team=team_a, settings=settings_for(), secret="pw")
    assert mailbox.secret_encrypted != "pw"
    assert decrypt_secret(mailbox.secret_encrypted) == "pw"
    assert isinstance(authenticator_for(mailbox), PasswordAuthenticator)
    assert not mailbox.folders.exists()


def test_it_creates_chosen_folders_with_roles(team_a):
    mailbox = create_mailbox(
        team=team_a, settings=settings_for(), secret="pw", folders=["INBOX", "Sent", "Archive"]
    )
    roles = dict(mailbox.folders.values_list("name", "role"))
    assert roles == {"INBOX": FolderRole.INBOX, "Sent": FolderRole.SENT, "Archive": "other"}


def test_it_rejects_a_duplicate_name(team_a):
    create_mailbox(team=team_a, settings=settings_for(), secret="pw")
    with pytest.raises(MailboxInvalidError, match="already exists"):
        create_mailbox(team=team_a, settings=settings_for(), secret="pw")


def test_it_rejects_plain_imap_to_a_remote_host(team_a):
    with pytest.raises(MailboxInvalidError, match="loopback"):
        create_mailbox(team=team_a, settings=settings_for(imap_host="mail.example.com"), secret="x")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("10.0.0.1", False), ("a.b", False)],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_update_keeps_the_secret_unless_given(team_a):
    mailbox = create_mailbox(team=team_a, settings=settings_for(), secret="pw")
    update_mailbox(mailbox=mailbox, settings=settings_for(display_name="Support"))
    mailbox.refresh_from_db()
    assert mailbox.display_name == "Support"
    assert decrypt_secret(mailbox.secret_encrypted) == "pw"
    update_mailbox(mailbox=mailbox, settings=settings_for(), secret="new")
    mailbox.refresh_from_db()
    assert decrypt_secret(mailbox.secret_encrypted) == "new"


def test_update_disables_folders_no_longer_wanted_and_keeps_progress(team_a):
    mailbox = create_mailbox(
        team=team_a, settings=settings_for(), secret="pw", folders=["INBOX", "Archive"]
    )
    MailFolder.objects.filter(mailbox=mailbox, name="Archive").update(last_uid=42)
    update_mailbox(mailbox=mailbox, settings=settings_for(), folders=["INBOX"])
    assert list(mailbox.folders.filter(enabled=True).values_list("name", flat=True)) == ["INBOX"]
    update_mailbox(mailbox=mailbox, settings=settings_for(), folders=["INBOX", "Archive"])
    archive = mailbox.folders.get(name="Archive")
    assert archive.enabled
    assert archive.last_uid == 42


def test_pause_resume_and_remove(team_a):
    mailbox = create_mailbox(team=team_a, settings=settings_for(), secret="pw")
    pause_mailbox(mailbox=mailbox)
    assert not Mailbox.objects.get(pk=mailbox.pk).is_active
    resume_mailbox(mailbox=mailbox)
    assert Mailbox.objects.get(pk=mailbox.pk).is_active
    remove_mailbox(mailbox=mailbox)
    assert not Mailbox.objects.exists()


def test_xoauth2_mailboxes_use_the_access_token(team_a):
    mailbox = create_mailbox(
        team=team_a,
        settings=settings_for(auth_method="xoauth2"),
        secret='{"access_token": "ya29.token", "refresh_token": "r"}',
    )
    authenticator = authenticator_for(mailbox)
    assert isinstance(authenticator, XOAuth2Authenticator)
    assert authenticator.access_token == "ya29.token"


def test_default_team_is_the_first_or_a_new_one(db):
    created = default_team()
    assert created.name == "Support"
    assert default_team() == created
    assert Team.objects.count() == 1


@pytest.mark.integration
def test_check_connection_succeeds_and_finds_sent(dovecot, imap_user, team_a):
    mailbox = create_mailbox(
        team=team_a,
        settings=settings_for(dovecot.port, username=imap_user),
        secret=DEFAULT_PASSWORD,
    )
    report = check_connection(mailbox=mailbox)
    assert report.sent_folder == "Sent"
    assert "INBOX" in report.folders
    assert "IDLE" in report.capabilities


@pytest.mark.integration
def test_check_connection_reports_a_wrong_password(dovecot, imap_user, team_a):
    mailbox = create_mailbox(
        team=team_a, settings=settings_for(dovecot.port, username=imap_user), secret="wrong"
    )
    with pytest.raises(AuthenticationError):
        check_connection(mailbox=mailbox)


@pytest.mark.integration
def test_check_connection_reports_an_unreachable_host(team_a):
    mailbox = create_mailbox(team=team_a, settings=settings_for(free_port()), secret="pw")
    with pytest.raises(HostUnreachableError):
        check_connection(mailbox=mailbox)


@pytest.mark.integration
def test_check_connection_reports_a_missing_folder(dovecot, imap_user, team_a):
    mailbox = create_mailbox(
        team=team_a,
        settings=settings_for(dovecot.port, username=imap_user),
        secret=DEFAULT_PASSWORD,
        folders=["INBOX", "Nope"],
    )
    with pytest.raises(FolderMissingError, match="Nope"):
        check_connection(mailbox=mailbox)
