"""`LoopCommand`: a management command that runs one pass, or with --loop a pass every
--interval seconds until SIGTERM or SIGINT (how `parley worker` runs it).

The loop finishes the current pass before it stops, logs a failing pass and retries it at the
next interval, and closes stale database connections before every pass. `--passes N` stops
after N passes (tests). The signal handlers it installs are restored when it returns.

The workers whose command line predates this class (`sync`, `outbox`) loop unless given
--once (`loop_by_default`) and keep state across passes (threads, a pool), which `serving`
sets up around the loop and winds down, waiting for the work in flight, after it.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, ClassVar, override

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections


class LoopCommand(BaseCommand):
    """Subclasses set `interval`, `label` and `done_message` and write `run_pass` (the loop's
    pass, answering how much it did) and `run_once` (the pass without --loop, which reports
    on stdout). Long-running workers may also set `stop_message` and `loop_by_default` and
    write `serving`."""

    #: The default of --interval, in seconds.
    interval: ClassVar[float] = 3.0
    #: Names the command in the log: "<label> pass failed; retrying in N s".
    label: ClassVar[str] = ""
    #: Logged after a pass that did something; %d is what `run_pass` answered.
    done_message: ClassVar[str] = ""
    #: Written on stdout when SIGTERM/SIGINT arrives; %s is the signal's description.
    stop_message: ClassVar[str] = ""
    #: True: the command loops unless --once, which it declares itself, and takes no --loop,
    #: --interval or --passes (the passes come every `interval` seconds).
    loop_by_default: ClassVar[bool] = False

    def run_pass(self) -> int:
        """One pass of the loop; answers how many things it did."""
        raise NotImplementedError

    def run_once(self, **options: Any) -> None:
        """The command without --loop: one pass, reported on stdout."""
        raise NotImplementedError

    @contextmanager
    def serving(self, stop: threading.Event, **options: Any) -> Iterator[None]:
        """Around the whole loop: set up what every pass uses (worker threads that also watch
        `stop`, a thread pool) and, once the loop ends, wait for the work still in flight."""
        yield

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        if self.loop_by_default:
            return
        parser.add_argument("--loop", action="store_true", help="Keep running (worker mode).")
        parser.add_argument(
            "--interval", type=float, default=self.interval, help="Seconds between passes."
        )
        parser.add_argument(
            "--passes", type=int, default=0, help="With --loop, stop after N passes (0: never)."
        )

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        once = options["once"] if self.loop_by_default else not options["loop"]
        if once:
            self.run_once(**options)
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if self.stop_message:
                self.stdout.write(self.stop_message % signal.strsignal(signum))
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        interval = options.get("interval", self.interval)
        try:
            with self.serving(stop, **options):
                self.loop(stop, interval=interval, passes=options.get("passes", 0))
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
                if did and self.done_message:
                    logger.info(self.done_message, did)
            done += 1
            if passes and done >= passes:
                break
            stop.wait(interval)
