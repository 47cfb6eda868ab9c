"""The never-ending mailbox sync loop behind `parley sync` (and so `parley worker`/`run`).

Modelled on healthchecks' `sendalerts`: the main loop looks for active mailboxes every few
seconds and hands each one, when its lease can be claimed (compare-and-swap in the database,
so several worker processes or machines share the work without syncing one mailbox twice),
to a thread of a bounded pool. A mailbox thread keeps one IMAP connection: it syncs every
folder, then waits in IDLE on INBOX (or sleeps, on servers without IDLE) until new mail
arrives or the poll interval passes, renews its lease and syncs again. A failure is recorded
on the mailbox (last_error, last_error_at), logged with the mailbox id, and retried with
exponential backoff; it never stops the other mailboxes. SIGTERM/SIGINT (handled by the
command) set `shutdown`: threads finish the batch they are in and exit.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from django.db import close_old_connections, connection

from parley.mail.exceptions import MailboxBusyError, MailError
from parley.mail.models import Mailbox
from parley.mail.providers.imap.client import ImapClient
from parley.mail.services import connect_mailbox
from parley.mail.sync import (
    LEASE_SECONDS,
    SyncOptions,
    claim_lease,
    new_lease_owner,
    record_failure,
    record_success,
    release_lease,
    renew_lease,
    sync_with_client,
)

logger = logging.getLogger(__name__)

POLL_SECONDS = 60.0
SCAN_SECONDS = 5.0
BACKOFF_FIRST = 5.0
BACKOFF_MAX = 300.0


@dataclass
class _Backoff:
    failures: int = 0
    not_before: float = 0.0


@dataclass
class SyncWorker:
    """Runs until `shutdown` is set. `names` limits it to some mailboxes."""

    names: list[str] | None = None
    poll_seconds: float = POLL_SECONDS
    scan_seconds: float = SCAN_SECONDS
    max_mailboxes: int = 50
    owner: str = field(default_factory=new_lease_owner)
    shutdown: threading.Event = field(default_factory=threading.Event)
    _threads: dict[int, threading.Thread] = field(default_factory=dict)
    _backoff: dict[int, _Backoff] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        logger.info("Mail sync worker %s started.", self.owner)
        while not self.shutdown.is_set():
            try:
                self.tick()
            except Exception:
                # The database may be briefly unavailable; the loop must outlive that.
                logger.exception("Mail sync worker: scanning mailboxes failed.")
            self.shutdown.wait(self.scan_seconds)
        self.join()
        connection.close()
        logger.info("Mail sync worker %s stopped.", self.owner)

    def join(self) -> None:
        """Wait for every mailbox thread to end (after `shutdown` is set, each finishes the
        batch it is in and lets go of its lease)."""
        for thread in list(self._threads.values()):
            thread.join()

    def tick(self) -> None:
        """Start a thread for each active mailbox that has none, unless backing off."""
        close_old_connections()
        self._threads = {pk: t for pk, t in self._threads.items() if t.is_alive()}
        mailboxes = Mailbox.objects.filter(is_active=True).order_by("pk")
        if self.names:
            mailboxes = mailboxes.filter(name__in=self.names)
        now = time.monotonic()
        for mailbox in mailboxes:
            if len(self._threads) >= self.max_mailboxes:
                break
            backoff = self._backoff.get(mailbox.pk)
            if mailbox.pk in self._threads or (backoff and backoff.not_before > now):
                continue
            if not claim_lease(mailbox.pk, self.owner, seconds=LEASE_SECONDS):
                continue
            thread = threading.Thread(
                target=self._serve, args=(mailbox,), name=f"sync-{mailbox.pk}", daemon=True
            )
            self._threads[mailbox.pk] = thread
            thread.start()

    def _serve(self, mailbox: Mailbox) -> None:
        """Keep one mailbox in sync until shutdown, a pause, or a failure."""
        try:
            with connect_mailbox(mailbox) as client:
                self._loop(client, mailbox)
            self._succeeded(mailbox.pk)
        except MailboxBusyError:
            logger.info("Mailbox %s: lease taken by another worker.", mailbox.pk)
        except Exception as exc:
            record_failure(mailbox, exc)
            delay = self._failed(mailbox.pk)
            logger.warning(
                "Mailbox %s sync failed, retrying in %.0f s: %s",
                mailbox.pk,
                delay,
                exc,
                # Connection problems are the user's to fix; anything else is our bug.
                exc_info=not isinstance(exc, MailError),
            )
        finally:
            release_lease(mailbox.pk, self.owner)
            connection.close()

    def _loop(self, client: ImapClient, mailbox: Mailbox) -> None:
        options = SyncOptions(owner=self.owner, should_stop=self.shutdown.is_set)
        while not self.shutdown.is_set():
            report = sync_with_client(client, mailbox, options)
            record_success(mailbox)
            self._succeeded(mailbox.pk)
            if report.created:
                logger.info("Mailbox %s: %d new message(s).", mailbox.pk, report.created)
            self._wait_for_mail(client)
            close_old_connections()
            if not Mailbox.objects.filter(pk=mailbox.pk, is_active=True).exists():
                logger.info("Mailbox %s paused or removed; letting go.", mailbox.pk)
                return
            renew_lease(mailbox.pk, self.owner)

    def _wait_for_mail(self, client: ImapClient) -> None:
        # Wake up well before the lease expires, whatever the poll interval.
        timeout = min(self.poll_seconds, LEASE_SECONDS / 2)
        if client.has_idle:
            client.examine("INBOX")
            client.idle(timeout=timeout, should_stop=self.shutdown.is_set)
        else:
            self.shutdown.wait(timeout)
            client.noop()

    def _succeeded(self, mailbox_id: int) -> None:
        with self._lock:
            self._backoff.pop(mailbox_id, None)

    def _failed(self, mailbox_id: int) -> float:
        with self._lock:
            backoff = self._backoff.setdefault(mailbox_id, _Backoff())
            backoff.failures += 1
            delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** min(backoff.failures - 1, 16))
            backoff.not_before = time.monotonic() + delay
            return delay
