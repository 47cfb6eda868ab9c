"""`parley inbox_timers [--loop]`: the inbox's timed work — wake snoozed conversations whose
time has come (back to Open, assignees notified) and forget stale presence rows.

The `wake_snoozed` task enqueued at snooze time normally does the waking; this sweep covers
task backends that cannot defer and tasks that were lost. Without --loop it runs one pass
and exits. With --loop (how `parley worker` runs it) it runs a pass every --interval
seconds until SIGTERM or SIGINT, finishing the current pass first; a failing pass is logged
and retried at the next interval. Every step is a compare-and-swap, so two workers running
it at once wake each conversation once.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any, override

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from parley.conversations.models import Presence
from parley.conversations.services.records import PRESENCE_TTL
from parley.conversations.services.workflow import wake_due_snoozed

logger = logging.getLogger(__name__)


def run_pass() -> int:
    """One pass: wake what is due; answers how many conversations woke."""
    woke = wake_due_snoozed()
    Presence.objects.filter(seen_at__lt=timezone.now() - 10 * PRESENCE_TTL).delete()
    return woke


class Command(BaseCommand):
    help = "Wake snoozed conversations whose time has come (and tidy presence rows)."

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running (worker mode).")
        parser.add_argument("--interval", type=float, default=15.0, help="Seconds between passes.")
        parser.add_argument(
            "--passes", type=int, default=0, help="With --loop, stop after N passes (0: never)."
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if not options["loop"]:
            self.stdout.write(f"Woke {run_pass()} conversations.")
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._loop(stop, interval=options["interval"], passes=options["passes"])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self, stop: threading.Event, *, interval: float, passes: int) -> None:
        done = 0
        while not stop.is_set():
            close_old_connections()
            try:
                woke = run_pass()
            except Exception:
                logger.exception("Inbox timers pass failed; retrying in %.0f s", interval)
            else:
                if woke:
                    logger.info("Inbox timers: %d snoozed conversations woke", woke)
            done += 1
            if passes and done >= passes:
                break
            stop.wait(interval)
