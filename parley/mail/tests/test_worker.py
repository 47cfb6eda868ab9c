"""The sync loop: IDLE push, polling fallback, failure isolation, graceful stop."""

from __future__ import annotations

import threading
import time

import pytest

from parley.mail.models import Mailbox, MessageLocation
from parley.mail.services import pause_mailbox
from parley.mail.tests.test_sync import add_mailbox, make_message
from parley.mail.worker import SyncWorker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_until(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def start(worker: SyncWorker) -> threading.Thread:
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return thread


def stop(worker: SyncWorker, thread: threading.Thread) -> None:
    worker.shutdown.set()
    thread.join(timeout=15)
    assert not thread.is_alive()


def test_new_mail_arrives_through_idle_without_waiting_for_the_poll(dovecot, imap_user, team_a):
    mailbox = add_mailbox(dovecot, imap_user, team_a)
    dovecot.append(imap_user, "INBOX", [make_message(1)])
    worker = SyncWorker(poll_seconds=120, scan_seconds=0.2)
    thread = start(worker)
    try:
        assert wait_until(lambda: MessageLocation.objects.filter(mailbox=mailbox).count() == 1)
        time.sleep(0.5)
        dovecot.append(imap_user, "INBOX", [make_message(2)])
        assert wait_until(lambda: MessageLocation.objects.filter(mailbox=mailbox).count() == 2)
        assert Mailbox.objects.get(pk=mailbox.pk).lease_owner == worker.owner
    finally:
        stop(worker, thread)
    assert Mailbox.objects.get(pk=mailbox.pk).lease_owner == ""


def test_a_server_without_idle_is_polled(dovecot_plain, team_a):
    user = dovecot_plain.add_user()
    mailbox = add_mailbox(dovecot_plain, user, team_a)
    worker = SyncWorker(poll_seconds=0.5, scan_seconds=0.2)
    thread = start(worker)
    try:
        time.sleep(0.5)
        dovecot_plain.append(user, "INBOX", [make_message(1)])
        assert wait_until(lambda: MessageLocation.objects.filter(mailbox=mailbox).count() == 1)
    finally:
        stop(worker, thread)


def test_a_failing_mailbox_does_not_stop_the_others(dovecot, imap_user, team_a):
    good = add_mailbox(dovecot, imap_user, team_a, name="good")
    broken = add_mailbox(dovecot, imap_user, team_a, name="broken")
    Mailbox.objects.filter(pk=broken.pk).update(imap_port=1)
    dovecot.append(imap_user, "INBOX", [make_message(1)])
    worker = SyncWorker(poll_seconds=120, scan_seconds=0.2)
    thread = start(worker)
    try:
        assert wait_until(lambda: MessageLocation.objects.filter(mailbox=good).count() == 1)
        assert wait_until(lambda: Mailbox.objects.get(pk=broken.pk).last_error != "")
    finally:
        stop(worker, thread)
    assert "Cannot connect" in Mailbox.objects.get(pk=broken.pk).last_error
    assert Mailbox.objects.get(pk=good.pk).last_error == ""


def test_a_paused_mailbox_is_let_go(dovecot, imap_user, team_a):
    mailbox = add_mailbox(dovecot, imap_user, team_a)
    worker = SyncWorker(poll_seconds=0.3, scan_seconds=0.2)
    thread = start(worker)
    try:
        assert wait_until(lambda: Mailbox.objects.get(pk=mailbox.pk).last_sync_at is not None)
        pause_mailbox(mailbox=mailbox)
        # Any new mail wakes the IDLE; the worker then sees the pause and releases the lease.
        dovecot.append(imap_user, "INBOX", [make_message(1)])
        assert wait_until(lambda: Mailbox.objects.get(pk=mailbox.pk).lease_owner == "")
    finally:
        stop(worker, thread)


def test_two_workers_never_sync_the_same_mailbox_at_once(dovecot, imap_user, team_a):
    mailbox = add_mailbox(dovecot, imap_user, team_a)
    first = SyncWorker(poll_seconds=120, scan_seconds=0.2)
    second = SyncWorker(poll_seconds=120, scan_seconds=0.2)
    threads = [start(first), start(second)]
    try:
        assert wait_until(lambda: Mailbox.objects.get(pk=mailbox.pk).lease_owner != "")
        time.sleep(1)
        owners = {Mailbox.objects.get(pk=mailbox.pk).lease_owner}
        busy = [w for w in (first, second) if any(t.is_alive() for t in w._threads.values())]
        assert len(busy) == 1
        assert owners == {busy[0].owner}
    finally:
        stop(first, threads[0])
        stop(second, threads[1])
