"""`parley sync [NAME] [--once]`: fetch new mail.

With --once, sync each active mailbox (or NAME) one time and exit (status 1 if any failed).
Without it, run the worker loop (a `LoopCommand` whose pass is `SyncWorker.tick`: every few
seconds a mailbox without a thread gets one, which keeps its IMAP connection in IDLE, see
parley.mail.worker) until SIGTERM/SIGINT, which finish the current batch before exiting.
`parley worker` and `parley run` start this command.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Event
from typing import Any, override

from django.core.management.base import CommandError, CommandParser
from django.db import connection

from parley.lib.loop import LoopCommand
from parley.mail.exceptions import MailError
from parley.mail.models import Mailbox
from parley.mail.services import get_mailbox_by_name
from parley.mail.sync import sync_mailbox
from parley.mail.worker import POLL_SECONDS, SCAN_SECONDS, SyncWorker

logger = logging.getLogger(__name__)


class Command(LoopCommand):
    help = "Fetch new mail from every active mailbox (or NAME), once or continuously."
    # The system checks import every URLconf (the whole web app and API): seconds of start-up
    # for a command that cron may run every minute. `parley check` runs them.
    requires_system_checks: list[str] = []
    loop_by_default = True
    interval = SCAN_SECONDS
    label = "Mail sync"
    stop_message = "%s, finishing the current batch..."
    worker: SyncWorker

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("name", nargs="?", help="Only this mailbox.")
        parser.add_argument("--once", action="store_true", help="Sync once and exit.")
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=POLL_SECONDS,
            help="Seconds between checks when the server has no IDLE (default %(default)s).",
        )
        parser.add_argument(
            "--max-mailboxes",
            type=int,
            default=50,
            help="Mailboxes this process syncs at the same time (default %(default)s).",
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        if name:
            try:
                get_mailbox_by_name(name)
            except MailError as exc:
                raise CommandError(str(exc)) from None
        super().handle(*args, **options)

    @override
    @contextmanager
    def serving(self, stop: Event, **options: Any) -> Iterator[None]:
        name = options["name"]
        self.worker = SyncWorker(
            names=[name] if name else None,
            poll_seconds=options["poll_interval"],
            max_mailboxes=options["max_mailboxes"],
            shutdown=stop,
        )
        logger.info("Mail sync worker %s started.", self.worker.owner)
        try:
            yield
        finally:
            # The mailbox threads watch `stop` too: each finishes the batch it is in, lets go
            # of its lease and ends. (Set here as well in case the loop itself failed.)
            stop.set()
            self.worker.join()
            connection.close()
            logger.info("Mail sync worker %s stopped.", self.worker.owner)

    @override
    def run_pass(self) -> int:
        # Starts a thread for each mailbox that has none; the threads log their own work.
        self.worker.tick()
        return 0

    @override
    def run_once(self, **options: Any) -> None:
        name = options["name"]
        mailboxes = Mailbox.objects.order_by("name")
        mailboxes = mailboxes.filter(name=name) if name else mailboxes.filter(is_active=True)
        failed = 0
        for mailbox in mailboxes:
            if not mailbox.is_active:
                self.stderr.write(f"{mailbox.name}: paused; resume it to sync.")
                failed += 1
                continue
            try:
                report = sync_mailbox(mailbox)
            except Exception as exc:
                # sync_mailbox has recorded it on the mailbox and logged it with a traceback
                # when it was not a plain connection problem.
                self.stderr.write(f"{mailbox.name}: {exc}")
                failed += 1
                continue
            self.stdout.write(
                f"{mailbox.name}: {report.created} new message(s), {report.fetched} fetched."
            )
        if failed:
            raise CommandError(f"{failed} mailbox(es) could not be synced.")
