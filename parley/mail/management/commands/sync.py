"""`parley sync [NAME] [--once]`: fetch new mail.

With --once, sync each active mailbox (or NAME) one time and exit (status 1 if any failed).
Without it, run the worker loop (parley.mail.worker) until SIGTERM/SIGINT, which finish the
current batch before exiting. `parley worker` and `parley run` start this command.
"""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any, override

from django.core.management.base import BaseCommand, CommandError

from parley.mail.exceptions import MailError
from parley.mail.models import Mailbox
from parley.mail.services import get_mailbox_by_name
from parley.mail.sync import sync_mailbox
from parley.mail.worker import POLL_SECONDS, SyncWorker


class Command(BaseCommand):
    help = "Fetch new mail from every active mailbox (or NAME), once or continuously."
    # The system checks import every URLconf (the whole web app and API): seconds of start-up
    # for a command that cron may run every minute. `parley check` runs them.
    requires_system_checks: list[str] = []

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
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
        if options["once"]:
            self._once(name)
            return
        worker = SyncWorker(
            names=[name] if name else None,
            poll_seconds=options["poll_interval"],
            max_mailboxes=options["max_mailboxes"],
        )

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stdout.write(f"{signal.strsignal(signum)}, finishing the current batch...")
            worker.shutdown.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker.run()

    def _once(self, name: str | None) -> None:
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
