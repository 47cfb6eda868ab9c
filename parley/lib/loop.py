"""`LoopCommand`: a management command that runs one pass, or with --loop a pass every
--interval seconds until SIGTERM or SIGINT (how `parley worker` runs it).

The loop finishes the current pass before it stops, logs a failing pass and retries it at the
next interval, and closes stale database connections before every pass. `--passes N` stops
after N passes (tests). The signal handlers it installs are restored when it returns.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any, ClassVar, override

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections


class LoopCommand(BaseCommand):
    """Subclasses set `interval`, `label` and `done_message` and write `run_pass` (the loop's
    pass, answering how much it did) and `run_once` (the pass without --loop, which reports
    on stdout)."""

    #: The default of --interval, in seconds.
    interval: ClassVar[float] = 3.0
    #: Names the command in the log: "<label> pass failed; retrying in N s".
    label: ClassVar[str] = ""
    #: Logged after a pass that did something; %d is what `run_pass` answered.
    done_message: ClassVar[str] = ""

    def run_pass(self) -> int:
        """One pass of the loop; answers how many things it did."""
        raise NotImplementedError

    def run_once(self, **options: Any) -> None:
        """The command without --loop: one pass, reported on stdout."""
        raise NotImplementedError

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running (worker mode).")
        parser.add_argument(
            "--interval", type=float, default=self.interval, help="Seconds between passes."
        )
        parser.add_argument(
            "--passes", type=int, default=0, help="With --loop, stop after N passes (0: never)."
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if not options["loop"]:
            self.run_once(**options)
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.loop(stop, interval=options["interval"], passes=options["passes"])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def loop(self, stop: threading.Event, *, interval: float, passes: int = 0) -> None:
        """Run passes until `stop` is set (or after `passes` passes, when not 0)."""
        logger = logging.getLogger(type(self).__module__)
        done = 0
        while not stop.is_set():
            close_old_connections()
            try:
                did = self.run_pass()
            except Exception:
                logger.exception("%s pass failed; retrying in %.0f s", self.label, interval)
            else:
                if did:
                    logger.info(self.done_message, did)
            done += 1
            if passes and done >= passes:
                break
            stop.wait(interval)
