"""`parley mailbox …` and `parley sync` against a real Dovecot."""

from __future__ import annotations

import os
import signal
import time
from functools import partial
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from parley.accounts.models import Team
from parley.mail import worker
from parley.mail.models import Mailbox, MessageLocation
from parley.mail.secrets import decrypt_secret
from parley.mail.sync import SyncOptions
from parley.mail.testing.servers import DEFAULT_PASSWORD
from parley.mail.tests.test_sync import make_message

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def add(dovecot, user, *extra, name="support"):
    call_command(
        "mailbox",
        "add",
        name,
        "--email",
        f"{user}@example.com",
        "--imap-host",
        "127.0.0.1",
        "--imap-port",
        str(dovecot.port),
        "--imap-security",
        "none",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        "2525",
        "--smtp-security",
        "none",
        "--username",
        user,
        *extra,
    )
    return Mailbox.objects.get(name=name)


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("PARLEY_MAILBOX_PASSWORD", DEFAULT_PASSWORD)


def test_add_creates_the_first_team_and_stores_the_password_encrypted(
    dovecot, imap_user, password_env, capsys
):
    mailbox = add(dovecot, imap_user)
    assert Team.objects.get().name == "Support"
    assert mailbox.team.name == "Support"
    assert decrypt_secret(mailbox.secret_encrypted) == DEFAULT_PASSWORD
    assert "Added mailbox support" in capsys.readouterr().out


def test_add_uses_the_named_team_and_folders(dovecot, imap_user, password_env, team_a):
    mailbox = add(dovecot, imap_user, "--team", "Team A", "--folders", "INBOX,Sent")
    assert mailbox.team == team_a
    assert set(mailbox.folders.values_list("name", flat=True)) == {"INBOX", "Sent"}


def test_add_prompts_for_the_password_when_the_variable_is_unset(dovecot, imap_user, monkeypatch):
    monkeypatch.delenv("PARLEY_MAILBOX_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "typed-in")
    mailbox = add(dovecot, imap_user)
    assert decrypt_secret(mailbox.secret_encrypted) == "typed-in"


def test_add_rejects_a_duplicate(dovecot, imap_user, password_env):
    add(dovecot, imap_user)
    with pytest.raises(CommandError, match="already exists"):
        add(dovecot, imap_user)


def test_test_list_pause_resume_remove(dovecot, imap_user, password_env, capsys):
    add(dovecot, imap_user)
    call_command("mailbox", "test", "support")
    assert "OK: logged in" in capsys.readouterr().out
    call_command("mailbox", "pause", "support")
    call_command("mailbox", "list")
    assert "paused" in capsys.readouterr().out
    call_command("mailbox", "resume", "support")
    call_command("mailbox", "remove", "support")
    assert not Mailbox.objects.exists()


def test_test_reports_a_wrong_password(dovecot, imap_user, monkeypatch):
    monkeypatch.setenv("PARLEY_MAILBOX_PASSWORD", "wrong")
    add(dovecot, imap_user)
    with pytest.raises(CommandError, match="rejected the login"):
        call_command("mailbox", "test", "support")


def test_an_unknown_mailbox_is_an_error():
    with pytest.raises(CommandError, match="No mailbox named nope"):
        call_command("mailbox", "test", "nope")


def test_sync_once_fetches_mail_and_reports(dovecot, imap_user, password_env, capsys):
    add(dovecot, imap_user)
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(3)])
    call_command("sync", "support", "--once")
    assert "support: 3 new message(s)" in capsys.readouterr().out
    call_command("sync", "--once")
    assert "support: 0 new message(s)" in capsys.readouterr().out
    assert MessageLocation.objects.count() == 3


def test_sync_once_goes_on_after_a_failing_mailbox(dovecot, imap_user, monkeypatch, capsys):
    monkeypatch.setenv("PARLEY_MAILBOX_PASSWORD", "wrong")
    add(dovecot, imap_user, name="broken")
    monkeypatch.setenv("PARLEY_MAILBOX_PASSWORD", DEFAULT_PASSWORD)
    add(dovecot, imap_user, name="good")
    dovecot.append(imap_user, "INBOX", [make_message(1)])
    with pytest.raises(CommandError, match="1 mailbox"):
        call_command("sync", "--once")
    captured = capsys.readouterr()
    assert "broken: The server rejected the login" in captured.err
    assert "good: 1 new message(s)" in captured.out


def test_sync_once_refuses_a_paused_mailbox(dovecot, imap_user, password_env):
    add(dovecot, imap_user)
    call_command("mailbox", "pause", "support")
    with pytest.raises(CommandError):
        call_command("sync", "support", "--once")


def test_sigterm_stops_the_sync_loop_after_the_current_batch(
    dovecot, imap_user, password_env, monkeypatch
):
    mailbox = add(dovecot, imap_user)
    dovecot.append(imap_user, "INBOX", [make_message(n) for n in range(3)])
    out = StringIO()
    signalled: list[str] = []

    def sigterm_in_first_batch(step, /, **context):
        if step == "after_fetch" and not signalled:
            signalled.append(step)
            os.kill(os.getpid(), signal.SIGTERM)
            # Go on with the batch once the handler (in the main thread) has stopped the loop.
            deadline = time.monotonic() + 10
            while "finishing" not in out.getvalue() and time.monotonic() < deadline:
                time.sleep(0.05)

    # One message per batch, so "the current batch" is one of the three.
    options = partial(SyncOptions, batch_messages=1, hook=sigterm_in_first_batch)
    monkeypatch.setattr(worker, "SyncOptions", options)
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    call_command("sync", stdout=out)

    assert out.getvalue() == f"{signal.strsignal(signal.SIGTERM)}, finishing the current batch...\n"
    assert MessageLocation.objects.filter(mailbox=mailbox).count() == 1
    mailbox.refresh_from_db()
    assert mailbox.lease_owner == ""
    assert mailbox.last_error == ""
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
