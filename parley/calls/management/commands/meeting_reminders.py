"""`parley meeting_reminders [--loop]`: remind agents of phone meetings whose window started.

The `remind_meeting` task deferred to the window start normally does it; this sweep covers
task backends that cannot defer (PARLEY_TASKS=immediate) and tasks that were lost. Without
--loop it runs one pass and exits. With --loop (how `parley worker` runs it) it runs a pass
every --interval seconds until SIGTERM or SIGINT; a failing pass is logged and retried at the
next interval. Each reminder is a compare-and-swap on `reminded_at`, so the task and two
sweeps running at once notify the agent once.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any, override

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from parley.calls.services.meetings import deliver_due_reminders

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Remind agents of phone meetings whose window has started."

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running (worker mode).")
        parser.add_argument("--interval", type=float, default=20.0, help="Seconds between passes.")
        parser.add_argument(
            "--passes", type=int, default=0, help="With --loop, stop after N passes (0: never)."
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if not options["loop"]:
            self.stdout.write(f"Reminded {deliver_due_reminders()} meetings.")
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
                reminded = deliver_due_reminders()
            except Exception:
                logger.exception("Meeting reminders pass failed; retrying in %.0f s", interval)
            else:
                if reminded:
                    logger.info("Meeting reminders: %d agents reminded", reminded)
            done += 1
            if passes and done >= passes:
                break
            stop.wait(interval)
