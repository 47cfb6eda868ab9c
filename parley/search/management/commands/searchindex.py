"""`parley searchindex [--loop]`: bring the search index up to date.

Without --loop it runs one pass and exits. With --loop (how `parley worker` runs it) it
runs a pass every --interval seconds until SIGTERM or SIGINT, finishing the current pass
first. A failing pass is logged and retried at the next interval.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any, override

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from parley.search.indexer import catch_up

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Index new and changed messages, contacts and organizations."

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running (worker mode).")
        parser.add_argument("--interval", type=float, default=3.0, help="Seconds between passes.")
        parser.add_argument("--sweep", action="store_true", help="Also re-read every record now.")

    @override
    def handle(self, *args: Any, **options: Any) -> None:
        if not options["loop"]:
            written = catch_up(force_sweep=options["sweep"])
            self.stdout.write(f"Indexed {written} records.")
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while not stop.is_set():
            close_old_connections()
            try:
                written = catch_up()
            except Exception:
                logger.exception(
                    "Search index pass failed; retrying in %.0f s", options["interval"]
                )
            else:
                if written:
                    logger.info("Search index: %d records indexed", written)
            stop.wait(options["interval"])
