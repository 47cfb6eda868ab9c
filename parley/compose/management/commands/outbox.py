"""`parley outbox [--once]`: send queued mail (the outbox worker, parley.compose.worker).

With --once, send what is due now and exit. Without it, loop (a `LoopCommand` whose pass is
`OutboxWorker.tick`, every second) until SIGTERM/SIGINT, which let the messages in flight
finish. `parley worker` and `parley run` start this command.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from threading import Event
from typing import Any, override

from django.core.management.base import CommandParser
from django.db import connection
from django.utils import timezone

from parley.compose.services.outbox import mark_stale_as_check
from parley.compose.worker import SCAN_SECONDS, OutboxWorker
from parley.lib.loop import LoopCommand

logger = logging.getLogger(__name__)


class Command(LoopCommand):
    help = "Send queued mail, once or continuously."
    loop_by_default = True
    interval = SCAN_SECONDS
    label = "Outbox"
    done_message = "Outbox: %d message(s) handled"
    worker: OutboxWorker
    pool: ThreadPoolExecutor | None

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--once", action="store_true", help="Send what is due and exit.")
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="Messages sent at the same time; 0 sends one by one (default %(default)s).",
        )

    @override
    @contextmanager
    def serving(self, stop: Event, **options: Any) -> Iterator[None]:
        self.worker = OutboxWorker(threads=max(0, options["threads"]), shutdown=stop)
        logger.info("Outbox worker started.")
        mark_stale_as_check(now=timezone.now())
        threads = self.worker.threads
        self.pool = ThreadPoolExecutor(max_workers=threads) if threads > 0 else None
        try:
            yield
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
            connection.close()
            logger.info("Outbox worker stopped.")

    @override
    def run_pass(self) -> int:
        return self.worker.tick(self.pool)

    @override
    def run_once(self, **options: Any) -> None:
        worker = OutboxWorker(threads=max(0, options["threads"]))
        mark_stale_as_check(now=timezone.now())
        sent = worker.tick(None)
        self.stdout.write(f"{sent} message(s) handled.")
