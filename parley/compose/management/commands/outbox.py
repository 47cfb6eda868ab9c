"""`parley outbox [--once]`: send queued mail (the outbox worker, parley.compose.worker).

With --once, send what is due now and exit. Without it, loop until SIGTERM/SIGINT, which
let the messages in flight finish. `parley worker` and `parley run` start this command.
"""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any, override

from django.core.management.base import BaseCommand
from django.utils import timezone

from parley.compose.services.outbox import mark_stale_as_check
from parley.compose.worker import OutboxWorker


class Command(BaseCommand):
    help = "Send queued mail, once or continuously."

    @override
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due and exit.")
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="Messages sent at the same time; 0 sends one by one (default %(default)s).",
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        worker = OutboxWorker(threads=max(0, options["threads"]))
        if options["once"]:
            mark_stale_as_check(now=timezone.now())
            sent = worker.tick(None)
            self.stdout.write(f"{sent} message(s) handled.")
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.shutdown.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker.run()
